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
        self.ensure_available(key, now=now)
        self.spend(key, now=now)

    def ensure_available(self, key: str, *, now: float | None = None) -> None:
        """Raise 429 `rate_limited` if `key` has no token left; take none (a budget of
        failures is checked before the attempt and spent only when it fails)."""
        tokens = self._tokens(key, time.monotonic() if now is None else now)
        if tokens < 1:
            wait = math.ceil((1 - tokens) / self._rate) if self._rate > 0 else 60
            raise ApiError(
                429,
                "rate_limited",
                "Too many requests; slow down and retry later.",
                {"retry_after_seconds": wait},
                headers={"Retry-After": str(wait)},
            )

    def spend(self, key: str, *, now: float | None = None) -> None:
        """Take one token for `key` (down to none)."""
        now = time.monotonic() if now is None else now
        tokens = self._tokens(key, now)
        self._buckets[key] = (tokens - 1 if tokens >= 1 else tokens, now)
        while len(self._buckets) > MAX_TRACKED_CALLERS:
            self._buckets.popitem(last=False)

    def _tokens(self, key: str, now: float) -> float:
        tokens, last = self._buckets.pop(key, (self._burst, now))
        tokens = min(self._burst, tokens + (now - last) * self._rate)
        self._buckets[key] = (tokens, now)  # most recently seen last
        return tokens
