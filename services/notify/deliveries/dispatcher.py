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
from shared.db_commands import step_context
from shared.mongo import Database, Document

log = logging.getLogger("helpdesk.notify.dispatcher")

# What sending a delivery takes: the channel's sender; a status code or None.
Sender = Callable[[Document], Awaitable[int | None]]
# When to try again after `attempts` failed attempts.
Backoff = Callable[[int], timedelta]

LEASE = timedelta(seconds=60)
SWEEP_SECONDS = 1.0
SWEEP_BATCH = 100
# Even under a backlog that never drains, retries and expired leases are looked for this
# often (the sweep is a scan, so it otherwise waits until the senders run short of work).
LONGEST_SWEEP_GAP = timedelta(seconds=30)


def email_backoff(attempts: int) -> timedelta:
    """5 s, doubling, at most 10 minutes apart."""
    return min(timedelta(seconds=5 * 2 ** max(attempts - 1, 0)), timedelta(minutes=10))


class Dispatcher:
    """New deliveries arrive in memory (`submit`) and are sent by `concurrency` senders; one
    sweeper finds in the store what memory cannot know: retries that have come due, leases
    run out, deliveries left by a previous process."""

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
        self._ready: asyncio.Queue[Document] = asyncio.Queue()
        self._queued: set[str] = set()

    def submit(self, deliveries: list[Document], *, claimed: bool = False) -> None:
        """Deliveries just stored (`claimed`: by this process, for their first attempt):
        send them without looking for them in the store."""
        for delivery in deliveries:
            if claimed:
                delivery = {**delivery, "claimed_here": True}
            if delivery["_id"] not in self._queued:
                self._queued.add(delivery["_id"])
                self._ready.put_nowait(delivery)

    async def run(self, stop: asyncio.Event) -> None:
        """Send until `stop` is set."""
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(self._sweep_loop(stop), context=step_context("dispatcher sweep"))
            for _ in range(self._concurrency):
                tasks.create_task(self._sender_loop(stop), context=step_context("dispatcher send"))

    async def _sweep_loop(self, stop: asyncio.Event) -> None:
        last_sweep = utcnow() - LONGEST_SWEEP_GAP
        while not stop.is_set():
            now = utcnow()
            if self._ready.qsize() < self._concurrency or now - last_sweep >= LONGEST_SWEEP_GAP:
                last_sweep = now
                try:
                    self.submit(
                        await service.due_deliveries(db=self._db, now=now, limit=SWEEP_BATCH)
                    )
                except Exception:
                    log.exception("could not look for due deliveries; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), SWEEP_SECONDS)

    async def _sender_loop(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                async with asyncio.timeout(SWEEP_SECONDS):
                    delivery = await self._ready.get()
            except TimeoutError:
                continue
            self._queued.discard(delivery["_id"])
            try:
                claimed = await self._claimed(delivery)
            except Exception:
                log.exception("could not claim delivery %s; the sweep will retry", delivery["_id"])
                continue
            if claimed is not None:  # else another sender or process has it
                await self.attempt(claimed)

    async def _claimed(self, delivery: Document) -> Document | None:
        """The delivery, ours for one attempt: one this process stored claimed and whose
        lease has time left goes as it is, any other is claimed in the store first."""
        now = utcnow()
        lease_until = delivery.get("lease_until")
        if (
            delivery.get("status") == service.DeliveryStatus.SENDING.value
            and delivery.get("claimed_here")
            and lease_until is not None
            and lease_until - now > LEASE / 2
        ):
            return delivery
        return await service.claim(db=self._db, delivery=delivery, now=now, lease=LEASE)

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
                retry_at=self._retry_at(
                    channel, delivery, utcnow(), asked=getattr(exc, "retry_after", None)
                ),
                response_status=getattr(exc, "response_status", None),
            )
        else:
            await service.mark_sent(
                db=self._db, delivery=delivery, now=utcnow(), response_status=status
            )

    def _retry_at(
        self, channel: Channel, delivery: Document, now: datetime, *, asked: timedelta | None
    ) -> datetime | None:
        """The next attempt: after the backoff, or later when the receiver asked for a
        longer pause (Retry-After); None once past giving up."""
        first = delivery.get("first_attempt_at") or now
        if now - first >= self._give_up_after[channel]:
            return None
        wait = self._backoff[channel](int(delivery.get("attempts", 1)))
        return now + max(wait, asked or timedelta(0))
