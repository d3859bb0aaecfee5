"""Ticket schemas of the HTTP API (shapes fixed by API.md)."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from services.intake.attachments.models import AttachmentRead
from services.intake.auth.models import CustomerRef
from shared.clock import utcnow
from shared.enums import (
    Category,
    CloseReason,
    Priority,
    Role,
    SlaState,
    TicketStatus,
    TicketType,
    Visibility,
)

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)
]
ShortId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]

# A ticket's id in a route's path.
TicketId = Annotated[str, Path(min_length=1, max_length=64)]


class TicketCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: TicketType
    category: Category
    title: Title
    description: Description
    priority: Priority = Priority.NORMAL
    order_id: ShortId | None = None
    attachment_ids: list[ShortId] = Field(default_factory=list, max_length=20)
    # Who the ticket is for, when a client system or an agent files it for a customer.
    customer: CustomerRef | None = None


class PersonRef(BaseModel):
    id: str | None
    name: str
    email: str | None = None


class AssigneeRef(BaseModel):
    id: str
    name: str


class Rating(BaseModel):
    score: int = Field(ge=1, le=5)
    comment: str | None = None


class SlaClockRead(BaseModel):
    due_at: datetime | None
    state: SlaState
    met_at: datetime | None = None
    breached_at: datetime | None = None
    warned_at: datetime | None = None
    stopped_at: datetime | None = None
    target_seconds: int | None = None
    # Working time on this clock (paused time excluded), as of the ticket's last change.
    elapsed_seconds: float | None = None


class SlaRead(BaseModel):
    state: SlaState
    paused: bool
    paused_seconds: float
    response: SlaClockRead
    resolution: SlaClockRead


class TicketRead(BaseModel):
    id: str
    number: int
    title: str
    description: str
    type: TicketType
    category: Category
    priority: Priority
    status: TicketStatus
    submitter: PersonRef | None
    assignee: AssigneeRef | None
    group: str
    escalation_level: int
    collaborator_groups: list[str]
    order_id: str | None
    attachment_ids: list[str]
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    close_reason: CloseReason | None
    merged_into: str | None
    rating: Rating | None
    sla: SlaRead
    # A1's durations, paused time excluded: until the first agent reply, until resolution.
    first_response_seconds: float | None = None
    resolution_seconds: float | None = None

    @model_validator(mode="after")
    def _durations(self) -> "TicketRead":
        response, resolution = self.sla.response, self.sla.resolution
        if response.stopped_at is not None and self.first_response_at is not None:
            self.first_response_seconds = response.elapsed_seconds
        if resolution.stopped_at is not None and self.resolved_at is not None:
            self.resolution_seconds = resolution.elapsed_seconds
        return self


class ActorRead(BaseModel):
    id: str | None
    role: Role


class HistoryEntry(BaseModel):
    at: datetime
    actor: ActorRead
    action: str
    from_status: TicketStatus | None
    to_status: TicketStatus | None
    reason: str | None
    data: dict[str, Any]


class MessageAuthor(BaseModel):
    id: str | None
    name: str
    role: Role


class MessageRead(BaseModel):
    id: str
    author: MessageAuthor
    visibility: Visibility
    body: str
    attachment_ids: list[str]
    created_at: datetime


class StaffView(BaseModel):
    """Fields only staff see on a ticket (null for customers)."""

    identity_verified: bool = False
    priority_suggested: Priority | None = None
    reopen_count: int = 0
    duplicates: list[str] = Field(default_factory=list)
    source: dict[str, Any] | None = None


class TicketDetail(TicketRead):
    messages: list[MessageRead]
    # What the ticket's and the shown messages' attachment ids are: names, types, sizes.
    attachments: list[AttachmentRead] = Field(default_factory=list)
    history: list[HistoryEntry]
    submitter_profile: dict[str, Any] | None
    order: dict[str, Any] | None
    staff: StaffView | None = None
    # The server's clock when it answered: SLA countdowns correct the browser's by it.
    server_time: datetime = Field(default_factory=utcnow)


class TicketPage(BaseModel):
    items: list[TicketRead]
    next_cursor: str | None
    server_time: datetime = Field(default_factory=utcnow)


class MessageCreate(BaseModel):
    """A reply or an internal note; with `canned_response_id` the template is the body."""

    model_config = ConfigDict(extra="forbid")

    body: Description | None = None
    visibility: Visibility = Visibility.PUBLIC
    attachment_ids: list[ShortId] = Field(default_factory=list, max_length=20)
    canned_response_id: ShortId | None = None

    @model_validator(mode="after")
    def _has_content(self) -> "MessageCreate":
        if self.body is None and self.canned_response_id is None:
            raise ValueError("a message needs a body or a canned_response_id")
        return self


class AssignFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agent_id: ShortId


class RequestInfoFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: Description | None = None


class ClaimFields(BaseModel):
    model_config = ConfigDict(extra="forbid")
