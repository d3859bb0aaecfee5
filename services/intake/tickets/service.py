"""Ticket repository of intake: the only module of intake that touches ticket collections."""

import contextlib
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.intake.tickets.models import TicketCreate
from shared import collections
from shared.enums import CATEGORIES_BY_TYPE, SlaState, StandardGroup, TicketStatus
from shared.errors import ApiError
from shared.mongo import ACKNOWLEDGED, Database, Document
from shared.sla import SlaPolicy, due_at
from shared.tickets import Actor, TicketStart, ticket_workflow_id

TICKET_NUMBER_COUNTER = "ticket_number"


async def ensure_indexes(*, db: Database) -> None:
    """Create the indexes of the ticket collections intake owns (idempotent)."""
    tickets = db[collections.TICKETS]
    await tickets.create_index([("number", ASCENDING)], unique=True, name="number")
    await tickets.create_index(
        [("status", ASCENDING), ("created_at", DESCENDING)], name="status_created"
    )
    await tickets.create_index(
        [("workflow.started", ASCENDING), ("created_at", ASCENDING)],
        name="workflow_not_started",
        partialFilterExpression={"workflow.started": False},
    )


def check_category(*, data: TicketCreate) -> None:
    """Reject a category that does not belong to the ticket's type (SPEC A3)."""
    allowed = CATEGORIES_BY_TYPE[data.type]
    if data.category not in allowed:
        raise ApiError(
            422,
            "invalid_category",
            f"Category '{data.category}' does not belong to type '{data.type}'.",
            {"type": data.type, "category": data.category, "allowed": list(allowed)},
        )


def new_ticket_id() -> str:
    """A new ticket id: unique and ordered by creation time."""
    return str(ObjectId())


async def next_ticket_number(*, db: Database) -> int:
    """Allocate the next human-friendly ticket number (atomic, never reused)."""
    counters = db[collections.COUNTERS]
    for _ in range(3):
        counter = await counters.find_one_and_update(
            {"_id": TICKET_NUMBER_COUNTER},
            {"$inc": {"value": 1}},
            return_document=ReturnDocument.AFTER,
        )
        if counter is not None:
            return int(counter["value"])
        # First ticket ever: create the counter. Concurrent upserts of one _id can race
        # (one fails on the unique _id), so create it apart and then increment.
        with contextlib.suppress(DuplicateKeyError):
            await counters.update_one(
                {"_id": TICKET_NUMBER_COUNTER}, {"$setOnInsert": {"value": 0}}, upsert=True
            )
    raise RuntimeError("could not allocate a ticket number")


def new_ticket_document(
    *,
    ticket_id: str,
    number: int,
    data: TicketCreate,
    submitter: dict[str, Any] | None,
    policy: SlaPolicy,
    now: datetime,
) -> Document:
    """The projection of a ticket at the moment it is filed: pending, clocks running."""
    target = policy.target(data.priority)
    clock = {"state": SlaState.ON_TRACK, "met_at": None, "breached_at": None, "warned_at": None}
    return {
        "_id": ticket_id,
        "number": number,
        "title": data.title,
        "description": data.description,
        "type": data.type,
        "category": data.category,
        "priority": data.priority,
        "status": TicketStatus.PENDING,
        "submitter": submitter,
        "assignee": None,
        "group": StandardGroup.FRONTLINE,
        "escalation_level": 0,
        "collaborator_groups": [],
        "order_id": data.order_id,
        "attachment_ids": data.attachment_ids,
        "created_at": now,
        "updated_at": now,
        "first_response_at": None,
        "resolved_at": None,
        "closed_at": None,
        "close_reason": None,
        "merged_into": None,
        "rating": None,
        "sla": {
            "state": SlaState.ON_TRACK,
            "paused": False,
            "paused_seconds": 0,
            "response": {**clock, "due_at": due_at(now, target.response_seconds)},
            "resolution": {**clock, "due_at": due_at(now, target.resolution_seconds)},
        },
        "workflow": {"id": ticket_workflow_id(ticket_id), "started": False},
        "last_event_seq": -1,
    }


def ticket_start(*, document: Document) -> TicketStart:
    """What the ticket's workflow is started with, read from its stored document."""
    submitter = document.get("submitter") or {}
    return TicketStart(
        ticket_id=document["_id"],
        number=document["number"],
        type=document["type"],
        category=document["category"],
        priority=document["priority"],
        group=document["group"],
        submitter=Actor(id=submitter.get("id"), role="customer"),
        created_at=document["created_at"],
        title=document["title"],
    )


async def insert_ticket(*, db: Database, document: Document) -> None:
    """Store a new ticket (journaled: once this returns, the ticket survives a crash)."""
    await db[collections.TICKETS].insert_one(document)


async def mark_workflow_started(*, db: Database, ticket_id: str) -> None:
    """Record that the ticket's workflow runs, so the sweeper leaves it alone."""
    tickets = db[collections.TICKETS].with_options(write_concern=ACKNOWLEDGED)
    await tickets.update_one({"_id": ticket_id}, {"$set": {"workflow.started": True}})


async def tickets_without_workflow(
    *, db: Database, created_before: datetime, limit: int = 100
) -> list[Document]:
    """Stored tickets whose workflow has not been started yet, oldest first."""
    cursor = (
        db[collections.TICKETS]
        .find({"workflow.started": False, "created_at": {"$lt": created_before}})
        .sort("created_at", ASCENDING)
        .limit(limit)
    )
    return [document async for document in cursor]


async def get_ticket(*, db: Database, ticket_id: str) -> Document:
    """The ticket's projection, or a 404."""
    document = await db[collections.TICKETS].find_one({"_id": ticket_id})
    if document is None:
        raise ApiError(404, "ticket_not_found", f"No ticket with id '{ticket_id}'.")
    return document


async def get_history(*, db: Database, ticket_id: str) -> list[Document]:
    """Every recorded transition of the ticket, in order."""
    cursor = db[collections.TICKET_EVENTS].find({"ticket_id": ticket_id}).sort("seq", ASCENDING)
    return [event async for event in cursor]


SWEEP_GRACE = timedelta(seconds=5)
