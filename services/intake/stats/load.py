"""Reading what the reports count: the day packs of ticket facts (two indexed reads of a few
dozen documents per question), and the open tickets as they are now (few, by the status
index). `ReportInputs` reads each once per question however many reports use it."""

from dataclasses import dataclass, field
from typing import Any

from services.intake.stats.cache import PackCache
from services.intake.stats.period import StatsQuery
from services.intake.tickets.access import ticket_scope
from shared import collections
from shared.auth import Principal
from shared.enums import TicketStatus
from shared.mongo import Database, Document

OPEN = [
    status.value
    for status in (TicketStatus.PENDING, TicketStatus.PROCESSING, TicketStatus.AWAITING_USER)
]


def _selected(facts: Document, query: StatsQuery, principal: Principal) -> bool:
    """Whether the filters select `facts` and `principal` may count it: managers and admins
    all tickets, other staff their groups' (any group the ticket was in) and their own."""
    for name, value in query.filters().items():
        if name == "handled_by":
            if value not in facts.get("handled_by", []):
                return False
        elif facts.get(name) != value:
            return False
    if principal.sees_all_tickets:
        return True
    return principal.id in facts.get("handled_by", []) or bool(
        set(principal.groups) & set(facts.get("groups", []))
    )


async def created_in_period(
    *, db: Database, packs: PackCache, query: StatsQuery, principal: Principal
) -> list[Document]:
    """The facts of the tickets created in the period (the report's cohort)."""
    packed = await packs.facts(db=db, start=query.start, end=query.end, part="created")
    return [
        facts
        for facts in packed
        if query.contains(facts["created_at"]) and _selected(facts, query, principal)
    ]


async def resolved_in_period(
    *, db: Database, packs: PackCache, query: StatsQuery, principal: Principal
) -> list[Document]:
    """The facts of the tickets with a resolution in the period, whenever created."""
    packed = await packs.facts(db=db, start=query.start, end=query.end, part="resolved")
    unique = {facts["_id"]: facts for facts in packed}  # one per ticket, whatever its days
    return [facts for facts in unique.values() if _selected(facts, query, principal)]


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


@dataclass
class ReportInputs:
    """One question's inputs, each read and filtered once on first use: the dashboard
    builds its six reports from one cohort and one read of the open tickets, where six
    separate requests did each again (the filtering is most of a report's time)."""

    db: Database
    packs: PackCache
    query: StatsQuery
    principal: Principal
    _read: dict[str, list[Document]] = field(default_factory=dict, init=False, repr=False)

    async def cohort(self) -> list[Document]:
        """The facts of the tickets created in the period (shared: read only)."""
        if "cohort" not in self._read:
            self._read["cohort"] = await created_in_period(
                db=self.db, packs=self.packs, query=self.query, principal=self.principal
            )
        return self._read["cohort"]

    async def resolved(self) -> list[Document]:
        """The facts of the tickets with a resolution in the period (shared: read only)."""
        if "resolved" not in self._read:
            self._read["resolved"] = await resolved_in_period(
                db=self.db, packs=self.packs, query=self.query, principal=self.principal
            )
        return self._read["resolved"]

    async def open_tickets(self) -> list[Document]:
        """The open tickets now (shared: read only)."""
        if "open" not in self._read:
            self._read["open"] = await open_now(
                db=self.db, query=self.query, principal=self.principal
            )
        return self._read["open"]
