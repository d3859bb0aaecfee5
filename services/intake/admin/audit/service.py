"""Audit log repository (admin side): read the entries `shared.audit` writes, newest first.

Pages are keyed on (`at`, `_id`), both descending: the cursor names the last entry shown,
so entries written while someone pages never shift or repeat what they see."""

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from pymongo import DESCENDING

from shared import collections
from shared.mongo import Database, Document
from shared.refusals import Malformed

_ORDER = [("at", DESCENDING), ("_id", DESCENDING)]


async def ensure_indexes(*, db: Database) -> None:
    """Indexes of the admin's reads: all entries by time, one actor's by time (idempotent)."""
    audit = db[collections.AUDIT_LOG]
    await audit.create_index(_ORDER, name="at_id")
    await audit.create_index([("actor.id", 1), *_ORDER], name="actor_at_id")


@dataclass(frozen=True)
class AuditFilter:
    actor_id: str | None = None
    path: str | None = None  # text the request path contains (any case)
    method: str | None = None
    target_id: str | None = None
    start: datetime | None = None  # inclusive
    end: datetime | None = None  # exclusive


def as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def encode_cursor(entry: Document) -> str:
    """An opaque cursor that continues after `entry`."""
    at: datetime = as_utc(entry["at"])
    raw = json.dumps(["at", at.isoformat(), str(entry["_id"])]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """(at, id) of the entry a cursor continues after; 400 `invalid_cursor` otherwise."""
    try:
        kind, at, last_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        # Only a datetime and a plain string may reach the query: never an operator document.
        if kind != "at" or not isinstance(at, str) or not isinstance(last_id, str):
            raise ValueError(kind)
        return as_utc(datetime.fromisoformat(at)), last_id
    except (ValueError, TypeError, binascii.Error) as exc:
        raise Malformed("invalid_cursor", "The cursor is not one this API gave out.") from exc


def _query(where: AuditFilter, cursor: str | None) -> Document:
    clauses: list[Document] = []
    if where.actor_id is not None:
        clauses.append({"actor.id": where.actor_id})
    if where.method is not None:
        clauses.append({"method": where.method})
    if where.target_id is not None:
        clauses.append({"target_id": where.target_id})
    if where.path is not None:
        clauses.append({"path": {"$regex": re.escape(where.path), "$options": "i"}})
    if where.start is not None:
        clauses.append({"at": {"$gte": as_utc(where.start)}})
    if where.end is not None:
        clauses.append({"at": {"$lt": as_utc(where.end)}})
    if cursor is not None:
        at, last_id = decode_cursor(cursor)
        clauses.append({"$or": [{"at": {"$lt": at}}, {"at": at, "_id": {"$lt": last_id}}]})
    if not clauses:
        return {}
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


async def list_entries(
    *, db: Database, where: AuditFilter, cursor: str | None, limit: int
) -> tuple[list[Document], str | None]:
    """A page of entries newest first, and the cursor of the next page (or None)."""
    found = db[collections.AUDIT_LOG].find(_query(where, cursor)).sort(_ORDER).limit(limit + 1)
    entries = [entry async for entry in found]
    more = len(entries) > limit
    entries = entries[:limit]
    return entries, encode_cursor(entries[-1]) if more and entries else None


async def actor_names(*, db: Database, entries: list[Document]) -> dict[str, str]:
    """The current name of each account that appears as an entry's actor."""
    ids = sorted({entry["actor"]["id"] for entry in entries if entry.get("actor")})
    if not ids:
        return {}
    users = db[collections.USERS].find({"_id": {"$in": ids}}, {"name": 1})
    return {str(user["_id"]): str(user.get("name", "")) async for user in users}
