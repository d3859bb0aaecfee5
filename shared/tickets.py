"""The contract between intake and the ticket workflow: names, input, state, events."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from shared.desk_config import DeskConfig
from shared.enums import (
    AutoAnswerOutcome,
    Category,
    CloseReason,
    EscalationLevel,
    Priority,
    Role,
    StandardGroup,
    TicketStatus,
    TicketType,
)
from shared.sla import SlaClock

TICKET_WORKFLOW = "TicketWorkflow"
# The `counters` document that allocates ticket numbers (dense: every ticket has one).
TICKET_NUMBER_COUNTER = "ticket_number"
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
    title: str = ""
    # Set when the workflow continues as new: the state it carries over.
    carried: "TicketState | None" = None
    # Continue as new after this many events in one run (tests); None: when Temporal says.
    max_events_per_run: int | None = None


class AgentRef(BaseModel):
    id: str
    name: str = ""


class Rating(BaseModel):
    score: int = Field(ge=1, le=5)
    comment: str | None = None


class TicketState(BaseModel):
    """The whole state of a ticket as its workflow holds it (the `state` query)."""

    ticket_id: str
    number: int
    status: TicketStatus
    priority: Priority
    group: StandardGroup
    type: TicketType | None = None
    category: Category | None = None
    submitter_id: str | None = None
    created_at: datetime | None = None
    assignee: AgentRef | None = None
    escalation_level: EscalationLevel = EscalationLevel.FRONTLINE
    collaborator_groups: list[StandardGroup] = Field(default_factory=list)
    identity_verified: bool = False
    identity_method: str | None = None
    response: SlaClock | None = None
    resolution: SlaClock | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    close_reason: CloseReason | None = None
    merged_into: str | None = None
    duplicates: list[str] = Field(default_factory=list)
    rating: Rating | None = None
    reopen_count: int = 0
    awaiting_since: datetime | None = None
    reminders_sent: int = 0
    next_assignment_at: datetime | None = None
    assignment_attempts: int = 0
    message_count: int = 0
    auto_answer: AutoAnswerOutcome | None = None  # None: not tried (yet)
    config: DeskConfig | None = None
    events_recorded: int = 0
    # Ids of the latest updates applied, so a retried update is not applied twice.
    applied_updates: list[str] = Field(default_factory=list)

    @property
    def assignee_id(self) -> str | None:
        return self.assignee.id if self.assignee else None


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


TicketStart.model_rebuild()
