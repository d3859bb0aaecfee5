"""The words of a ticket that cross processes. The workflow writes its history's actions
into `ticket_events.action` (intake's history view and the statistics read them back) and
hands notify its events (notify's preferences, e-mail wording and webhook subscriptions
name them). A StrEnum is stored and serialized as its value, so stored documents and
recorded histories are the same strings as before."""

from enum import StrEnum


class TicketAction(StrEnum):
    CREATED = "created"
    QUEUED = "queued"
    ASSIGNED = "assigned"
    CLAIMED = "claimed"
    AGENT_REPLIED = "agent_replied"
    AUTO_REPLIED = "auto_replied"
    CUSTOMER_REPLIED = "customer_replied"
    INTERNAL_NOTE = "internal_note"
    INFO_REQUESTED = "info_requested"
    REMINDER_SENT = "reminder_sent"
    SLA_WARNING = "sla_warning"
    SLA_BREACHED = "sla_breached"
    ESCALATED = "escalated"
    PRIORITY_CHANGED = "priority_changed"
    COLLABORATOR_ADDED = "collaborator_added"
    IDENTITY_VERIFIED = "identity_verified"
    IDENTITY_CHECK_FAILED = "identity_check_failed"
    OPERATION_RECORDED = "operation_recorded"
    DUPLICATE_MERGED = "duplicate_merged"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    CLOSED = "closed"


class NotifyEvent(StrEnum):
    """The ticket events people and client systems are notified of (SPEC J2)."""

    RECEIVED = "received"
    ASSIGNED = "assigned"
    REPLIED = "replied"
    INTERNAL_NOTE = "internal_note"
    STATUS_CHANGED = "status_changed"
    REMINDER = "reminder"
    SLA_WARNING = "sla_warning"
    SLA_BREACH = "sla_breach"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    CLOSED = "closed"
    AUTO_CLOSED = "auto_closed"


class RejectionCode(StrEnum):
    """Why the ticket workflow refuses an update: the `type` of its ApplicationError, which
    intake passes on as the API's error code."""

    ILLEGAL_TRANSITION = "illegal_transition"
    ALREADY_ASSIGNED = "already_assigned"
    TICKET_CLOSED = "ticket_closed"
    IDENTITY_NOT_VERIFIED = "identity_not_verified"
    NOT_PERMITTED = "not_permitted"
    UNKNOWN_AGENT = "unknown_agent"


class TimerKind(StrEnum):
    """What a ticket's timer does when it falls due (services/workflows/ticket/timers.py)."""

    WARN = "warn"  # an SLA clock reaches its warning share
    BREACH = "breach"  # an SLA clock reaches its deadline
    REMIND = "remind"  # the customer has not answered a request for information
    NO_RESPONSE = "no_response"  # ... and is closed for it
    AUTO_CLOSE = "auto_close"  # a resolution not disputed
    ASSIGN = "assign"  # another try at finding a free agent
