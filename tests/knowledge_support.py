"""Driving the knowledge service against the suite's Meilisearch and MongoDB, each test on
indexes of its own (a name prefix)."""

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from services.knowledge.articles.service import import_articles
from services.knowledge.main import create_app
from shared import collections
from shared.auth import Principal
from shared.clock import utcnow
from shared.mongo import Database
from shared.settings import Settings
from tests.conftest import lifespan_client
from tests.intake_support import bearer

SEED_FAQ = Path(__file__).resolve().parent.parent / "devstack" / "seed_data" / "faq.json"
AGENT = Principal(id="u-agent1", role="agent", name="Agent1", groups=("frontline",))
CUSTOMER = Principal(id="u-alice", role="customer", name="Alice")


def knowledge_settings(settings: Settings, **overrides: object) -> Settings:
    """Indexes of the test's own; a search rate limit no test's loop reaches unless set."""
    values = {
        "meili_index_prefix": f"t{uuid.uuid4().hex[:10]}_",
        "search_rate_per_second": 1000.0,
        "search_rate_burst": 1000,
        **overrides,
    }
    return settings.model_copy(update=values)


@dataclass
class Knowledge:
    client: httpx.AsyncClient
    db: Database
    settings: Settings

    @property
    def agent(self) -> dict[str, str]:
        return bearer(self.settings, AGENT)

    @property
    def customer(self) -> dict[str, str]:
        return bearer(self.settings, CUSTOMER)

    async def in_step(self, patience: float = 30.0) -> None:
        """Wait until every article and solution has reached the search index."""
        for _ in range(int(patience / 0.1)):
            pending = 0
            for name in (collections.FAQ_ARTICLES, collections.SOLUTIONS):
                pending += await self.db[name].count_documents({"index_pending": {"$ne": False}})
            if pending == 0:
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"{pending} document(s) never reached the index")

    async def search(self, **params: Any) -> dict[str, Any]:
        response = await self.client.get("/v1/search", params=params)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    async def article(self, **fields: Any) -> dict[str, Any]:
        body = {"type": "account", "category": "login", "lang": "en", "status": "published"}
        response = await self.client.post(
            "/v1/articles", json={**body, **fields}, headers=self.agent
        )
        assert response.status_code == 201, response.text
        article: dict[str, Any] = response.json()
        return article


async def seed_faq(db: Database) -> int:
    articles = json.loads(SEED_FAQ.read_text(encoding="utf-8"))
    return await import_articles(db=db, articles=articles, now=utcnow())


async def running_knowledge(settings: Settings, db: Database) -> AsyncGenerator[Knowledge, None]:
    own = knowledge_settings(settings)
    # aclosing: a failing test closes this generator, and with it the app's lifespan.
    async with contextlib.aclosing(lifespan_client(create_app(own), "http://knowledge")) as c:
        async for client in c:
            yield Knowledge(client=client, db=db, settings=own)
