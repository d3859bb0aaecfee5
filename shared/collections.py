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
API_KEYS = "api_keys"  # intake (admin): hashed keys of client systems
AUDIT_LOG = "audit_log"  # intake: every request that changed something, and who sent it
IDEMPOTENCY = "idempotency_keys"  # intake: answers to requests sent with an Idempotency-Key
TICKET_PRESENCE = "ticket_presence"  # intake: which agent has which ticket open, now
TICKET_MESSAGES = "ticket_messages"  # intake: public replies and internal notes (bodies)
CANNED_RESPONSES = "canned_responses"  # intake: reply templates (SPEC F2)
ORDERS = "orders"  # read by intake through one adapter; a real order system can replace it
ATTACHMENTS_BUCKET = "attachments"  # intake: GridFS bucket of uploaded files
SOLUTIONS = "solutions"  # knowledge: typical cases from resolved tickets (agents only)
KNOWLEDGE_EVENTS = "knowledge_events"  # knowledge: searches, suggestions, opens, votes
NOTIFICATION_DELIVERIES = "notification_deliveries"  # notify: one per recipient and channel
INBOX = "inbox"  # notify: in-app notifications per user
WEBHOOK_SUBSCRIPTIONS = "webhook_subscriptions"  # notify (admin): webhook endpoints
NOTIFICATIONS = "notifications"  # notify: every event it accepted (keyed, so once each)
TICKET_STATS = "ticket_stats"  # worker (stats refresh): one facts document per ticket
STATS_STATE = "stats_state"  # worker (stats refresh): how far the refresh has read events
STATS_DAYS = "stats_days"  # worker (stats refresh): the facts packed per day, for the reports
