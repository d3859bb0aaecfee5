"""Day packs: the facts of a day's tickets in one compressed document, which is what the
reports read.

SecantusDB spends its time per document and per field: reading 8,200 facts documents (a
30-day period at 100,000 tickets a year) took 860 ms, the same facts packed into 31 day
documents 3 ms. A pack holds, per UTC day, the facts of the tickets created that day
(`created`) and of the tickets resolved that day (`resolved`), with every time as epoch
seconds. The per-ticket facts stay in `ticket_stats`, indexed, as the source of the packs.
A report reads the days that overlap its period and keeps the tickets whose exact time
falls inside it, so a period in any time zone is exact."""

import json
import zlib
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from bson import Binary, ObjectId
from pymongo import ASCENDING

from shared import collections
from shared.mongo import Database, Document

# What the reports read of a ticket's facts (everything but bookkeeping).
PACKED_FIELDS = (
    "_id", "number", "title", "title_terms", "type", "category", "priority", "group",
    "groups", "created_at", "handled_by", "statuses", "assignments", "first_response",
    "resolutions", "reopens", "escalations", "breaches", "rating",
)  # fmt: skip


async def ensure_indexes(*, db: Database) -> None:
    await db[collections.STATS_DAYS].create_index([("start", ASCENDING)], name="start")


def day_of(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _epoch(value: Any) -> Any:
    """`value` with every datetime in it as epoch seconds."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {key: _epoch(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_epoch(item) for item in value]
    return value


def encode(entries: list[Document]) -> Binary:
    text = json.dumps(entries, ensure_ascii=False, separators=(",", ":"))
    return Binary(zlib.compress(text.encode(), 1))


def decode(blob: bytes | None) -> list[Document]:
    if not blob:
        return []
    entries: list[Document] = json.loads(zlib.decompress(blob))
    return entries


def _packed(facts: Document) -> Document:
    packed: Document = _epoch({name: facts[name] for name in PACKED_FIELDS if name in facts})
    return packed


async def _store(
    db: Database, day: date, created: list[Document], resolved: list[Document]
) -> None:
    await db[collections.STATS_DAYS].replace_one(
        {"_id": day.isoformat()},
        {
            "start": day_start(day),
            # A new version on every packing: readers keep decoded packs until it changes.
            "version": str(ObjectId()),
            "tickets_created": len(created),
            "tickets_resolved": len(resolved),
            "created": encode(created),
            "resolved": encode(resolved),
        },
        upsert=True,
    )


async def patch_days(*, db: Database, changed: list[Document]) -> None:
    """Put the new facts of some tickets into the packs of their days, in place of what the
    packs held of them (a ticket's days only grow: its creation day is fixed and its
    resolutions are only ever added). One read and one write per day touched."""
    ids = {facts["_id"] for facts in changed}
    touched: dict[date, dict[str, list[Document]]] = {}
    for facts in changed:
        parts = touched.setdefault(day_of(facts["created_at"]), {"created": [], "resolved": []})
        parts["created"].append(_packed(facts))
        for day in {day_of(r["at"]) for r in facts.get("resolutions", [])}:
            touched.setdefault(day, {"created": [], "resolved": []})["resolved"].append(
                _packed(facts)
            )
    for day, parts in sorted(touched.items()):
        stored = await db[collections.STATS_DAYS].find_one({"_id": day.isoformat()}) or {}
        kept = {
            part: [e for e in decode(stored.get(part)) if e["_id"] not in ids] + parts[part]
            for part in ("created", "resolved")
        }
        await _store(db, day, kept["created"], kept["resolved"])


async def rebuild_days(*, db: Database, days: set[date]) -> None:
    """Pack again the given days from the per-ticket facts."""
    stats = db[collections.TICKET_STATS]
    projection = dict.fromkeys(PACKED_FIELDS, 1)
    for day in sorted(days):
        start, end = day_start(day), day_start(day + timedelta(days=1))
        window = {"$gte": start, "$lt": end}
        created = [
            _packed(facts)
            async for facts in stats.find({"created_at": window}, projection=projection)
        ]
        resolved = [
            _packed(facts)
            async for facts in stats.find({"resolutions.at": window}, projection=projection)
        ]
        await _store(db, day, created, resolved)


def days_touched(facts: Document) -> set[date]:
    """The days whose packs hold `facts`: its creation day and each resolution's day."""
    days = {day_of(facts["created_at"])}
    days.update(day_of(resolution["at"]) for resolution in facts.get("resolutions", []))
    return days
