"""What a webhook receiver gets, and how it checks that the help desk sent it.

Every delivery is one `POST` to the subscription's URL with a compact UTF-8 JSON body

    {"data": {...}, "event": "resolved", "id": "<delivery id>",
     "occurred_at": "2025-01-31T08:00:00.000Z", "ticket_id": "..."}

and these headers:

- `X-Helpdesk-Event`: the event name (SPEC J2), as in the body;
- `X-Helpdesk-Delivery`: the delivery id, as in the body. A retry sends the same id and
  the same bytes: receivers dedupe on it, since a delivery whose answer got lost is sent
  again;
- `X-Helpdesk-Timestamp`: unix seconds of this attempt;
- `X-Helpdesk-Signature`: `sha256=` followed by the lowercase hex HMAC-SHA256 of the raw
  body, keyed with the subscription's secret (its UTF-8 bytes).

A receiver recomputes the HMAC over the bytes it received (before parsing them) and
compares in constant time, e.g. with `verify(secret, body, signature)` below.
"""

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

from shared.mongo import Document

SIGNATURE_PREFIX = "sha256="


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


def sign(secret: str, body: bytes) -> str:
    """The `X-Helpdesk-Signature` of `body`: "sha256=" + hex HMAC-SHA256 keyed by `secret`."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def verify(secret: str, body: bytes, signature: str) -> bool:
    """Whether `signature` is `sign(secret, body)`, compared in constant time."""
    expected = sign(secret, body).encode("ascii")
    # Compared as bytes: compare_digest refuses str with non-ASCII characters.
    return hmac.compare_digest(expected, signature.encode("utf-8", errors="replace"))
