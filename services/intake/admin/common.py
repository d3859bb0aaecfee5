"""What the admin and canned-response lists share: `{"items", "next_cursor"}` pages keyed
on `_id`, and PATCH bodies that tell "left out" from "set to null"."""

import base64
import binascii
import json
from typing import Generic, TypeVar

from pydantic import BaseModel

from shared.mongo import Collection, Document
from shared.refusals import Malformed
from shared.schemas import PatchBody as PatchBody  # re-exported for the admin models

T = TypeVar("T")

MAX_LIMIT = 100


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(last_id: str) -> str:
    """An opaque cursor that continues after the document with this id."""
    return base64.urlsafe_b64encode(json.dumps(["id", last_id]).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    """The id a cursor continues after; 400 `invalid_cursor` if it was not one we gave out."""
    try:
        kind, last_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        # Only a plain string may reach the query: never an operator document.
        if kind != "id" or not isinstance(last_id, str):
            raise ValueError(kind)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise Malformed("invalid_cursor", "The cursor is not one this API gave out.") from exc
    return last_id


async def find_page(
    collection: Collection,
    query: Document,
    *,
    cursor: str | None,
    limit: int,
    projection: Document | None = None,
) -> tuple[list[Document], str | None]:
    """One page of `query`'s matches in `_id` order, and the cursor of the next (or None)."""
    if cursor:
        query = {"$and": [query, {"_id": {"$gt": decode_cursor(cursor)}}]}
    found = collection.find(query, projection).sort("_id", 1).limit(limit + 1)
    documents = [document async for document in found]
    more = len(documents) > limit
    documents = documents[:limit]
    return documents, encode_cursor(str(documents[-1]["_id"])) if more else None
