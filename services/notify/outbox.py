"""The outbox (`notifications_outbox`): every step of a ticket puts the events it made there,
in the same local activity that writes its history; notify drains it into deliveries.
(Tickets started under patch `ticket-notify-local-v1` put theirs there one at a time.)

MongoDB holds the events while notify is down, as Temporal did when each event was an
activity on notify's task queue: that cost the Temporal dev server 15 ms of CPU and the
worker a workflow task per step, the outbox a write with the step and a read and a delete
per batch here. A drained entry is deleted (the event stays in `notifications`), so the
outbox holds only what notify has not taken yet."""

from services.notify.activities import NotifyActivities
from shared import collections
from shared.db_commands import step
from shared.mongo import Database
from shared.notifications import from_outbox

UNDRAINED = {"delivered_at": None}


async def drain_outbox(*, db: Database, activities: NotifyActivities, batch: int = 200) -> int:
    """Accept the oldest `batch` events of the outbox at once, then take them out of it;
    how many there were. Accepting is idempotent, so a drain cut off before the delete (or
    run by two notify processes at once) sends nothing twice."""
    outbox = db[collections.NOTIFICATIONS_OUTBOX]
    entries = [entry async for entry in outbox.find(UNDRAINED).sort("at", 1).limit(batch)]
    if not entries:
        return 0
    with step("accept notifications"):  # the polling above is this loop's only fixed cost
        await activities.accept([from_outbox(entry) for entry in entries])
        await outbox.delete_many({"_id": {"$in": [entry["_id"] for entry in entries]}})
    return len(entries)
