"""What the admin and canned-response lists share: `{"items", "next_cursor"}` pages keyed
on `_id`, and PATCH bodies that tell "left out" from "set to null"."""

import base64
import binascii
import json
from typing import Any, ClassVar, Generic, Self, TypeVar

from pydantic import BaseModel, ConfigDict, model_validator

from shared.errors import ApiError
from shared.mongo import Collection, Document

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
        raise ApiError(400, "invalid_cursor", "The cursor is not one this API gave out.") from exc
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


class PatchBody(BaseModel):
    """A partial update: fields left out stay as they are; null is refused unless the field
    is listed in `nullable` (there it clears the value)."""

    model_config = ConfigDict(extra="forbid")

    nullable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        nulls = sorted(
            name
            for name in self.model_fields_set
            if getattr(self, name) is None and name not in self.nullable
        )
        if nulls:
            raise ValueError(f"{', '.join(nulls)} cannot be null; leave a field out to keep it")
        return self

    def changes(self) -> dict[str, Any]:
        """The fields the caller sent, as JSON-ready values."""
        return self.model_dump(mode="json", exclude_unset=True)
