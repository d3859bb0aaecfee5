"""Seeding a deterministic ticket history for the statistics tests: tickets stored as
intake stores them, their events written by the ticket workflow's own event writer (the
`record_event` activity's code), at known times."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from temporalio.client import Client

from services.intake.tickets.models import TicketCreate
from services.intake.tickets.service import new_ticket_document
from services.workflows.activities import TicketActivities
from services.workflows.models import ProjectionWrite
from shared import collections
from shared.enums import Category, Priority, TicketType
from shared.mongo import Database, Document
from shared.sla import DEFAULT_SLA_POLICY
from shared.tickets import TICKET_NUMBER_COUNTER, Actor, TicketEvent


@dataclass
class History:
    """One ticket and the events it went through."""

    ticket_id: str
    number: int
    created_at: datetime
    title: str
    type: str = "technical"
    category: str = "connection"
    priority: str = "normal"
    rating: dict[str, Any] | None = None
    events: list[TicketEvent] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.add(
            self.created_at,
            "created",
            "customer",
            f"cust-{self.number}",
            to_status="pending",
            data={"type": self.type, "category": self.category, "priority": self.priority},
        )

    def add(
        self,
        at: datetime,
        action: str,
        role: str = "system",
        actor_id: str | None = None,
        *,
        to_status: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> "History":
        self.events.append(
            TicketEvent.model_validate(
                {
                    "ticket_id": self.ticket_id,
                    "seq": len(self.events),
                    "at": at,
                    "actor": Actor.model_validate({"id": actor_id, "role": role}),
                    "action": action,
                    "to_status": to_status,
                    "data": data or {},
                }
            )
        )
        return self

    def assigned(self, at: datetime, agent: str, action: str = "assigned") -> "History":
        data = {"agent": {"id": agent, "name": agent}, "strategy": "smart"}
        return self.add(at, action, to_status="processing", data=data)

    def replied(self, at: datetime, agent: str) -> "History":
        return self.add(at, "agent_replied", "agent", agent, data={"visibility": "public"})

    def resolved(self, at: datetime, agent: str) -> "History":
        return self.add(at, "resolved", "agent", agent, to_status="resolved")

    def breached(self, at: datetime, clock: str) -> "History":
        return self.add(at, "sla_breached", data={"clock": clock})


async def record(db: Database, event: TicketEvent) -> None:
    """Write one event as the ticket workflow's `record_event` activity writes it."""
    writer = TicketActivities(db, cast(Client, None))
    await writer.record_event(ProjectionWrite(event=event, projection={}))


def ticket_document(history: History) -> Document:
    """The ticket as intake files it (a whole document, so lists and streams can show it),
    its workflow counted as started: these tickets have none, and none should start."""
    data = TicketCreate(
        type=TicketType(history.type),
        category=Category(history.category),
        title=history.title,
        description="A ticket of a seeded history.",
        priority=Priority(history.priority),
    )
    document = new_ticket_document(
        ticket_id=history.ticket_id,
        number=history.number,
        data=data,
        submitter={"id": f"cust-{history.number}", "name": f"Customer {history.number}"},
        policy=DEFAULT_SLA_POLICY,
        now=history.created_at,
    )
    document["rating"] = history.rating
    document["workflow"]["started"] = True
    return document


async def write_histories(db: Database, histories: list[History]) -> None:
    """Store each ticket (its number allocated as intake allocates it), then its events
    through the workflow's event writer."""
    for history in histories:
        await db[collections.COUNTERS].update_one(
            {"_id": TICKET_NUMBER_COUNTER}, {"$max": {"value": history.number}}, upsert=True
        )
        await db[collections.TICKETS].insert_one(ticket_document(history))
        for event in history.events:
            await record(db, event)
