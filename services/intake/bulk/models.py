"""Bulk action schemas of the HTTP API."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shared.bulk import MAX_BULK_TICKETS, BulkKind, BulkParams, BulkPhase, BulkTally, Previous
from shared.enums import Category, Priority, SlaState, TicketStatus, TicketType

TicketIdField = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class BulkFilters(BaseModel):
    """The tickets of a view: the ticket list's filters, with the same meaning."""

    model_config = ConfigDict(extra="forbid")

    status: list[TicketStatus] = []
    type: list[TicketType] = []
    category: list[Category] = []
    priority: list[Priority] = []
    sla_state: list[SlaState] = []
    assignee: str | None = Field(default=None, max_length=64, description="id, me or none")
    submitter: str | None = Field(default=None, max_length=64)
    group: str | None = Field(default=None, max_length=64)
    escalation_level: int | None = Field(default=None, ge=0, le=3)
    created_from: datetime | None = None
    created_to: datetime | None = None
    updated_from: datetime | None = None
    updated_to: datetime | None = None
    q: str | None = Field(default=None, max_length=200)


class BulkActionCreate(BaseModel):
    """One change for a selection of tickets, or for every ticket a view matches."""

    model_config = ConfigDict(extra="forbid")

    kind: BulkKind
    params: BulkParams = BulkParams()
    ticket_ids: list[TicketIdField] | None = Field(default=None, max_length=MAX_BULK_TICKETS)
    filters: BulkFilters | None = None

    @model_validator(mode="after")
    def _one_selection(self) -> "BulkActionCreate":
        if (self.ticket_ids is None) == (self.filters is None):
            raise ValueError("give either ticket_ids or filters")
        if self.ticket_ids is not None and not self.ticket_ids:
            raise ValueError("ticket_ids is empty")
        return self


class ActorRead(BaseModel):
    id: str
    name: str


class BulkActionRead(BaseModel):
    id: str
    kind: BulkKind
    params: BulkParams
    actor: ActorRead
    phase: BulkPhase
    total: int
    tally: BulkTally
    reversible: bool
    undo_until: datetime | None
    undo_total: int
    created_at: datetime
    updated_at: datetime


class BulkItemRead(BaseModel):
    ticket_id: str
    number: int | None
    previous: Previous | None = None  # the ticket just before the change
    outcome: str | None
    code: str | None = None
    message: str | None = None
    undo_outcome: str | None = None
    undo_code: str | None = None
    undo_message: str | None = None


class BulkItemPage(BaseModel):
    items: list[BulkItemRead]
    next_cursor: str | None
