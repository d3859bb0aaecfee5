"""Names of the MongoDB collections and which service owns (writes) each."""

TICKETS = "tickets"  # created by intake, then projected by the ticket workflow's activities
TICKET_EVENTS = "ticket_events"  # written by the ticket workflow's activities only
COUNTERS = "counters"  # intake: human-friendly ticket numbers
USERS = "users"  # intake: customers, agents, admins
GROUPS = "groups"  # intake: agent groups and their members
FAQ_ARTICLES = "faq_articles"  # knowledge: source of truth for the FAQ search index
