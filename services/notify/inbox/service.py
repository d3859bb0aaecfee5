"""Inbox repository: the dispatcher adds items, their user lists, reads and streams them."""

import base64
import binascii
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, Literal, NamedTuple

from pymongo import ASCENDING, DESCENDING
from pymongo.errors import BulkWriteError, DuplicateKeyError

from services.notify.inbox.hub import InboxHub
from services.notify.inbox.models import InboxItemRead
from shared import collections
from shared.clock import as_utc
from shared.mongo import Database, Document, update_and_read
from shared.refusals import Malformed, NotFound

Phase = Literal["unread", "read"]
PHASES: tuple[Phase, ...] = ("unread", "read")
# Newest first, the id breaking ties between items of the same millisecond.
NEWEST_FIRST = [("created_at", DESCENDING), ("_id", DESCENDING)]
OLDEST_FIRST = [("created_at", ASCENDING), ("_id", ASCENDING)]
REPLAY_BATCH = 100
DUPLICATE_KEY = 11000


class Position(NamedTuple):
    """Where an item sits in creation order."""

    created_at: datetime
    id: str


async def ensure_indexes(*, db: Database) -> None:
    """Indexes of the inbox (idempotent)."""
    inbox = db[collections.INBOX]
    # The list: a user's unread items (read_at null), then read ones, newest first.
    await inbox.create_index(
        [("user_id", ASCENDING), ("read_at", ASCENDING), *NEWEST_FIRST], name="user_unread_newest"
    )
    # The live stream's replays: a user's items created after a point, read or not.
    await inbox.create_index([("user_id", ASCENDING), *OLDEST_FIRST], name="user_created")


def to_read(item: Document) -> InboxItemRead:
    """The API shape of a stored inbox item."""
    return InboxItemRead.model_validate({**item, "id": item.get("_id")})


def position_of(item: InboxItemRead) -> Position:
    return Position(item.created_at, item.id)


async def add_item(*, db: Database, hub: InboxHub, item: Document) -> bool:
    """Store a new inbox item and hand it to its user's open streams; False (and nothing
    published) if an item with its `_id` is already stored."""
    document = {"read_at": None, **item}
    read = to_read(document)  # a malformed item fails here, before anything is stored
    try:
        await db[collections.INBOX].insert_one(document)
    except DuplicateKeyError:
        return False  # a retried delivery: its user was told the first time
    hub.publish(document["user_id"], as_json(read))
    return True


async def add_items(*, db: Database, hub: InboxHub, items: list[Document]) -> int:
    """Store new inbox items at once and hand each to its user's open streams; items whose
    `_id` is stored already (a retried hand-over) are left out. How many were new."""
    documents = [{"read_at": None, **item} for item in items]
    reads = [to_read(document) for document in documents]  # malformed: fails before storing
    if not documents:
        return 0
    stored: set[int] = set()
    try:
        await db[collections.INBOX].insert_many(documents, ordered=False)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(error.get("code") != DUPLICATE_KEY for error in errors):
            raise
        stored = {int(error["index"]) for error in errors}
    for index, (document, read) in enumerate(zip(documents, reads, strict=True)):
        if index not in stored:
            hub.publish(document["user_id"], as_json(read))
    return len(documents) - len(stored)


def encode_cursor(phase: Phase, position: Position) -> str:
    """An opaque cursor that continues after `position` within `phase`."""
    raw = json.dumps(["inbox", phase, position.created_at.isoformat(), position.id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[Phase, Position]:
    """The phase and position a cursor continues after; 400 `invalid_cursor` otherwise."""
    try:
        kind, phase, created_at, item_id = json.loads(
            base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        )
        # Only plain values may reach the query: never an operator document.
        if kind != "inbox" or phase not in PHASES or not isinstance(item_id, str):
            raise ValueError(kind)
        when = as_utc(datetime.fromisoformat(created_at))
    except (ValueError, TypeError, binascii.Error) as exc:
        raise Malformed("invalid_cursor", "The cursor is not one this API gave out.") from exc
    return phase, Position(when, item_id)


def _older_than(position: Position) -> Document:
    return {
        "$or": [
            {"created_at": {"$lt": position.created_at}},
            {"created_at": position.created_at, "_id": {"$lt": position.id}},
        ]
    }


def _newer_than(position: Position) -> Document:
    return {
        "$or": [
            {"created_at": {"$gt": position.created_at}},
            {"created_at": position.created_at, "_id": {"$gt": position.id}},
        ]
    }


async def list_items(
    *, db: Database, user_id: str, unread_only: bool, cursor: str | None, limit: int
) -> tuple[list[Document], str | None]:
    """A page of `user_id`'s items: unread ones, then read ones, each newest first."""
    start, after = decode_cursor(cursor) if cursor else ("unread", None)
    phases = PHASES[PHASES.index(start) :]
    if unread_only:
        phases = tuple(phase for phase in phases if phase == "unread")
    # One item more than asked tells whether there is a next page.
    found: list[tuple[Phase, Document]] = []
    for phase in phases:
        query: Document = {"user_id": user_id, "read_at": None}
        if phase == "read":
            query["read_at"] = {"$ne": None}
        if after is not None and phase == start:
            query.update(_older_than(after))
        matches = db[collections.INBOX].find(query).sort(NEWEST_FIRST).limit(limit + 1 - len(found))
        found += [(phase, item) async for item in matches]
        if len(found) > limit:
            break
    items = [item for _, item in found[:limit]]
    if len(found) <= limit:
        return items, None
    phase, last = found[limit - 1]
    return items, encode_cursor(phase, Position(last["created_at"], last["_id"]))


async def count_unread(*, db: Database, user_id: str) -> int:
    """How many of `user_id`'s items are unread."""
    return await db[collections.INBOX].count_documents({"user_id": user_id, "read_at": None})


async def mark_read(*, db: Database, user_id: str, item_id: str, now: datetime) -> Document:
    """Mark one of `user_id`'s items read (again: a no-op); 404 `inbox_item_not_found` for
    an unknown item or someone else's, alike, so other people's ids reveal nothing."""
    inbox = db[collections.INBOX]
    item = await update_and_read(
        inbox, {"_id": item_id, "user_id": user_id, "read_at": None}, {"$set": {"read_at": now}}
    )
    if item is None:
        item = await inbox.find_one({"_id": item_id, "user_id": user_id})
    if item is None:
        raise NotFound("inbox_item_not_found", f"You have no inbox item '{item_id}'.")
    return item


async def mark_all_read(*, db: Database, user_id: str, now: datetime) -> int:
    """Mark every unread item of `user_id` read; how many were."""
    result = await db[collections.INBOX].update_many(
        {"user_id": user_id, "read_at": None}, {"$set": {"read_at": now}}
    )
    return result.modified_count


async def find_position(*, db: Database, user_id: str, item_id: str) -> Position | None:
    """Where one of `user_id`'s items sits (None: not theirs, or unknown)."""
    item = await db[collections.INBOX].find_one(
        {"_id": item_id, "user_id": user_id}, {"created_at": 1}
    )
    return None if item is None else Position(item["created_at"], item["_id"])


async def items_since(
    *, db: Database, user_id: str, after: Position | None = None, since: datetime | None = None
) -> AsyncIterator[InboxItemRead]:
    """`user_id`'s items created after `after` (or after the time `since`), oldest first,
    fetched a batch at a time so a long absence does not load the whole inbox at once."""
    while True:
        query: Document = {"user_id": user_id}
        if after is not None:
            query.update(_newer_than(after))
        elif since is not None:
            query["created_at"] = {"$gt": since}
        batch = db[collections.INBOX].find(query).sort(OLDEST_FIRST).limit(REPLAY_BATCH)
        items = [to_read(item) async for item in batch]
        for item in items:
            yield item
        if len(items) < REPLAY_BATCH:
            return
        after = position_of(items[-1])


def as_json(item: InboxItemRead) -> dict[str, Any]:
    """The item as the hub and the stream carry it."""
    return item.model_dump(mode="json")
