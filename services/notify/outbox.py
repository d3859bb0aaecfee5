"""Events that tickets started before notify took over still hand to the interim outbox
(patch `ticket-notify-local-v1`): notify drains it into the same deliveries."""

from services.notify.activities import NotifyActivities
from shared import collections
from shared.clock import utcnow
from shared.mongo import Database
from shared.notifications import Notification


async def drain_outbox(*, db: Database, activities: NotifyActivities, batch: int = 200) -> int:
    """Accept the outbox's undelivered events (oldest first); how many were drained."""
    outbox = db[collections.NOTIFICATIONS_OUTBOX]
    drained = 0
    async for entry in outbox.find({"delivered_at": None}).sort("at", 1).limit(batch):
        notification = Notification.model_validate({**entry, "key": entry["_id"]})
        await activities.accept([notification])
        await outbox.update_one({"_id": entry["_id"]}, {"$set": {"delivered_at": utcnow()}})
        drained += 1
    return drained
