"""Schemas of the solutions library (H2): typical cases captured from resolved tickets."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.enums import Category, TicketType

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]


class SolutionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ticket_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    ticket_number: int | None = Field(default=None, ge=1)
    problem: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)]
    cause: Text | None = None
    fix: Text  # Markdown
    type: TicketType
    category: Category
    lang: Annotated[str, StringConstraints(pattern=r"^(zh-CN|en)$")]
    tags: list[Tag] = Field(default_factory=list, max_length=20)


class SolutionRead(SolutionCreate):
    model_config = ConfigDict(extra="ignore")

    id: str
    created_by: str
    created_at: datetime
    indexed: bool = True


class SolutionPage(BaseModel):
    items: list[SolutionRead]
    next_cursor: str | None
