"""Reading what the reports count: ticket facts by an indexed time range, and the open
tickets as they are now (few, by the status index)."""

from typing import Any

from services.intake.stats.period import StatsQuery, scope
from services.intake.tickets.access import ticket_scope
from shared import collections
from shared.auth import Principal
from shared.enums import TicketStatus
from shared.mongo import Database, Document

OPEN = [
    s.value for s in (TicketStatus.PENDING, TicketStatus.PROCESSING, TicketStatus.AWAITING_USER)
]


async def created_in_period(
    *, db: Database, query: StatsQuery, principal: Principal, fields: list[str]
) -> list[Document]:
    """The facts of the tickets created in the period (the report's cohort)."""
    match = {
        "created_at": {"$gte": query.start, "$lt": query.end},
        **query.filters(),
        **scope(principal),
    }
    cursor = db[collections.TICKET_STATS].find(match, projection=dict.fromkeys(fields, 1))
    return [facts async for facts in cursor]


async def resolved_in_period(
    *, db: Database, query: StatsQuery, principal: Principal, fields: list[str]
) -> list[Document]:
    """The facts of the tickets with a resolution in the period, whenever created."""
    match = {
        "resolutions.at": {"$gte": query.start, "$lt": query.end},
        **query.filters(),
        **scope(principal),
    }
    cursor = db[collections.TICKET_STATS].find(match, projection=dict.fromkeys(fields, 1))
    return [facts async for facts in cursor]


async def open_now(*, db: Database, query: StatsQuery, principal: Principal) -> list[Document]:
    """The open tickets now (the projection the workflows keep), with the filters."""
    match: dict[str, Any] = {"status": {"$in": OPEN}, **ticket_scope(principal)}
    for name in ("type", "category", "priority", "group"):
        if (value := getattr(query, name)) is not None:
            match[name] = value.value
    if query.agent is not None:
        match["assignee.id"] = query.agent
    fields = ("number", "title", "status", "priority", "group", "assignee", "sla")
    cursor = db[collections.TICKETS].find(match, projection=dict.fromkeys(fields, 1))
    return [ticket async for ticket in cursor]
