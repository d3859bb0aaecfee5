"""The words of a ticket's history that cross processes: the workflow writes them into
`ticket_events.action`, intake's history view and the statistics read them back. A StrEnum
is stored and serialized as its value, so stored events and recorded histories are the same
strings as before."""

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
