"""Reads shared by the knowledge library's collections (FAQ articles and solutions): what
"live" means and a filtered page in `_id` order."""

from enum import StrEnum

from shared.mongo import Collection, Document

# Deleted entries stay stored (their ids are cited by tickets and answers) but are not live.
LIVE: Document = {"deleted": {"$ne": True}}


async def live_page(
    collection: Collection,
    filters: dict[str, StrEnum | str | None],
    *,
    cursor: str | None,
    limit: int,
    newest_first: bool,
) -> tuple[list[Document], str | None]:
    """Up to `limit` live entries with every given (non-None) filter value, in `_id` order
    (newest first: ids grow with time) after `cursor`, and the cursor of the next page."""
    query: Document = dict(LIVE)
    query.update({field: str(value) for field, value in filters.items() if value is not None})
    if cursor is not None:
        query["_id"] = {"$lt" if newest_first else "$gt": cursor}
    found = collection.find(query).sort("_id", -1 if newest_first else 1).limit(limit + 1)
    page = [entry async for entry in found]
    if len(page) > limit:
        return page[:limit], str(page[limit - 1]["_id"])
    return page, None
