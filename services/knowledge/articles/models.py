"""Schemas of FAQ articles (H1)."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.enums import Category, TicketType

Question = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=300)]
Answer = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Lang = Annotated[str, StringConstraints(pattern=r"^(zh-CN|en)$")]


class ArticleStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class ArticleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: Question
    answer: Answer  # Markdown
    type: TicketType
    category: Category
    lang: Lang
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    status: ArticleStatus = ArticleStatus.DRAFT


class ArticleUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: Question | None = None
    answer: Answer | None = None
    type: TicketType | None = None
    category: Category | None = None
    lang: Lang | None = None
    tags: list[Tag] | None = Field(default=None, max_length=20)
    status: ArticleStatus | None = None


class ArticleRead(BaseModel):
    id: str
    question: str
    answer: str
    type: TicketType
    category: Category
    lang: str
    tags: list[str]
    status: ArticleStatus
    views: int = 0
    helpful: int = 0
    not_helpful: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None
    # False while a change has not reached the search index yet.
    indexed: bool = True


class ArticlePage(BaseModel):
    items: list[ArticleRead]
    next_cursor: str | None


class Vote(BaseModel):
    model_config = ConfigDict(extra="forbid")

    helpful: bool
    session: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
