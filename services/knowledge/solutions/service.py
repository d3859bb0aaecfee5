"""Solutions repository (H2): the library's pages, newest first."""

from shared import collections
from shared.enums import Category, TicketType
from shared.mongo import Database, Document

LIVE = {"deleted": {"$ne": True}}


async def list_solutions(
    *,
    db: Database,
    type_: TicketType | None,
    category: Category | None,
    lang: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Document], str | None]:
    """A page of live solutions, newest first (ids grow with time), filtered."""
    query: Document = dict(LIVE)
    for field, value in (("type", type_), ("category", category)):
        if value is not None:
            query[field] = value.value
    if lang is not None:
        query["lang"] = lang
    if cursor is not None:
        query["_id"] = {"$lt": cursor}
    found = db[collections.SOLUTIONS].find(query).sort("_id", -1).limit(limit + 1)
    page = [solution async for solution in found]
    if len(page) > limit:
        return page[:limit], str(page[limit - 1]["_id"])
    return page, None
