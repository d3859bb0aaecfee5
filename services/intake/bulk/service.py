"""Bulk actions: which tickets, whether the change can be asked for, and the records.

The action's document (`bulk_actions`) is written before its workflow starts; from then
on the workflow's steps keep its progress there, and each ticket's outcome in
`bulk_action_items`."""

import uuid
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING

from services.intake.bulk.models import BulkActionCreate
from services.intake.tickets import access, listing, queries
from services.intake.tickets.view_filters import ViewFilters
from shared import collections
from shared.auth import Principal
from shared.bulk import MAX_BULK_TICKETS, REVERSIBLE, BulkKind, BulkPhase, BulkTally
from shared.enums import TicketStatus
from shared.mongo import Database, Document
from shared.refusals import Conflict, Invalid, NotFound, NotPermitted, Refusal
from shared.ticket_updates import ASSIGNING_ROLES, STAFF_ROLES

READ_PAGE = 100
ITEMS_PAGE = 100


async def ensure_indexes(db: Database) -> None:
    await db[collections.BULK_ACTIONS].create_index(
        [("actor.id", ASCENDING), ("created_at", DESCENDING)], name="actor_created"
    )


def _conditions(principal: Principal, filters: ViewFilters) -> listing.Conditions:
    ticket_filters = queries.TicketFilters(
        **filters.model_dump(exclude={"assignee"}),
        assignee=principal.id if filters.assignee == "me" else filters.assignee,
    )
    conditions = listing.Conditions(matches=listing.text_matcher(filters.q) if filters.q else None)
    for clause in (access.ticket_scope(principal), *queries.filter_clauses(ticket_filters)):
        conditions.add(clause)
    return conditions


def too_many() -> Refusal:
    return Invalid(
        "bulk_too_large",
        f"A bulk action takes at most {MAX_BULK_TICKETS} tickets; narrow the view.",
        {"max": MAX_BULK_TICKETS},
    )


async def tickets_of_view(*, db: Database, principal: Principal, filters: ViewFilters) -> list[str]:
    """Every ticket the view matches now, oldest first, read a page at a time as the list
    reads them (its indexes)."""
    conditions = _conditions(principal, filters)
    found: list[str] = []
    after: tuple[Any, str] | None = None
    while True:
        page = listing.Page("created_at", ASCENDING, after, READ_PAGE)
        documents = await listing.read_page(db, conditions, page)
        found.extend(doc["_id"] for doc in documents[:READ_PAGE])
        if len(found) > MAX_BULK_TICKETS:
            raise too_many()
        if len(documents) <= READ_PAGE:
            return found
        last = documents[READ_PAGE - 1]
        after = (last["created_at"], last["_id"])


async def check_selection(
    *, db: Database, principal: Principal, ticket_ids: list[str]
) -> list[str]:
    """The selected tickets, once each, in the order given; 422 `unknown_ticket` naming
    those the caller cannot see."""
    unique = list(dict.fromkeys(ticket_ids))
    visible = {
        doc["_id"]
        async for doc in db[collections.TICKETS].find(
            {"$and": [{"_id": {"$in": unique}}, access.ticket_scope(principal)]}, {"_id": 1}
        )
    }
    unknown = [ticket_id for ticket_id in unique if ticket_id not in visible]
    if unknown:
        raise Invalid(
            "unknown_ticket",
            f"{len(unknown)} of the selected tickets do not exist or are not yours to see.",
            {"ticket_ids": unknown[:20]},
        )
    return unique


async def check_change(*, db: Database, principal: Principal, body: BulkActionCreate) -> None:
    """What every ticket will be asked: 403/422/409 before anything starts."""
    params, kind = body.params, body.kind
    if kind is BulkKind.ASSIGN:
        if principal.role not in ASSIGNING_ROLES:
            raise NotPermitted("not_permitted", f"A {principal.role} may not assign tickets.")
        agent = None
        if params.agent_id:
            agent = await db[collections.USERS].find_one(
                {"_id": params.agent_id, "role": {"$in": [r.value for r in STAFF_ROLES]}}
            )
        if agent is None or agent.get("active") is False:
            raise Invalid("unknown_agent", f"No active agent with id '{params.agent_id}'.")
        params.agent_name = agent["name"]
    elif kind is BulkKind.SET_PRIORITY and params.priority is None:
        raise Invalid("validation_error", "Give the priority to set.")
    elif kind is BulkKind.ADD_COLLABORATOR and params.group is None:
        raise Invalid("validation_error", "Give the collaborator group.")
    elif kind is BulkKind.MERGE:
        into = None
        if params.into_ticket_id:
            into = await db[collections.TICKETS].find_one({"_id": params.into_ticket_id})
        if into is None or not access.can_see(principal, into):
            raise Invalid("unknown_ticket", "The ticket to merge into does not exist.")
        if into["status"] == TicketStatus.CLOSED:
            raise Conflict("ticket_closed", f"Ticket #{into['number']} is closed.")


def new_action_document(
    *, body: BulkActionCreate, principal: Principal, total: int, undo_seconds: int, now: datetime
) -> Document:
    return {
        "_id": uuid.uuid4().hex,
        "kind": body.kind.value,
        "params": body.params.model_dump(mode="json"),
        "actor": {"id": principal.id, "name": principal.name, "role": principal.role.value},
        "phase": BulkPhase.APPLYING.value,
        "total": total,
        "tally": BulkTally().model_dump(),
        "reversible": body.kind in REVERSIBLE and undo_seconds > 0,
        "undo_until": None,
        "undo_total": 0,
        "created_at": now,
        "updated_at": now,
    }


def may_see(principal: Principal, action: Document) -> bool:
    return action["actor"]["id"] == principal.id or principal.role in ASSIGNING_ROLES


async def find_action(*, db: Database, principal: Principal, action_id: str) -> Document:
    action = await db[collections.BULK_ACTIONS].find_one({"_id": action_id})
    if action is None or not may_see(principal, action):
        raise NotFound("not_found", f"No bulk action '{action_id}'.")
    return action


async def recent_actions(*, db: Database, principal: Principal, limit: int) -> list[Document]:
    cursor = (
        db[collections.BULK_ACTIONS]
        .find({"actor.id": principal.id})
        .sort("created_at", DESCENDING)
        .limit(limit)
    )
    return [doc async for doc in cursor]


async def action_items(
    *, db: Database, action_id: str, outcome: str | None, after: int | None
) -> list[Document]:
    """Items in the tickets' order; `outcome` filters (changed, skipped)."""
    query: dict[str, Any] = {"action_id": action_id}
    if outcome is not None:
        query["outcome"] = outcome
    if after is not None:
        query["position"] = {"$gt": after}
    cursor = db[collections.BULK_ACTION_ITEMS].find(query).sort("position", ASCENDING)
    return [doc async for doc in cursor.limit(ITEMS_PAGE + 1)]
