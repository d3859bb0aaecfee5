"""Activities of the ticket workflow: the only code that writes its projection in MongoDB."""

import contextlib

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError
from temporalio import activity

from shared import collections
from shared.mongo import Database
from shared.tickets import TicketEvent


async def ensure_indexes(db: Database) -> None:
    """Create the indexes of the collections this service owns (idempotent)."""
    await db[collections.TICKET_EVENTS].create_index(
        [("ticket_id", ASCENDING), ("seq", ASCENDING)], unique=True, name="ticket_seq"
    )
    await db[collections.TICKET_EVENTS].create_index([("at", ASCENDING)], name="at")


class TicketActivities:
    """Activities bound to the clients they need."""

    def __init__(self, db: Database) -> None:
        self._db = db

    @activity.defn
    async def record_event(self, event: TicketEvent) -> None:
        """Append one transition to the ticket's history and project it onto the ticket."""
        document = {"_id": event.event_id, **event.model_dump(mode="python")}
        with contextlib.suppress(DuplicateKeyError):  # a retry of a write that had landed
            await self._db[collections.TICKET_EVENTS].insert_one(document)
        projection: dict[str, object] = {"updated_at": event.at, "last_event_seq": event.seq}
        if event.to_status is not None:
            projection["status"] = event.to_status.value
        # The seq guard keeps a late retry of an older event from moving the ticket back.
        await self._db[collections.TICKETS].update_one(
            {"_id": event.ticket_id, "last_event_seq": {"$lt": event.seq}},
            {"$set": projection},
        )
