"""The steps of a bulk action: apply (or undo) one slice of its tickets.

Each ticket gets its own item document (`bulk_action_items`, by `_id`) written before its
update is sent: it keeps what the ticket looked like before, and once the ticket answers,
the outcome. A step retried after a crash sends only the tickets without an outcome, each
with the same update id as before, which the ticket's workflow applies once."""

import asyncio
from typing import Any

from pymongo import ASCENDING
from pymongo.errors import BulkWriteError
from temporalio import activity
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from shared import collections
from shared.bulk import (
    BulkChunk,
    BulkKind,
    BulkParams,
    BulkProgress,
    BulkTally,
    ItemOutcome,
    Previous,
    TicketChange,
    item_id,
    ticket_change,
    undo_change,
    update_id,
)
from shared.clock import utcnow
from shared.enums import TicketStatus
from shared.mongo import Database, Document
from shared.ticket_client import update_ticket

# Updates in flight at once within one step by default (BULK_CONCURRENT_UPDATES).
CONCURRENT_UPDATES = 8
UNDO_REASON = "undo of a bulk action"


async def ensure_indexes(db: Database) -> None:
    await db[collections.BULK_ACTION_ITEMS].create_index(
        [("action_id", ASCENDING), ("outcome", ASCENDING), ("position", ASCENDING)],
        name="action_outcome",
    )
    await db[collections.BULK_ACTION_ITEMS].create_index(
        [("action_id", ASCENDING), ("position", ASCENDING)], name="action_position"
    )


def _previous(ticket: Document) -> Previous:
    assignee = ticket.get("assignee") or {}
    return Previous(
        assignee_id=assignee.get("id"),
        assignee_name=assignee.get("name", ""),
        priority=ticket.get("priority"),
    )


def _skip(code: str, message: str) -> dict[str, Any]:
    return {"outcome": ItemOutcome.SKIPPED.value, "code": code, "message": message}


def _not_undone(code: str, message: str) -> dict[str, Any]:
    return {
        "undo_outcome": ItemOutcome.NOT_UNDONE.value,
        "undo_code": code,
        "undo_message": message,
    }


def _customer(ticket: Document) -> str | None:
    return (ticket.get("submitter") or {}).get("id")


def _moved_on(kind: BulkKind, params: BulkParams, ticket: Document) -> bool:
    """Whether someone changed the ticket again after the bulk action: the undo then
    leaves it as they made it."""
    if ticket.get("status") == TicketStatus.CLOSED.value:
        return True
    if kind is BulkKind.ASSIGN:
        return (ticket.get("assignee") or {}).get("id") != params.agent_id
    if kind is BulkKind.SET_PRIORITY:
        return ticket.get("priority") != (params.priority.value if params.priority else None)
    return False


class BulkActivities:
    def __init__(
        self, db: Database, client: Client, *, concurrent_updates: int = CONCURRENT_UPDATES
    ) -> None:
        self._db = db
        self._client = client
        self._concurrent_updates = concurrent_updates

    @activity.defn
    async def apply_bulk_chunk(self, chunk: BulkChunk) -> BulkTally:
        """Apply the change to a slice of tickets (or take it back); the slice's tally."""
        items = await self._items(chunk)
        field = "undo_outcome" if chunk.undo else "outcome"
        open_items = [item for item in items if item.get(field) is None]
        if chunk.undo:
            open_items = [i for i in open_items if i.get("outcome") == ItemOutcome.CHANGED.value]
        now_showing = await self._tickets([item["ticket_id"] for item in open_items])
        gate = asyncio.Semaphore(self._concurrent_updates)

        async def one(item: Document) -> None:
            async with gate:
                result = await self._settle(chunk, item, now_showing.get(item["ticket_id"]))
                await self._db[collections.BULK_ACTION_ITEMS].update_one(
                    {"_id": item["_id"]}, {"$set": {**result, "at": utcnow()}}
                )
            activity.heartbeat()

        await asyncio.gather(*(one(item) for item in open_items))
        tally = await self._tally(chunk)
        await self._db[collections.BULK_ACTIONS].update_one(
            {"_id": chunk.spec.action_id},
            {"$set": {"tally": chunk.before.plus(tally).model_dump(), "updated_at": utcnow()}},
        )
        return tally

    @activity.defn
    async def record_bulk_phase(self, progress: BulkProgress) -> None:
        """The action's phase as the workflow has it (for readers and the progress stream)."""
        await self._db[collections.BULK_ACTIONS].update_one(
            {"_id": progress.action_id},
            {"$set": {**progress.model_dump(mode="python"), "updated_at": utcnow()}},
        )

    async def _tickets(self, ticket_ids: list[str]) -> dict[str, Document]:
        if not ticket_ids:
            return {}
        cursor = self._db[collections.TICKETS].find(
            {"_id": {"$in": ticket_ids}},
            {"number": 1, "assignee": 1, "priority": 1, "status": 1, "submitter": 1},
        )
        return {doc["_id"]: doc async for doc in cursor}

    async def _items(self, chunk: BulkChunk) -> list[Document]:
        """The slice's item documents, each created (with the ticket as it is before the
        change) the first time the slice is applied."""
        action_id = chunk.spec.action_id
        ids = [item_id(action_id, ticket_id) for ticket_id in chunk.ticket_ids]
        items_collection = self._db[collections.BULK_ACTION_ITEMS]
        found = {doc["_id"]: doc async for doc in items_collection.find({"_id": {"$in": ids}})}
        missing = [t for t, i in zip(chunk.ticket_ids, ids, strict=True) if i not in found]
        if missing and not chunk.undo:
            tickets = await self._tickets(missing)
            target = await self._merge_target(chunk)
            fresh = [
                self._new_item(chunk, position, ticket_id, tickets.get(ticket_id), target)
                for position, ticket_id in enumerate(chunk.ticket_ids)
                if ticket_id in missing
            ]
            try:
                await items_collection.insert_many(fresh, ordered=False)
            except BulkWriteError as exc:  # written by an attempt that then crashed
                if any(e.get("code") != 11000 for e in exc.details.get("writeErrors", [])):
                    raise
            found.update(
                {doc["_id"]: doc async for doc in items_collection.find({"_id": {"$in": ids}})}
            )
        return [found[i] for i in ids if i in found]

    async def _merge_target(self, chunk: BulkChunk) -> Document | None:
        if chunk.spec.kind is not BulkKind.MERGE or not chunk.spec.params.into_ticket_id:
            return None
        return (await self._tickets([chunk.spec.params.into_ticket_id])).get(
            chunk.spec.params.into_ticket_id
        )

    def _new_item(
        self,
        chunk: BulkChunk,
        position: int,
        ticket_id: str,
        ticket: Document | None,
        target: Document | None,
    ) -> Document:
        spec = chunk.spec
        item: Document = {
            "_id": item_id(spec.action_id, ticket_id),
            "action_id": spec.action_id,
            "ticket_id": ticket_id,
            "position": chunk.offset + position,
            "number": ticket.get("number") if ticket else None,
            "previous": _previous(ticket).model_dump(mode="json") if ticket else None,
            "outcome": None,
        }
        # What the ticket's document already shows is decided here, without a round trip.
        if ticket is None:
            item |= _skip("ticket_not_found", "The ticket no longer exists.")
        elif ticket.get("status") == TicketStatus.CLOSED.value:
            item |= _skip("ticket_closed", "The ticket is closed.")
        elif spec.kind is BulkKind.MERGE and ticket_id == spec.params.into_ticket_id:
            item |= _skip("merge_target", "The ticket the others are merged into.")
        elif (
            spec.kind is BulkKind.MERGE
            and target is not None
            and _customer(ticket) != _customer(target)
            and not spec.params.different_customer_reason
        ):
            item |= _skip(
                "merge_customers_differ",
                "Filed by another customer than the ticket they are merged into.",
            )
        return item

    async def _settle(
        self, chunk: BulkChunk, item: Document, ticket: Document | None
    ) -> dict[str, Any]:
        """Send one ticket its update; how it answered, as the item's fields."""
        spec, ticket_id = chunk.spec, item["ticket_id"]
        if not chunk.undo:
            change = ticket_change(spec.kind, spec.params, spec.actor)
            return await self._send(change, spec.action_id, ticket_id, undo=False)
        if ticket is None or _moved_on(spec.kind, spec.params, ticket):
            return _not_undone("changed_since", "The ticket was changed again since.")
        previous = Previous.model_validate(item.get("previous") or {})
        undo = undo_change(spec.kind, previous, chunk.undo_actor or spec.actor, UNDO_REASON)
        if undo is None:
            return _not_undone("nothing_to_restore", "Nobody had the ticket before.")
        result = await self._send(undo, spec.action_id, ticket_id, undo=True)
        if result["outcome"] == ItemOutcome.CHANGED.value:
            return {"undo_outcome": ItemOutcome.UNDONE.value}
        return _not_undone(result["code"], result["message"])

    async def _send(
        self, change: TicketChange, action_id: str, ticket_id: str, *, undo: bool
    ) -> dict[str, Any]:
        try:
            await update_ticket(
                self._client,
                ticket_id,
                change.update,
                change.request,
                update_id=update_id(action_id, ticket_id, undo=undo),
            )
        except WorkflowUpdateFailedError as exc:
            cause = exc.cause
            if isinstance(cause, ApplicationError) and cause.type:
                return _skip(cause.type, cause.message)
            raise
        except RPCError as exc:
            # The ticket's workflow has ended (closed meanwhile): nothing to change.
            if exc.status is RPCStatusCode.NOT_FOUND:
                return _skip("ticket_closed", "The ticket is closed.")
            raise  # Temporal unavailable: the step is retried, this ticket with it
        return {"outcome": ItemOutcome.CHANGED.value, "code": None, "message": None}

    async def _tally(self, chunk: BulkChunk) -> BulkTally:
        """The slice's counts, read from its items: the same however often it ran."""
        ids = [item_id(chunk.spec.action_id, t) for t in chunk.ticket_ids]
        tally = BulkTally()
        async for item in self._db[collections.BULK_ACTION_ITEMS].find(
            {"_id": {"$in": ids}}, {"outcome": 1, "undo_outcome": 1}
        ):
            if chunk.undo:
                outcome = item.get("undo_outcome")
                tally.undone += outcome == ItemOutcome.UNDONE.value
                tally.not_undone += outcome == ItemOutcome.NOT_UNDONE.value
            else:
                tally.done += item.get("outcome") is not None
                tally.changed += item.get("outcome") == ItemOutcome.CHANGED.value
                tally.skipped += item.get("outcome") == ItemOutcome.SKIPPED.value
        return tally
