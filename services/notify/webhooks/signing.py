"""What a webhook receiver gets, and how it checks that the help desk sent it, just now.

Every delivery is one `POST` to the subscription's URL with a compact UTF-8 JSON body

    {"data": {...}, "event": "resolved", "id": "<delivery id>",
     "occurred_at": "2025-01-31T08:00:00.000Z", "ticket_id": "..."}

and these headers:

- `X-Helpdesk-Event`: the event name (SPEC J2), as in the body;
- `X-Helpdesk-Delivery`: the delivery id, as in the body. A retry sends the same id and
  the same body: receivers dedupe on it, since a delivery whose answer got lost is sent
  again;
- `X-Helpdesk-Signature`: `t=<unix seconds of this attempt>,v1=<lowercase hex HMAC-SHA256>`,
  the HMAC keyed with the subscription's secret (its UTF-8 bytes) over the timestamp, a
  full stop and the raw body: `<t>.<body>`. While a secret is being rotated, more `v1=`
  values may follow; any one that matches will do.

A receiver checks both halves, before it parses the body:

1. recompute the HMAC over `<t>.` and the bytes it received, and compare it in constant
   time with each `v1` value;
2. refuse a `t` more than `TOLERANCE_SECONDS` (5 minutes) from its own clock, so a
   captured delivery cannot be sent to it again later.

`verify(secret, body, header)` below does both. (A retry is a new attempt: new `t`, new
signature, same body.)
"""

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from typing import Any

from shared.mongo import Document

TOLERANCE_SECONDS = 300


def _utc_iso(at: datetime) -> str:
    """ISO 8601 in UTC with `Z`, at millisecond precision (what MongoDB keeps)."""
    # A naive datetime can only come from a client without tz_aware; ours store UTC.
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _json_value(value: Any) -> Any:
    """Values json cannot write itself (datetimes, ObjectIds) inside an event's data."""
    if isinstance(value, datetime):
        return _utc_iso(value)
    return str(value)


def webhook_body(delivery: Document) -> bytes:
    """The JSON body POSTed for a delivery document: the same bytes on every attempt."""
    body = {
        "id": str(delivery["_id"]),
        "event": delivery["event"],
        "ticket_id": delivery.get("ticket_id"),
        "occurred_at": _utc_iso(delivery["at"]),
        "data": delivery.get("payload") or {},
    }
    # Sorted keys: the bytes do not depend on the order a document's fields were read in.
    text = json.dumps(
        body, ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=_json_value
    )
    return text.encode("utf-8")


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, *, timestamp: int) -> str:
    """The `X-Helpdesk-Signature` of `body` sent at `timestamp` (unix seconds)."""
    return f"t={timestamp},v1={_digest(secret, timestamp, body)}"


def verify(
    secret: str,
    body: bytes,
    header: str,
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """Whether `header` signs `body` with `secret` at a time within `tolerance` seconds of
    `now` (the receiver's clock); compared in constant time."""
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not signatures:
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = _digest(secret, timestamp, body).encode("ascii")
    # Compared as bytes: compare_digest refuses str with non-ASCII characters.
    return any(
        hmac.compare_digest(expected, given.encode("utf-8", errors="replace"))
        for given in signatures
    )
