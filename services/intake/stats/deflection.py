"""Deflection per category, for the improvement hints: of the portal sessions that opened
an FAQ article of a category in the period, the share that filed no ticket."""

from collections import defaultdict

from services.intake.stats.period import StatsQuery
from shared import collections
from shared.mongo import Database

MAX_OPENS = 50_000  # a bound on what one report reads


async def category_deflection(*, db: Database, query: StatsQuery) -> dict[str, float]:
    """Category -> deflection rate, for the categories whose articles were opened."""
    opens = db[collections.KNOWLEDGE_EVENTS].find(
        {"at": {"$gte": query.start, "$lt": query.end}, "kind": "open"},
        projection={"session": 1, "article_id": 1},
    )
    sessions_of: dict[str, set[str]] = defaultdict(set)
    async for event in opens.limit(MAX_OPENS):
        if event.get("session") and event.get("article_id"):
            sessions_of[str(event["article_id"])].add(str(event["session"]))
    if not sessions_of:
        return {}
    category_of = {
        str(article["_id"]): str(article["category"])
        async for article in db[collections.FAQ_ARTICLES].find(
            {"_id": {"$in": list(sessions_of)}}, projection={"category": 1}
        )
    }
    by_category: dict[str, set[str]] = defaultdict(set)
    for article_id, sessions in sessions_of.items():
        if article_id in category_of:
            by_category[category_of[article_id]] |= sessions
    every = set().union(*by_category.values()) if by_category else set()
    filed = {
        str(ticket["source"]["session"])
        async for ticket in db[collections.TICKETS].find(
            {"source.session": {"$in": sorted(every)}}, projection={"source.session": 1}
        )
    }
    return {
        category: round(len(sessions - filed) / len(sessions), 4)
        for category, sessions in by_category.items()
    }
