"""Rate limits shared by every process (429 with Retry-After): counters in MongoDB.

A limit is `limit` events per `window` seconds per key, counted in fixed windows aligned to
the epoch, so every intake and knowledge process, however many run, counts against the same
budget and a restart forgets nothing. One counter is one document written by `_id` with
`$inc` (atomic); a TTL index removes it once its window has passed.

The counters are written without waiting for the journal: a counter lost to a crash only
forgives a few requests, and a journaled write per request would cost far more. When
MongoDB does not answer within `MONGO_PATIENCE`, the limit lets the request through (it
fails open): search must keep answering while MongoDB is away, and anything that needs
MongoDB fails on its own.
"""

import logging
import math
import time
from datetime import UTC, datetime, timedelta

import pymongo
from pymongo import ReturnDocument
from pymongo.errors import PyMongoError
from pymongo.write_concern import WriteConcern

from shared import collections
from shared.errors import ApiError
from shared.mongo import Database

log = logging.getLogger("helpdesk.ratelimit")

MONGO_PATIENCE = 1.0  # seconds


async def ensure_indexes(db: Database) -> None:
    """Counters are removed once their window has passed (MongoDB's TTL monitor runs once
    a minute)."""
    await db[collections.RATE_LIMITS].create_index(
        [("expires_at", pymongo.ASCENDING)], expireAfterSeconds=0
    )


class RateLimit:
    """`limit` events per `window` seconds for each key, in the counters named `name`."""

    def __init__(self, db: Database, *, name: str, limit: int, window: float) -> None:
        self._counters = db.get_collection(
            collections.RATE_LIMITS, write_concern=WriteConcern(w=1, j=False)
        )
        self._name = name
        self._limit = limit
        self._window = window

    @classmethod
    def per_second(cls, db: Database, *, name: str, rate: float, burst: int) -> "RateLimit":
        """`rate` a second on average and at most `burst` at once: `burst` per window of
        `burst / rate` seconds."""
        return cls(db, name=name, limit=burst, window=burst / rate if rate > 0 else 60.0)

    async def check(self, key: str, *, now: float | None = None) -> None:
        """Count one event for `key`; 429 `rate_limited` once the window's budget is spent."""
        now = time.time() if now is None else now
        counter = await self._counter(key, now, spend=True)
        if counter is not None and counter > self._limit:
            raise self._refusal(now)

    async def ensure_available(self, key: str, *, now: float | None = None) -> None:
        """429 `rate_limited` if `key` has spent this window's budget; count nothing (a
        budget of failures is checked before the attempt and spent only when it fails)."""
        now = time.time() if now is None else now
        counter = await self._counter(key, now, spend=False)
        if counter is not None and counter >= self._limit:
            raise self._refusal(now)

    async def spend(self, key: str, *, now: float | None = None) -> None:
        """Count one event for `key`."""
        await self._counter(key, time.time() if now is None else now, spend=True)

    async def _counter(self, key: str, now: float, *, spend: bool) -> int | None:
        """This window's count for `key` (after counting one when `spend`), or None when
        MongoDB did not answer in time."""
        window = math.floor(now / self._window)
        counter_id = f"{self._name}:{window}:{key}"
        try:
            with pymongo.timeout(MONGO_PATIENCE):
                if spend:
                    ends = datetime.fromtimestamp((window + 1) * self._window, UTC)
                    document = await self._counters.find_one_and_update(
                        {"_id": counter_id},
                        {
                            "$inc": {"count": 1},
                            "$setOnInsert": {"expires_at": ends + timedelta(seconds=1)},
                        },
                        upsert=True,
                        return_document=ReturnDocument.AFTER,
                    )
                else:
                    document = await self._counters.find_one({"_id": counter_id})
        except PyMongoError as exc:
            log.warning("rate limit %s not counted (%s); letting the request through", key, exc)
            return None
        return int(document["count"]) if document else 0

    def _refusal(self, now: float) -> ApiError:
        ends = (math.floor(now / self._window) + 1) * self._window
        wait = max(1, math.ceil(ends - now))
        return ApiError(
            429,
            "rate_limited",
            "Too many requests; slow down and retry later.",
            {"retry_after_seconds": wait},
            headers={"Retry-After": str(wait)},
        )
