"""Changed tickets for the live lists (A1, K2): each intake process reads the tickets changed
since it last looked, by the `updated_at` index, twice a second while anyone listens, and
hands them to its listeners. Every process reads MongoDB itself, so a change made through
any process (the worker's projection included) reaches every listener of every process.

A write can be stored a moment after a newer one (its time was taken before), so each read
looks back SLACK from the newest change seen and skips what it sent already."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta

from pymongo import ASCENDING

from shared import collections
from shared.clock import utcnow
from shared.mongo import Database, Document

log = logging.getLogger("helpdesk.intake.feed")

POLL_SECONDS = 0.5
SLACK = timedelta(seconds=5)
BATCH = 1000
QUEUE_SIZE = 1000


class TicketFeed:
    def __init__(self, db: Database, *, poll_seconds: float = POLL_SECONDS) -> None:
        self._db = db
        self._poll_seconds = poll_seconds
        self._listeners: set[asyncio.Queue[Document | None]] = set()
        self._listening = asyncio.Event()
        self._newest: datetime | None = None
        self._sent: dict[str, datetime] = {}  # ticket id -> updated_at, within SLACK

    @contextlib.contextmanager
    def listen(self) -> Iterator[asyncio.Queue[Document | None]]:
        """A queue of changed ticket documents (None: some were dropped, reload)."""
        queue: asyncio.Queue[Document | None] = asyncio.Queue(QUEUE_SIZE)
        self._listeners.add(queue)
        self._listening.set()
        try:
            yield queue
        finally:
            self._listeners.discard(queue)
            if not self._listeners:
                self._listening.clear()

    async def run(self, stop: asyncio.Event) -> None:
        """Read and hand out changes until `stop`; idle while no one listens."""
        while not stop.is_set():
            if not self._listeners:
                self._newest = None  # nothing to catch up on when someone comes back
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._listening.wait(), 1.0)
                continue
            try:
                await self._read_once()
            except Exception as exc:  # a MongoDB outage: listeners wait, the loop goes on
                log.warning("ticket feed read failed, will retry: %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._poll_seconds)

    async def _read_once(self) -> None:
        if self._newest is None:
            # From now on (a stream replays what came before it from its Last-Event-ID).
            self._newest = utcnow()
        changed = [
            document
            async for document in changed_since(self._db, self._newest - SLACK, limit=BATCH)
        ]
        for document in changed:
            updated_at = document["updated_at"]
            if self._sent.get(document["_id"]) == updated_at:
                continue
            self._sent[document["_id"]] = updated_at
            self._newest = max(self._newest, updated_at)
            self._publish(document)
        horizon = self._newest - SLACK
        self._sent = {key: at for key, at in self._sent.items() if at >= horizon}

    def _publish(self, document: Document) -> None:
        for queue in self._listeners:
            try:
                queue.put_nowait(document)
            except asyncio.QueueFull:  # a stream too slow to keep up reloads instead
                with contextlib.suppress(asyncio.QueueEmpty):
                    while True:
                        queue.get_nowait()
                queue.put_nowait(None)


async def changed_since(db: Database, since: datetime, *, limit: int) -> AsyncIterator[Document]:
    """Tickets changed at or after `since`, oldest change first."""
    cursor = (
        db[collections.TICKETS]
        .find({"updated_at": {"$gte": since}})
        .sort("updated_at", ASCENDING)
        .limit(limit)
    )
    async for document in cursor:
        yield document
