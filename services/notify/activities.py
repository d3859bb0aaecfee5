"""The activity the ticket workflow hands its events to, run by notify's own worker on the
notify task queue: Temporal keeps the hand-over while notify is down."""

from temporalio import activity

from services.notify.deliveries import service
from services.notify.deliveries.dispatcher import Dispatcher
from services.notify.inbox.hub import InboxHub
from shared.clock import utcnow
from shared.mongo import Database
from shared.notifications import ACCEPT_NOTIFICATION, Notification
from shared.settings import Settings


class NotifyActivities:
    def __init__(
        self, *, db: Database, hub: InboxHub, settings: Settings, dispatcher: Dispatcher
    ) -> None:
        self._db = db
        self._hub = hub
        self._settings = settings
        self._dispatcher = dispatcher

    @activity.defn(name=ACCEPT_NOTIFICATION)
    async def accept_notification(self, notification: Notification) -> int:
        """Record the event's inbox items and deliveries (idempotent); how many were new."""
        added = await service.accept(
            db=self._db,
            hub=self._hub,
            settings=self._settings,
            notification=notification,
            now=utcnow(),
        )
        self._dispatcher.submit(added)
        return len(added)
