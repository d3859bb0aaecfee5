"""The dispatcher: sends due deliveries with a few concurrent senders, retries with backoff,
and takes over a delivery whose sender died mid-attempt once its lease runs out.

Sending is at least once by construction (an SMTP server can accept a message just before
the process dies); the window is the time between the server's answer and the journaled
"sent" mark, and a resent e-mail keeps its Message-ID, so mail clients show it once."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from services.notify.deliveries import service
from services.notify.deliveries.errors import PermanentDeliveryError, TransientDeliveryError
from services.notify.deliveries.service import Channel
from shared.clock import utcnow
from shared.mongo import Database, Document
from shared.waiting import first_of

log = logging.getLogger("helpdesk.notify.dispatcher")

# What sending a delivery takes: the channel's sender; a status code or None.
Sender = Callable[[Document], Awaitable[int | None]]
# When to try again after `attempts` failed attempts.
Backoff = Callable[[int], timedelta]

LEASE = timedelta(seconds=60)
IDLE_POLL_SECONDS = 1.0


def email_backoff(attempts: int) -> timedelta:
    """5 s, doubling, at most 10 minutes apart."""
    return min(timedelta(seconds=5 * 2 ** max(attempts - 1, 0)), timedelta(minutes=10))


class Dispatcher:
    def __init__(
        self,
        *,
        db: Database,
        senders: dict[Channel, Sender],
        backoff: dict[Channel, Backoff],
        give_up_after: dict[Channel, timedelta],
        concurrency: int = 8,
    ) -> None:
        self._db = db
        self._senders = senders
        self._backoff = backoff
        self._give_up_after = give_up_after
        self._concurrency = concurrency
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Something new is due: stop waiting for the next poll."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Send until `stop` is set."""
        async with asyncio.TaskGroup() as senders:
            for _ in range(self._concurrency):
                senders.create_task(self._sender_loop(stop))

    async def _sender_loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                delivery = await service.claim_due(db=self._db, now=utcnow(), lease=LEASE)
            except Exception:
                log.exception("could not claim a delivery; retrying")
                delivery = None
            if delivery is None:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(IDLE_POLL_SECONDS):
                        await first_of(stop, self._wake)
                continue
            await self.attempt(delivery)

    async def attempt(self, delivery: Document) -> None:
        """One attempt at one claimed delivery, its outcome recorded."""
        channel = Channel(delivery["channel"])
        try:
            status = await self._senders[channel](delivery)
        except PermanentDeliveryError as exc:
            await service.mark_failed(
                db=self._db,
                delivery=delivery,
                error=str(exc),
                retry_at=None,
                response_status=getattr(exc, "response_status", None),
            )
        except (TransientDeliveryError, Exception) as exc:
            if not isinstance(exc, TransientDeliveryError):
                log.exception("delivery %s failed unexpectedly", delivery["_id"])
            await service.mark_failed(
                db=self._db,
                delivery=delivery,
                error=str(exc) or type(exc).__name__,
                retry_at=self._retry_at(channel, delivery, utcnow()),
                response_status=getattr(exc, "response_status", None),
            )
        else:
            await service.mark_sent(
                db=self._db, delivery=delivery, now=utcnow(), response_status=status
            )

    def _retry_at(self, channel: Channel, delivery: Document, now: datetime) -> datetime | None:
        first = delivery.get("first_attempt_at") or now
        if now - first >= self._give_up_after[channel]:
            return None
        return now + self._backoff[channel](int(delivery.get("attempts", 1)))
