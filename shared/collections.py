"""Names of the MongoDB collections and which service owns (writes) each."""

TICKETS = "tickets"  # created by intake, then projected by the ticket workflow's activities
TICKET_EVENTS = "ticket_events"  # written by the ticket workflow's activities only
COUNTERS = "counters"  # intake: human-friendly ticket numbers
USERS = "users"  # intake: customers, agents, admins
GROUPS = "groups"  # intake: agent groups and their members
FAQ_ARTICLES = "faq_articles"  # knowledge: source of truth for the FAQ search index
SETTINGS = "settings"  # intake (admin): the SLA policy and desk settings; read by the worker
NOTIFICATIONS_OUTBOX = "notifications_outbox"  # worker writes; notify delivers (notify issue)
OPERATION_LOG = "operation_log"  # worker: account operations on tickets (SPEC A4)
