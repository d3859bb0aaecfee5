"""Notify for tests of the ticket workflow: it accepts the events the workflows hand over
(through the outbox, or as activities from tickets of earlier versions), keeping them in
`notifications` with their deliveries, and sends nothing."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from temporalio.client import Client
from temporalio.worker import Worker

from services.notify.activities import NotifyActivities
from services.notify.deliveries.dispatcher import Dispatcher
from services.notify.inbox.hub import InboxHub
from services.notify.outbox import drain_outbox
from shared.mongo import Database
from shared.notifications import notify_task_queue
from shared.settings import Settings

DRAIN_SECONDS = 0.05


async def _drain(db: Database, activities: NotifyActivities) -> None:
    while True:
        if not await drain_outbox(db=db, activities=activities):
            await asyncio.sleep(DRAIN_SECONDS)


@asynccontextmanager
async def accepting_notifications(
    client: Client, db: Database, task_queue: str, settings: Settings | None = None
) -> AsyncIterator[None]:
    """Accept the events of ticket workflows on `task_queue` until the block ends."""
    idle = Dispatcher(db=db, senders={}, backoff={}, give_up_after={})
    activities = NotifyActivities(
        db=db, hub=InboxHub(), settings=settings or Settings(), dispatcher=idle
    )
    queue = notify_task_queue(task_queue)
    async with Worker(client, task_queue=queue, activities=[activities.accept_notification]):
        drainer = asyncio.create_task(_drain(db, activities))
        try:
            yield
        finally:
            drainer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await drainer
