"""Activity inputs and outputs of the ticket workflow."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from shared.desk_config import AssignmentStrategy
from shared.enums import Category, StandardGroup, TicketType
from shared.notifications import Audience as Audience
from shared.notifications import Notification as Notification
from shared.ticket_updates import DuplicateMerged
from shared.tickets import TicketEvent


class ProjectionWrite(BaseModel):
    """One recorded transition and the ticket's projection right after it."""

    event: TicketEvent
    projection: dict[str, Any]


class StepWrite(BaseModel):
    """What one step of a ticket wrote: its transitions, the projection after the last of
    them, and the notifications it hands to notify (through the outbox)."""

    events: list[TicketEvent]
    projection: dict[str, Any]
    notifications: list[Notification] = Field(default_factory=list)


class AgentQuery(BaseModel):
    """Find and reserve an agent of `group` for a ticket."""

    ticket_id: str
    group: StandardGroup
    type: TicketType
    category: Category
    strategy: AssignmentStrategy
    exclude: list[str] = Field(default_factory=list)


class AgentReservation(BaseModel):
    ticket_id: str
    agent_id: str


class AgentRelease(BaseModel):
    ticket_id: str
    agent_id: str
    group: StandardGroup


class DuplicateQuery(BaseModel):
    ticket_id: str
    submitter_id: str | None
    type: TicketType
    category: Category
    title: str
    created_at: datetime
    window_seconds: int


class RepeatQuery(BaseModel):
    ticket_id: str
    submitter_id: str | None
    category: Category
    since: datetime


class CustomerHistoryQuery(BaseModel):
    """What a new ticket needs to know of its customer's earlier tickets of its category:
    one it may duplicate (same type, open, a near-identical title, filed within the
    duplicate window) and how many were filed within the repeat window."""

    ticket_id: str
    submitter_id: str | None
    type: TicketType
    category: Category
    title: str
    created_at: datetime
    duplicate_window_seconds: int
    repeat_since: datetime


class CustomerHistory(BaseModel):
    duplicate_of: DuplicateMerged | None
    repeats: int  # this ticket included


class OperationLogEntry(BaseModel):
    key: str
    ticket_id: str
    at: datetime
    actor_id: str
    actor_role: str
    operation: str
    detail: str
    identity_method: str | None


class AnswerQuery(BaseModel):
    """Find FAQ articles that answer a new ticket (G1)."""

    ticket_id: str
    min_score: float
    max_articles: int


class AutoAnswerReply(BaseModel):
    """The automatic reply stored for a ticket: its message and the articles it links."""

    message_id: str
    article_ids: list[str]
    best_score: float
