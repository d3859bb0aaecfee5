"""Saved view and list preference schemas of the HTTP API."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from services.intake.admin.common import PatchBody
from services.intake.tickets.queries import TicketSort
from services.intake.tickets.view_filters import ViewFilters

MAX_VIEWS_PER_USER = 50
MAX_COLUMNS = 20


class ListColumn(StrEnum):
    """A column the agent list can show."""

    NUMBER = "number"
    TITLE = "title"
    TYPE = "type"
    CATEGORY = "category"
    PRIORITY = "priority"
    STATUS = "status"
    SLA = "sla"
    SUBMITTER = "submitter"
    ASSIGNEE = "assignee"
    GROUP = "group"
    ESCALATION_LEVEL = "escalation_level"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"


class ColumnSetting(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: ListColumn
    width: int | None = Field(default=None, ge=40, le=1000, description="pixels; none: default")


def _distinct(columns: list[ColumnSetting]) -> list[ColumnSetting]:
    if len({column.key for column in columns}) != len(columns):
        raise ValueError("each column may appear once")
    return columns


Columns = Annotated[
    list[ColumnSetting],
    Field(min_length=1, max_length=MAX_COLUMNS),
    AfterValidator(_distinct),
]
ViewName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]


class SavedViewCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: ViewName
    shared: bool = Field(default=False, description="visible to every staff member")
    filters: ViewFilters = ViewFilters()
    submitter_name: str | None = Field(
        default=None, max_length=200, description="the label of filters.submitter, shown as is"
    )
    sort: TicketSort = TicketSort.CREATED_DESC
    columns: Columns | None = Field(default=None, description="none: the user's own columns")


class SavedViewUpdate(PatchBody):
    model_config = ConfigDict(extra="forbid")
    nullable: ClassVar[frozenset[str]] = frozenset({"submitter_name", "columns"})

    name: ViewName | None = None
    shared: bool | None = None
    filters: ViewFilters | None = None
    submitter_name: str | None = Field(default=None, max_length=200)
    sort: TicketSort | None = None
    columns: Columns | None = None


class ViewOwner(BaseModel):
    id: str
    name: str


class SavedViewRead(BaseModel):
    id: str
    name: str
    shared: bool
    owner: ViewOwner
    mine: bool
    filters: ViewFilters
    submitter_name: str | None
    sort: TicketSort
    columns: list[ColumnSetting] | None
    created_at: datetime
    updated_at: datetime


class SavedViewList(BaseModel):
    """The caller's views and those shared by others, in the caller's order (views not yet
    ordered follow, oldest first)."""

    items: list[SavedViewRead]


class ListPreferences(BaseModel):
    model_config = ConfigDict(extra="forbid")

    columns: Columns | None = Field(default=None, description="none: the list's defaults")
    view_order: list[Annotated[str, StringConstraints(min_length=1, max_length=64)]] = Field(
        default=[], max_length=500
    )
