"""Bulk action schemas of the HTTP API."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from services.intake.tickets.view_filters import ViewFilters
from shared.bulk import MAX_BULK_TICKETS, BulkKind, BulkParams, BulkPhase, BulkTally, Previous

TicketIdField = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class BulkActionCreate(BaseModel):
    """One change for a selection of tickets, or for every ticket a view matches."""

    model_config = ConfigDict(extra="forbid")

    kind: BulkKind
    params: BulkParams = BulkParams()
    ticket_ids: list[TicketIdField] | None = Field(default=None, max_length=MAX_BULK_TICKETS)
    filters: ViewFilters | None = None

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
