"""How ticket events reach notify: the outbox drain (tickets' steps put their events there)
and, for tickets started between patches `ticket-notify-service-v1` and `ticket-steps-v1`,
the activity they hand each event to, run by notify's worker on the notify task queue."""

from temporalio import activity

from services.notify.deliveries import service
from services.notify.deliveries.dispatcher import LEASE, Dispatcher
from services.notify.inbox.hub import InboxHub
from services.notify.webhooks.service import SubscriptionCache
from shared.clock import utcnow
from shared.mongo import Database
from shared.notifications import ACCEPT_NOTIFICATION, Notification
from shared.settings import Settings


class NotifyActivities:
    def __init__(
        self,
        *,
        db: Database,
        hub: InboxHub,
        settings: Settings,
        dispatcher: Dispatcher,
        subscriptions: SubscriptionCache | None = None,
    ) -> None:
        self._db = db
        self._hub = hub
        self._settings = settings
        self._dispatcher = dispatcher
        self._subscriptions = subscriptions or SubscriptionCache()

    async def accept(self, notifications: list[Notification]) -> int:
        """Record the events' inbox items and deliveries (idempotent) and send the new
        deliveries; how many there were."""
        added = await service.accept(
            db=self._db,
            hub=self._hub,
            settings=self._settings,
            notifications=notifications,
            now=utcnow(),
            subscriptions=self._subscriptions,
            lease=LEASE,
        )
        self._dispatcher.submit(added, claimed=True)
        return len(added)

    @activity.defn(name=ACCEPT_NOTIFICATION)
    async def accept_notification(self, notification: Notification) -> int:
        """One event of a ticket started before its steps went through the outbox."""
        return await self.accept([notification])
