"""Filing as a client system does (an API key, each ticket for a new customer) and waiting
until the desk has settled what was filed: what `db_ops` and `desk_growth` share."""

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from devstack.seed import DATA, seed_demo_data
from services.intake.auth.service import new_api_key
from shared import collections
from shared.clock import utcnow
from shared.mongo import Database
from shared.settings import Environment, Settings

# A client system files at far more than a person's 20 requests a second.
FILING_ENV = {"RATE_LIMIT_PER_SECOND": "100000", "RATE_LIMIT_BURST": "100000"}
SETTLE_POLL_SECONDS = 0.5
# How many of the latest tickets are watched until they settle.
LATEST = 20
BATCH = 500


async def prepare_desk(db: Database, settings: Settings) -> str:
    """The demo desk (groups, agents with skills and capacity, the FAQ) and an API key of a
    client system; the key."""
    await seed_demo_data(db, settings.model_copy(update={"environment": Environment.DEVELOPMENT}))
    document, key = new_api_key(name="bench client", created_by="bench", now=utcnow())
    await db[collections.API_KEYS].insert_one(document)
    return key


def _faq_questions() -> list[dict[str, str]]:
    articles = json.loads((DATA / "faq.json").read_text(encoding="utf-8"))
    return [
        {"type": a["type"], "category": a["category"], "title": a["question"]} for a in articles
    ]


_QUESTIONS = _faq_questions()


def ticket_body(index: int, tag: str) -> dict[str, Any]:
    """Ticket `index` of a run: every other one asks what an FAQ article answers (so it
    gets an automatic answer), the others describe a problem of the same type in their
    own words; each is for a customer of its own."""
    question = _QUESTIONS[index % len(_QUESTIONS)]
    title = question["title"] if index % 2 == 0 else f"工单 {tag}-{index}: 需要人工处理"
    return {
        "type": question["type"],
        "category": question["category"],
        "title": title,
        "description": f"Filed by the client system for its user ({tag}-{index}).",
        "customer": {"email": f"{tag}-{index}@customers.example.com", "name": f"用户 {index}"},
    }


@dataclass
class Filer:
    """Files tickets over HTTP with one API key; remembers the ids it got back."""

    http: httpx.AsyncClient
    tag: str
    ids: list[str]

    async def file(self, index: int) -> None:
        response = await self.http.post("/v1/tickets", json=ticket_body(index, self.tag))
        response.raise_for_status()
        self.ids.append(response.json()["id"])


def intake_client(
    settings: Settings, headers: dict[str, str], concurrency: int
) -> httpx.AsyncClient:
    """An HTTP client of intake sending `headers` (an API key, a token) with each request."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.AsyncClient(
        base_url=settings.intake_url, headers=headers, limits=limits, timeout=60
    )


async def _unsettled(db: Database, ticket_ids: Sequence[str]) -> list[str]:
    """The tickets of `ticket_ids` whose first steps have not all been done: assigned or
    queued (or merged), the automatic answer decided, every notification handed over and
    every delivery sent."""
    waiting: list[str] = []
    for start in range(0, len(ticket_ids), BATCH):
        chunk = list(ticket_ids[start : start + BATCH])
        tickets = db[collections.TICKETS].find(
            {"_id": {"$in": chunk}},
            projection={"assignee": 1, "status": 1, "auto_answer": 1, "last_event_seq": 1},
        )
        expected: dict[str, int] = {}
        async for ticket in tickets:
            placed = ticket.get("assignee") or ticket.get("status") == "closed"
            queued = ticket.get("last_event_seq", -1) >= 1  # created, then queued
            if ticket.get("auto_answer") is None or not (placed or queued):
                continue
            # received, assigned, and the automatic reply
            expected[ticket["_id"]] = (
                1 + bool(ticket.get("assignee")) + (ticket.get("auto_answer") == "replied")
            )
        handed: dict[str, int] = dict.fromkeys(expected, 0)
        async for note in db[collections.NOTIFICATIONS].find(
            {"ticket_id": {"$in": list(expected)}}, projection={"ticket_id": 1}
        ):
            handed[note["ticket_id"]] += 1
        waiting += [i for i in chunk if handed.get(i, -1) < expected.get(i, 1)]
    return waiting


async def wait_settled(db: Database, ticket_ids: Sequence[str], *, limit: float) -> float:
    """Wait until every ticket of `ticket_ids` has settled and no delivery is left to send;
    when that was (time.perf_counter()).

    Looks at the latest tickets first (the desk settles them last) and at all of them only
    once those are done, so the watching costs the servers little next to what it
    watches."""
    deadline = time.perf_counter() + limit
    todo = list(ticket_ids)
    deliveries = db[collections.NOTIFICATION_DELIVERIES]
    while time.perf_counter() < deadline:
        if not await _unsettled(db, todo[-LATEST:]):
            todo = await _unsettled(db, todo)
            if not todo:
                pending = await deliveries.find_one(
                    {"status": {"$in": ["pending", "sending"]}}, projection={"_id": 1}
                )
                if pending is None:
                    return time.perf_counter()
        await asyncio.sleep(SETTLE_POLL_SECONDS)
    raise TimeoutError(f"{len(todo)} of {len(ticket_ids)} tickets did not settle in {limit:g}s")
