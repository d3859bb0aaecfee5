"""Ticket repository of intake: the only module of intake that touches ticket collections."""

import contextlib
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.intake.tickets import listing
from services.intake.tickets.models import TicketCreate
from shared import collections
from shared.enums import CATEGORIES_BY_TYPE, Priority
from shared.mongo import ACKNOWLEDGED, Database, Document, ensure_index
from shared.refusals import Invalid
from shared.sla import SlaPolicy
from shared.ticket import document as ticket_document
from shared.tickets import TICKET_NUMBER_COUNTER, Actor, TicketStart


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
    # The list's common scopes: a customer's own, a client system's, a group's, an agent's.
    await tickets.create_index([("created_at", DESCENDING)], name="created")
    # The live lists read what changed since they last looked (tickets/feed.py).
    await tickets.create_index([("updated_at", ASCENDING)], name="updated")
    await tickets.create_index(
        [("submitter.id", ASCENDING), ("created_at", DESCENDING)], name="submitter_created"
    )
    await tickets.create_index(
        [("source.api_key_id", ASCENDING), ("created_at", DESCENDING)], name="api_key_created"
    )
    await tickets.create_index(
        [("group", ASCENDING), ("created_at", DESCENDING)], name="group_created"
    )
    await tickets.create_index(
        [("assignee.id", ASCENDING), ("status", ASCENDING)], name="assignee_status"
    )
    # Sparse: a ticket filed without a key has no `idempotency.key` (a partial index on
    # `$type` is one SecantusDB never uses).
    await ensure_index(
        tickets,
        [("idempotency.key", ASCENDING)],
        name="idempotency_key",
        unique=True,
        sparse=True,
    )
    await db[collections.TICKET_MESSAGES].create_index(
        [("ticket_id", ASCENDING), ("created_at", ASCENDING)], name="ticket_created"
    )


def check_category(*, data: TicketCreate) -> None:
    """Reject a category that does not belong to the ticket's type (SPEC A3)."""
    allowed = CATEGORIES_BY_TYPE[data.type]
    if data.category not in allowed:
        raise Invalid(
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
    priority: Priority | None = None,
    source: dict[str, Any] | None = None,
    idempotency: dict[str, Any] | None = None,
) -> Document:
    """The document of a ticket filed as `data` says (at `priority` when the desk chose
    another than the customer's), as shared.ticket.document builds it."""
    priority = priority or data.priority
    return ticket_document.new_ticket_document(
        ticket_id=ticket_id,
        number=number,
        fields={
            "title": data.title,
            "description": data.description,
            "type": data.type,
            "category": data.category,
            "order_id": data.order_id,
            "attachment_ids": data.attachment_ids,
        },
        priority=priority,
        priority_suggested=data.priority if priority != data.priority else None,
        submitter=submitter,
        policy=policy,
        now=now,
        source=source,
        idempotency=idempotency,
    )


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


async def insert_new_ticket(*, db: Database, document: Document) -> bool:
    """Store a new ticket (journaled); False if its idempotency key was stored meanwhile."""
    try:
        await insert_ticket(db=db, document=document)
    except DuplicateKeyError as exc:
        if document.get("idempotency") and "idempotency" in str(exc):
            return False
        raise
    return True


async def language_of(*, db: Database, user_id: str | None) -> str:
    """The language a person reads (zh-CN unless they chose English)."""
    user = await db[collections.USERS].find_one({"_id": user_id}, projection={"language": 1})
    return str((user or {}).get("language") or "zh-CN")


async def submitter_profile(
    *, db: Database, submitter: dict[str, Any] | None, full: bool
) -> dict[str, Any] | None:
    """Who filed the ticket; with `full` (staff), their account and ticket count too."""
    if not submitter or not submitter.get("id"):
        return None
    profile: dict[str, Any] = {key: submitter.get(key) for key in ("id", "name", "email")}
    if not full:
        return profile
    user = await db[collections.USERS].find_one(
        {"_id": submitter["id"]},
        projection={"password_hash": 0, "load": 0, "skills": 0, "capacity": 0},
    )
    if user is not None:
        profile.update(
            role=user.get("role"),
            language=user.get("language"),
            external_id=user.get("external_id"),
            customer_since=user.get("created_at"),
        )
    profile["tickets_filed"] = await db[collections.TICKETS].count_documents(
        {"submitter.id": submitter["id"]}
    )
    return profile


async def mark_workflow_started(*, db: Database, ticket_id: str) -> None:
    """Record that the ticket's workflow runs, so the sweeper leaves it alone."""
    tickets = db[collections.TICKETS].with_options(write_concern=ACKNOWLEDGED)
    await tickets.update_one({"_id": ticket_id}, {"$set": {"workflow.started": True}})


async def mark_workflows_started(*, db: Database, ticket_ids: list[str]) -> None:
    """Record that these tickets' workflows run (one command for all of them)."""
    tickets = db[collections.TICKETS].with_options(write_concern=ACKNOWLEDGED)
    await tickets.update_many(
        {"_id": {"$in": ticket_ids}, "workflow.started": False},
        {"$set": {"workflow.started": True}},
    )


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


async def find_ticket(*, db: Database, ticket_id: str) -> Document | None:
    """The ticket's projection, if it exists."""
    return await db[collections.TICKETS].find_one({"_id": ticket_id})


async def find_by_idempotency_key(*, db: Database, key: str) -> Document | None:
    """The ticket filed earlier with this (caller-scoped) idempotency key."""
    return await db[collections.TICKETS].find_one({"idempotency.key": key})


async def list_tickets(
    *, db: Database, conditions: listing.Conditions, page: listing.Page
) -> list[Document]:
    """Up to `page.limit + 1` tickets satisfying the conditions, in the page's order."""
    return await listing.read_page(db, conditions, page)


async def get_history(*, db: Database, ticket_id: str) -> list[Document]:
    """Every recorded transition of the ticket, in order."""
    cursor = db[collections.TICKET_EVENTS].find({"ticket_id": ticket_id}).sort("seq", ASCENDING)
    return [event async for event in cursor]


# A stored ticket is swept once its workflow has shown no sign of life for this long; long
# enough that a worker with a backlog is not taken for a start that never happened.
SWEEP_GRACE = timedelta(minutes=1)
