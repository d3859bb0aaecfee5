"""Deflection events are buffered and written in batches by one task, so a search costs no
database write of its own: on SecantusDB a write per search queued up behind the searches
and doubled their latency. A crash loses at most the last interval's events, which only
skews a statistic (the writes were unjournaled before, with the same risk)."""

import asyncio
import contextlib
import logging
from typing import Any

from pymongo.errors import BulkWriteError

from services.knowledge.deflection.service import event_document
from shared import collections
from shared.mongo import ACKNOWLEDGED, Database, Document

log = logging.getLogger("helpdesk.knowledge.deflection")

DUPLICATE_KEY = 11000
FLUSH_INTERVAL_SECONDS = 1.0
# Beyond this many unwritten events (MongoDB away for long), the oldest are dropped.
MAX_BUFFERED = 50_000


class EventRecorder:
    def __init__(self, db: Database) -> None:
        self._events = db[collections.KNOWLEDGE_EVENTS].with_options(write_concern=ACKNOWLEDGED)
        self._buffer: list[Document] = []
        self._lock = asyncio.Lock()

    def record(self, **fields: Any) -> None:
        """Keep one event (`event_document`'s fields) for the next batch."""
        self._buffer.append(event_document(**fields))
        if len(self._buffer) > MAX_BUFFERED:
            del self._buffer[: len(self._buffer) - MAX_BUFFERED]

    async def flush(self) -> None:
        """Write what is buffered (kept for the next try if MongoDB does not answer)."""
        async with self._lock:
            batch, self._buffer = self._buffer, []
            if not batch:
                return
            try:
                await self._events.insert_many(batch, ordered=False)
            except BulkWriteError as exc:
                errors = exc.details.get("writeErrors", [])
                if any(error.get("code") != DUPLICATE_KEY for error in errors):
                    self._buffer[:0] = batch  # the ones written already are skipped next time
                    raise
            except Exception:
                self._buffer[:0] = batch
                raise

    async def run(self, stop: asyncio.Event) -> None:
        """Flush every interval until `stop` is set, then once more."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), FLUSH_INTERVAL_SECONDS)
            try:
                await self.flush()
            except Exception as exc:
                log.warning("deflection events not written yet, will retry: %s", exc)
