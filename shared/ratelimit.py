"""Rate limits shared by every process (429 with Retry-After): counters in MongoDB.

A limit is `limit` events per `window` seconds per key, every intake and knowledge process
counting against the same budget, and a restart forgets nothing. Counted as a sliding
window: the count of the current fixed window plus the previous window's count weighted by
how much of it the sliding window still covers (as Cloudflare's rate limiter does), so a
burst that straddles two windows is counted whole; the weighted share is rounded up, so it
never lets one more through. A counter is one document written by `_id` with `$inc`
(atomic); a TTL index removes it once the window after it has passed. The previous
window's count cannot change any more, so each process reads it once per key and window:
a request costs an upsert and a read by `_id`.

The counters are written without waiting for the journal: a counter lost to a crash only
forgives a few requests, and a journaled write per request would cost far more. When
MongoDB does not answer within `MONGO_PATIENCE`, the limit lets the request through (it
fails open): search must keep answering while MongoDB is away, and anything that needs
MongoDB fails on its own.
"""

import logging
import math
import time
from collections import OrderedDict
from datetime import UTC, datetime

import pymongo
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


# Previous windows' counts kept per process; bounds the memory they take.
MAX_REMEMBERED = 100_000


class RateLimit:
    """`limit` events per `window` seconds for each key, in the counters named `name`."""

    def __init__(self, db: Database, *, name: str, limit: int, window: float) -> None:
        self._counters = db.get_collection(
            collections.RATE_LIMITS, write_concern=WriteConcern(w=1, j=False)
        )
        self._name = name
        self._limit = limit
        self._window = window
        self._previous: OrderedDict[str, int] = OrderedDict()

    @classmethod
    def per_second(cls, db: Database, *, name: str, rate: float, burst: int) -> "RateLimit":
        """`rate` a second on average and at most `burst` at once: `burst` per window of
        `burst / rate` seconds."""
        return cls(db, name=name, limit=burst, window=burst / rate if rate > 0 else 60.0)

    async def check(self, key: str, *, now: float | None = None) -> None:
        """Count one event for `key`; 429 `rate_limited` once the budget is spent."""
        now = time.time() if now is None else now
        try:
            current = await self._count(key, now, spend=True)
            previous = await self._previous_count(key, now)
        except PyMongoError as exc:
            log.warning("rate limit %s not counted (%s); letting it through", self._name, exc)
            return
        if self._estimate(previous, current, now) > self._limit:
            raise self._refusal(previous, current, now)

    async def ensure_available(self, key: str, *, now: float | None = None) -> None:
        """429 `rate_limited` if `key` has spent its budget; count nothing (a budget of
        failures is checked before the attempt and spent only when it fails)."""
        now = time.time() if now is None else now
        try:
            current = await self._count(key, now, spend=False)
            previous = await self._previous_count(key, now)
        except PyMongoError as exc:
            log.warning("rate limit %s not read (%s); letting it through", self._name, exc)
            return
        if self._estimate(previous, current, now) >= self._limit:
            raise self._refusal(previous, current + 1, now)

    async def spend(self, key: str, *, now: float | None = None) -> None:
        """Count one event for `key`."""
        try:
            await self._count(key, time.time() if now is None else now, spend=True)
        except PyMongoError as exc:
            log.warning("rate limit %s not counted (%s)", self._name, exc)

    def _estimate(self, previous: int, current: int, now: float) -> int:
        covered = 1 - (now / self._window - math.floor(now / self._window))
        return math.ceil(previous * covered - 1e-9) + current

    def _counter_id(self, key: str, window: int) -> str:
        return f"{self._name}:{window}:{key}"

    async def _count(self, key: str, now: float, *, spend: bool) -> int:
        """The current window's count for `key`, after counting one when `spend`."""
        window = math.floor(now / self._window)
        counter_id = self._counter_id(key, window)
        with pymongo.timeout(MONGO_PATIENCE):
            if spend:
                # Kept through the next window, which reads it as its previous one.
                expires = datetime.fromtimestamp((window + 2) * self._window + 1, UTC)
                # An upsert and a read by `_id`, not find_one_and_update: SecantusDB runs
                # every findAndModify as a scan of the collection (shared.mongo). What is
                # read back may count a concurrent request too, erring on the safe side.
                await self._counters.update_one(
                    {"_id": counter_id},
                    {"$inc": {"count": 1}, "$setOnInsert": {"expires_at": expires}},
                    upsert=True,
                )
            document = await self._counters.find_one({"_id": counter_id})
        return int(document["count"]) if document else 0

    async def _previous_count(self, key: str, now: float) -> int:
        counter_id = self._counter_id(key, math.floor(now / self._window) - 1)
        if counter_id in self._previous:
            self._previous.move_to_end(counter_id)
            return self._previous[counter_id]
        with pymongo.timeout(MONGO_PATIENCE):
            document = await self._counters.find_one({"_id": counter_id})
        count = int(document["count"]) if document else 0
        self._previous[counter_id] = count
        while len(self._previous) > MAX_REMEMBERED:
            self._previous.popitem(last=False)
        return count

    def _refusal(self, previous: int, current: int, now: float) -> ApiError:
        wait = max(1, math.ceil(self._seconds_until_below_limit(previous, current, now)))
        return ApiError(
            429,
            "rate_limited",
            "Too many requests; slow down and retry later.",
            {"retry_after_seconds": wait},
            headers={"Retry-After": str(wait)},
        )

    def _seconds_until_below_limit(self, previous: int, current: int, now: float) -> float:
        """When, with nothing more counted, the estimate falls below the limit again."""
        into = now / self._window - math.floor(now / self._window)
        if current < self._limit and previous > 0:
            # previous * (1 - f) + current < limit, f the share of this window passed
            return max(0.0, (1 - (self._limit - current) / previous) - into) * self._window
        # into the next window, this one's count is the weighted previous one
        rest = (1 - into) * self._window
        return rest + max(0.0, 1 - self._limit / max(current, 1)) * self._window
