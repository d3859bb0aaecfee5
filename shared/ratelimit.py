"""Per-caller rate limits (429 with Retry-After): token buckets held by each intake process."""

import math
import time
from collections import OrderedDict

from shared.errors import ApiError

# Buckets of callers not seen for a while are dropped; this bounds the memory they take.
MAX_TRACKED_CALLERS = 100_000


class RateLimiter:
    """`rate` requests per second on average, bursts of up to `burst`, per key."""

    def __init__(self, *, rate: float, burst: int) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def check(self, key: str, *, now: float | None = None) -> None:
        """Take one token for `key`, or raise 429 `rate_limited` saying when to retry."""
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.pop(key, (self._burst, now))
        tokens = min(self._burst, tokens + (now - last) * self._rate)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            wait = math.ceil((1 - tokens) / self._rate) if self._rate > 0 else 60
            raise ApiError(
                429,
                "rate_limited",
                "Too many requests; slow down and retry later.",
                {"retry_after_seconds": wait},
                headers={"Retry-After": str(wait)},
            )
        self._buckets[key] = (tokens - 1, now)
        while len(self._buckets) > MAX_TRACKED_CALLERS:
            self._buckets.popitem(last=False)
