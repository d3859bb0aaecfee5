"""Solutions repository (H2): the library's pages, newest first."""

from services.knowledge.library import live_page
from shared import collections
from shared.enums import Category, TicketType
from shared.mongo import Database, Document


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
    return await live_page(
        db[collections.SOLUTIONS],
        {"type": type_, "category": category, "lang": lang},
        cursor=cursor,
        limit=limit,
        newest_first=True,
    )
