"""The contract between intake and the ticket workflow: names, input, state, events."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from shared.enums import Category, Priority, Role, StandardGroup, TicketStatus, TicketType

TICKET_WORKFLOW = "TicketWorkflow"
STATE_QUERY = "state"


def ticket_workflow_id(ticket_id: str) -> str:
    """Each ticket has exactly one workflow, named after it."""
    return f"ticket-{ticket_id}"


class Actor(BaseModel):
    id: str | None = None
    role: Role


class TicketStart(BaseModel):
    """What the ticket workflow starts from: the ticket as it was filed."""

    ticket_id: str
    number: int
    type: TicketType
    category: Category
    priority: Priority
    group: StandardGroup = StandardGroup.FRONTLINE
    submitter: Actor
    created_at: datetime


class TicketState(BaseModel):
    """What the workflow's `state` query answers."""

    ticket_id: str
    number: int
    status: TicketStatus
    priority: Priority
    group: StandardGroup
    assignee_id: str | None = None
    escalation_level: int = 0
    events_recorded: int = 0


class TicketEvent(BaseModel):
    """One transition of a ticket, as stored in its durable history (one document each)."""

    ticket_id: str
    seq: int = Field(ge=0)
    at: datetime
    actor: Actor
    action: str
    from_status: TicketStatus | None = None
    to_status: TicketStatus | None = None
    reason: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)

    @property
    def event_id(self) -> str:
        # Stable across activity retries, so a retried write is recognised as a duplicate.
        return f"{self.ticket_id}:{self.seq}"
