"""Deflection (H3): what people searched and read before filing, or instead of filing.

Each event names the portal's opaque session id; intake stores the same id on a ticket
filed in that session (`source.session`), so a session without a ticket was deflected.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING

from shared import collections
from shared.mongo import Database, Document, ensure_index


class EventKind(StrEnum):
    SEARCH = "search"
    SUGGEST = "suggest"
    OPEN = "open"
    VOTE = "vote"


async def ensure_indexes(*, db: Database) -> None:
    events = db[collections.KNOWLEDGE_EVENTS]
    await events.create_index([("at", ASCENDING), ("kind", ASCENDING)], name="at_kind")
    # Sparse: only tickets filed from the portal have a session (and SecantusDB never uses
    # a partial index on `$type`).
    await ensure_index(
        db[collections.TICKETS],
        [("source.session", ASCENDING)],
        name="portal_session",
        sparse=True,
    )


def event_document(
    *,
    kind: EventKind,
    now: datetime,
    session: str | None,
    query: str | None = None,
    results: int | None = None,
    article_id: str | None = None,
    helpful: bool | None = None,
) -> Document:
    """One deflection event as stored."""
    return {
        "_id": str(ObjectId()),
        "at": now,
        "kind": kind.value,
        "session": session,
        "query": query,
        "results": results,
        "article_id": article_id,
        "helpful": helpful,
    }


async def deflection_report(
    *, db: Database, start: datetime, end: datetime, top: int = 20
) -> dict[str, Any]:
    """Searches, self-solved sessions and the deflection rate in [start, end)."""
    events = db[collections.KNOWLEDGE_EVENTS]
    period = {"at": {"$gte": start, "$lt": end}}
    searches = 0
    sessions: set[str] = set()
    solved_sessions: set[str] = set()
    empty_queries: dict[str, int] = {}
    votes = {"helpful": 0, "not_helpful": 0}
    async for event in events.find(period, projection={"_id": 0}):
        kind, session = event["kind"], event.get("session")
        if kind in (EventKind.SEARCH, EventKind.SUGGEST):
            searches += kind == EventKind.SEARCH
            if session:
                sessions.add(session)
            if kind == EventKind.SEARCH and event.get("results") == 0 and event.get("query"):
                query = event["query"].strip().lower()
                empty_queries[query] = empty_queries.get(query, 0) + 1
        elif kind == EventKind.VOTE:
            votes["helpful" if event.get("helpful") else "not_helpful"] += 1
            if event.get("helpful") and session:
                solved_sessions.add(session)
    filed = set()
    if sessions:
        tickets = db[collections.TICKETS].find(
            {"source.session": {"$in": sorted(sessions)}}, projection={"source.session": 1}
        )
        filed = {ticket["source"]["session"] async for ticket in tickets}
    deflected = sessions - filed
    return {
        "from": start,
        "to": end,
        "searches": searches,
        "sessions": len(sessions),
        "sessions_with_ticket": len(filed),
        "self_solved": len(solved_sessions - filed),
        "deflected_sessions": len(deflected),
        "deflection_rate": round(len(deflected) / len(sessions), 4) if sessions else None,
        "votes": votes,
        "top_queries_without_result": [
            {"query": query, "count": count}
            for query, count in sorted(empty_queries.items(), key=lambda item: -item[1])[:top]
        ],
    }
