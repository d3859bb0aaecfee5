"""G1 auto-answer: ask the knowledge service which FAQ articles answer a new ticket, and
write the automatic public reply that links them."""

from collections.abc import Callable
from typing import Any

import httpx
from pydantic import BaseModel

from shared.auth import Principal, issue_token
from shared.clock import utcnow
from shared.enums import Role
from shared.settings import Settings

# The workflow's identity towards the knowledge service (exempt from the public rate limit).
WORKFLOW_PRINCIPAL = Principal(id="system", role=Role.SYSTEM, name="ticket workflow")


class SuggestedArticle(BaseModel):
    id: str
    question: str
    lang: str
    score: float


class KnowledgeSuggestions:
    """`POST /v1/suggest` of the knowledge service, as the ticket workflow calls it."""

    def __init__(self, http: httpx.AsyncClient, settings: Settings) -> None:
        self._http = http
        self._settings = settings

    @classmethod
    def from_settings(cls, settings: Settings) -> "KnowledgeSuggestions":
        http = httpx.AsyncClient(base_url=settings.knowledge_url, timeout=5.0)
        return cls(http, settings)

    def article_link(self, article_id: str) -> str:
        """Where a customer reads the article."""
        return self._settings.faq_article_link(article_id)

    async def close(self) -> None:
        await self._http.aclose()

    async def articles_for(
        self, *, title: str, description: str, ticket_type: str | None, limit: int
    ) -> list[SuggestedArticle]:
        """The best matching published articles, best first; none while search is down.
        Raises `httpx.HTTPError` when the knowledge service does not answer."""
        token = issue_token(WORKFLOW_PRINCIPAL, settings=self._settings, now=utcnow())
        body: dict[str, Any] = {"title": title[:200], "description": description, "limit": limit}
        if ticket_type is not None:
            body["type"] = ticket_type
        response = await self._http.post(
            "/v1/suggest", json=body, headers={"Authorization": f"Bearer {token}"}
        )
        response.raise_for_status()
        return [SuggestedArticle.model_validate(hit) for hit in response.json()["hits"]]


_REPLY = {
    "zh-CN": (
        "您好！我们已收到您的工单，客服人员会尽快处理。在此期间，以下帮助文章或许能直接解决"
        "您的问题：",
        "如果其中的方法已经解决了问题，欢迎回复告诉我们；否则请稍候，客服人员会继续跟进。",
    ),
    "en": (
        "Hello! We have received your ticket and an agent will pick it up soon. Meanwhile, "
        "these help articles may already answer your question:",
        "If one of them solved the problem, reply to let us know; otherwise an agent will "
        "follow up as usual.",
    ),
}


def reply_text(articles: list[SuggestedArticle], *, link: Callable[[str], str]) -> str:
    """The automatic reply (Markdown), in the language of the best article."""
    opening, closing = _REPLY.get(articles[0].lang, _REPLY["en"])
    links = "\n".join(f"- [{article.question}]({link(article.id)})" for article in articles)
    return f"{opening}\n\n{links}\n\n{closing}"
