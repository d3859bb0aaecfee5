"""Schemas of search and suggestions (API.md: hits of {id, question, snippet, type,
category, lang, score})."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.enums import Category, TicketType

Lang = Annotated[str, StringConstraints(pattern=r"^(zh-CN|en)$")]


class Hit(BaseModel):
    id: str
    question: str
    snippet: str
    type: TicketType
    category: Category
    lang: str
    score: float
    # The question with the matched words in <mark>…</mark>.
    highlighted: str | None = None


class SearchPage(BaseModel):
    hits: list[Hit]
    total: int
    processing_ms: int
    facets: dict[str, dict[str, int]] = Field(default_factory=dict)


class SuggestRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
    description: Annotated[str, StringConstraints(max_length=20_000)] = ""
    type: TicketType | None = None
    lang: Lang | None = None
    limit: int = Field(default=5, ge=1, le=10)
    session: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None


class Suggestions(BaseModel):
    hits: list[Hit]
    # True when the search engine did not answer: no suggestions, filing still works.
    unavailable: bool = False


class AgentHit(BaseModel):
    kind: str  # "faq" or "solution"
    id: str
    title: str
    snippet: str
    type: TicketType
    category: Category
    lang: str
    score: float
    status: str | None = None
    ticket_number: int | None = None


class AgentSearchPage(BaseModel):
    hits: list[AgentHit]
    processing_ms: int
