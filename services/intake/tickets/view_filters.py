"""The ticket list's filters as one JSON object: what a saved view keeps and a bulk action
reads. Every field is a plain value (enums, bounded strings, dates): none can become a
MongoDB operator."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shared.enums import Category, Priority, SlaState, TicketStatus, TicketType


class ViewFilters(BaseModel):
    """The tickets of a view (a bulk action's, a saved view's): the ticket list's filters,
    with the same meaning."""

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
