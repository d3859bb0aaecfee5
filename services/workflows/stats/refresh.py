"""Keeping `ticket_stats` up to date from the event history: the facts of every ticket
whose events changed since the last refresh are computed again.

The refresh remembers how far it has read (`stats_state`): after downtime it catches up
from there. Events are found by `recorded_at` (when their write was made), not by their
`at`, so an event written late (a retried activity) is still found; an overlap covers
writes in flight while the previous refresh read."""

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pymongo import ASCENDING, ReplaceOne

from shared import collections
from shared.mongo import Database, Document
from shared.stats.facts import ticket_facts
from shared.stats.packs import days_touched, patch_days, rebuild_days
from shared.stats.packs import ensure_indexes as ensure_pack_indexes
from shared.stats.state import STATE_ID
from shared.stats.terms import title_terms
from shared.tickets import TICKET_NUMBER_COUNTER

OVERLAP = timedelta(minutes=5)
BATCH = 500
_TICKET_FIELDS = {"number": 1, "title": 1, "rating": 1}


@dataclass(frozen=True)
class RefreshOutcome:
    tickets: int  # facts written
    caught_up: bool  # False: stopped at the limit, more to do


async def ensure_indexes(*, db: Database) -> None:
    await db[collections.TICKET_EVENTS].create_index(
        [("recorded_at", ASCENDING)], name="recorded_at"
    )
    stats = db[collections.TICKET_STATS]
    await stats.create_index([("created_at", ASCENDING)], name="created_at")
    await stats.create_index([("resolutions.at", ASCENDING)], name="resolved_at")
    await ensure_pack_indexes(db=db)


async def refresh_ticket_stats(
    *, db: Database, now: datetime, max_tickets: int = 20_000
) -> RefreshOutcome:
    """Recompute the facts of the tickets whose events were recorded since the last
    refresh (every ticket the first time), at most `max_tickets` of them."""
    states = db[collections.STATS_STATE]
    state = await states.find_one({"_id": STATE_ID}) or {}
    if state.get("watermark") is None:
        return await _rebuild_all(db, state, now, max_tickets)
    # Resuming a refresh that stopped at its limit, or reading since the last one.
    since: datetime = state.get("resume_from") or state["watermark"] - OVERLAP
    changed = (
        db[collections.TICKET_EVENTS]
        .find({"recorded_at": {"$gte": since}}, projection={"ticket_id": 1, "recorded_at": 1})
        .sort("recorded_at", ASCENDING)
    )
    ticket_ids: dict[str, None] = {}
    resume_from: datetime | None = None
    async for event in changed:
        full = len(ticket_ids) >= max_tickets and event["ticket_id"] not in ticket_ids
        # A page stops only at a later instant than it began: resuming at its own first
        # instant would read the same page again, forever, when more than a page of
        # tickets share it (a bulk import stamps every event alike).
        if full and event["recorded_at"] > since:
            resume_from = event["recorded_at"]
            break
        ticket_ids[event["ticket_id"]] = None
    todo = list(ticket_ids)
    recomputed: list[Document] = []
    for start in range(0, len(todo), BATCH):
        recomputed += await _recompute(db, todo[start : start + BATCH])
    await patch_days(db=db, changed=recomputed)  # before the watermark moves: a crash redoes both
    progress = {"resume_from": resume_from}
    if resume_from is None:
        progress["watermark"] = now
    await states.update_one({"_id": STATE_ID}, {"$set": progress}, upsert=True)
    return RefreshOutcome(tickets=len(todo), caught_up=resume_from is None)


async def _rebuild_all(
    db: Database, state: Document, now: datetime, max_tickets: int
) -> RefreshOutcome:
    """Every ticket in number order, resumable: the first refresh, or one of an installation
    whose events predate `recorded_at`.

    Paged by ranges of ticket numbers (dense, indexed, and every ticket has one): a page
    read by `_id` after the last one scanned every ticket on SecantusDB, which serves no
    range of `_id`, so a rebuild of 50,000 tickets read the collection a hundred times."""
    states = db[collections.STATS_STATE]
    started = state.get("rebuild_started_at") or now
    after = int(state.get("rebuild_after_number", 0))
    counter = await db[collections.COUNTERS].find_one({"_id": TICKET_NUMBER_COUNTER}) or {}
    last_number = int(counter.get("value", 0))
    # The days to pack at the end, kept with the progress so a restart loses none.
    days = {date.fromisoformat(day) for day in state.get("rebuild_days", [])}
    done = 0
    while done < max_tickets:
        if after >= last_number:
            await rebuild_days(db=db, days=days)
            # Events recorded since the rebuild began are read again by the next refresh.
            await states.replace_one({"_id": STATE_ID}, {"watermark": started}, upsert=True)
            return RefreshOutcome(tickets=done, caught_up=True)
        upper = min(after + BATCH, last_number)
        page = db[collections.TICKETS].find(
            {"number": {"$gt": after, "$lte": upper}}, projection={"_id": 1, "number": 1}
        )
        tickets = sorted([ticket async for ticket in page], key=lambda ticket: ticket["number"])
        if len(tickets) > max_tickets - done:  # the rest of the range is the next page's
            tickets = tickets[: max_tickets - done]
            upper = int(tickets[-1]["number"])
        ids = [str(ticket["_id"]) for ticket in tickets]
        for facts in await _recompute(db, ids):
            days |= days_touched(facts)
        done, after = done + len(ids), upper
        progress = {
            "watermark": None,
            "rebuild_started_at": started,
            "rebuild_after_number": after,
            "rebuild_days": sorted(day.isoformat() for day in days),
        }
        await states.replace_one({"_id": STATE_ID}, progress, upsert=True)
    return RefreshOutcome(tickets=done, caught_up=False)


async def _recompute(db: Database, ticket_ids: list[str]) -> list[Document]:
    """Write the facts of `ticket_ids` again; those facts."""
    events: dict[str, list[Document]] = defaultdict(list)
    async for event in db[collections.TICKET_EVENTS].find({"ticket_id": {"$in": ticket_ids}}):
        events[event["ticket_id"]].append(event)
    tickets = {
        str(ticket["_id"]): ticket
        async for ticket in db[collections.TICKETS].find(
            {"_id": {"$in": ticket_ids}}, projection=_TICKET_FIELDS
        )
    }
    terms = await asyncio.to_thread(
        lambda: {i: title_terms(str(tickets.get(i, {}).get("title", ""))) for i in ticket_ids}
    )
    computed = []
    for ticket_id in ticket_ids:
        history = sorted(events.get(ticket_id, []), key=lambda event: event.get("seq", 0))
        facts = ticket_facts(history, tickets.get(ticket_id), terms[ticket_id])
        if facts is not None:
            computed.append(facts)
    if computed:
        writes = [ReplaceOne({"_id": facts["_id"]}, facts, upsert=True) for facts in computed]
        await db[collections.TICKET_STATS].bulk_write(writes, ordered=False)
    return computed
