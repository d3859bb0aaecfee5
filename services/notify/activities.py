"""The activities the ticket workflow hands its events to, run by notify's own worker on the
notify task queue: Temporal keeps the hand-over while notify is down."""

from collections.abc import Callable
from typing import Any

from temporalio import activity

from services.notify.deliveries import service
from services.notify.deliveries.dispatcher import LEASE, Dispatcher
from services.notify.inbox.hub import InboxHub
from services.notify.webhooks.service import SubscriptionCache
from shared.clock import utcnow
from shared.mongo import Database
from shared.notifications import (
    ACCEPT_NOTIFICATION,
    ACCEPT_NOTIFICATIONS,
    Notification,
    NotificationBatch,
)
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

    @activity.defn(name=ACCEPT_NOTIFICATIONS)
    async def accept_notifications(self, batch: NotificationBatch) -> int:
        """The events of one step of a ticket."""
        return await self.accept(batch.notifications)

    @activity.defn(name=ACCEPT_NOTIFICATION)
    async def accept_notification(self, notification: Notification) -> int:
        """One event (from tickets started before steps were batched)."""
        return await self.accept([notification])

    def all(self) -> list[Callable[..., Any]]:
        return [self.accept_notifications, self.accept_notification]
