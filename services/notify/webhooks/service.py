"""Webhook subscriptions (admin-managed), their delivery log, and one delivery attempt.

The notify dispatcher owns `notification_deliveries`: it creates a document per event and
subscription (`channel` "webhook", `target` the subscription id), calls `send_webhook` for
each attempt, and schedules the next with `retry_delay` until `GIVE_UP_AFTER`. The body
and signature scheme receivers rely on is described in `signing.py`."""

import base64
import binascii
import json
import re
import secrets
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from bson import ObjectId
from pymongo import ASCENDING, DESCENDING

from services.notify.deliveries.errors import PermanentDeliveryError, TransientDeliveryError
from services.notify.webhooks.models import (
    ALL_EVENTS,
    EVENTS,
    MAX_URL_LENGTH,
    DeliveryStatus,
    WebhookCreate,
)
from services.notify.webhooks.signing import sign as sign
from services.notify.webhooks.signing import verify as verify
from services.notify.webhooks.signing import webhook_body as webhook_body
from services.notify.webhooks.targets import (
    Resolver,
    TargetRefusedError,
    checked_target,
    literal_refusal,
    system_resolver,
)
from shared import collections
from shared.mongo import Database, Document, update_and_read
from shared.refusals import Invalid, Malformed, NotFound, Refusal

CHANNEL = "webhook"  # `channel` of a webhook's documents in notification_deliveries
# Past this age of its first attempt a delivery is failed for good: the issue asks for
# retries during at least 24 hours, so a receiver down for a whole day still gets it.
GIVE_UP_AFTER = timedelta(hours=25)
FIRST_RETRY = timedelta(seconds=10)
LONGEST_RETRY = timedelta(hours=1)
# A receiver's Retry-After is honoured up to this (a longer one is read as this).
LONGEST_RETRY_AFTER = timedelta(hours=6)
TIMEOUT_SECONDS = 10.0
USER_AGENT = "helpdesk-webhooks/1"
# Statuses that say "not now" rather than "never": timeouts, too early, rate limited.
RETRY_STATUSES = frozenset({408, 425, 429})
MAX_ERROR_CHARS = 300

_HIDDEN = {"secret": 0}  # reads never load the secret; create and rotate return it once
_CONTROL = re.compile(r"[\x00-\x20\x7f]")


class TransientWebhookError(TransientDeliveryError):
    """Retry later; `response_status` is the receiver's answer (None: it did not answer),
    `retry_after` how long it asked us to wait."""

    def __init__(
        self,
        message: str,
        *,
        response_status: int | None = None,
        retry_after: timedelta | None = None,
    ) -> None:
        super().__init__(message, retry_after=retry_after)
        self.response_status = response_status


class PermanentWebhookError(PermanentDeliveryError):
    """Never retry; `response_status` is the receiver's answer (None: not sent)."""

    def __init__(self, message: str, *, response_status: int | None = None) -> None:
        super().__init__(message)
        self.response_status = response_status


# --- validation -------------------------------------------------------------------------


def _url_problem(url: str) -> str | None:
    if len(url) > MAX_URL_LENGTH:
        return f"The URL is longer than {MAX_URL_LENGTH} characters."
    if _CONTROL.search(url):
        return "The URL contains spaces or control characters."
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL):
        return "The URL cannot be parsed."
    if parts.scheme.lower() not in ("http", "https"):
        return "Only http:// and https:// URLs can receive webhooks."
    if not parts.hostname:
        return "The URL names no host."
    if parts.username is not None or parts.password is not None:
        # The URL is shown to every admin; the signature is what authenticates us.
        return "The URL may not carry credentials; receivers check the signature instead."
    return None


def check_url(url: str, *, allow_private: bool = False) -> str:
    """The URL, trimmed; 422 `invalid_url` unless it is an http(s) URL we can POST to, 422
    `webhook_target_not_allowed` for an internal address written as such (a name is
    checked at every delivery, on what it resolves to then)."""
    url = url.strip()
    problem = _url_problem(url)
    if problem is not None:
        raise Invalid("invalid_url", problem, {"url": url[:200]})
    refused = None if allow_private else literal_refusal(urlsplit(url).hostname or "")
    if refused is not None:
        raise Invalid(
            "webhook_target_not_allowed",
            f"Webhooks are not sent to internal addresses: {refused}.",
            {"url": url[:200]},
        )
    return url


def check_events(events: list[str]) -> list[str]:
    """The events without repeats; 422 `invalid_events` for unknown names or a mixed '*'."""
    unique = list(dict.fromkeys(events))
    unknown = [event for event in unique if event not in EVENTS and event != ALL_EVENTS]
    if unknown or not unique:
        raise Invalid(
            "invalid_events",
            "Unknown event name(s).",
            {"unknown": unknown[:20], "allowed": [*EVENTS, ALL_EVENTS]},
        )
    if ALL_EVENTS in unique and len(unique) > 1:
        raise Invalid("invalid_events", "'*' means every event; send it alone.")
    return unique


def not_found(webhook_id: str) -> Refusal:
    return NotFound("webhook_not_found", f"No webhook subscription '{webhook_id}'.")


# --- cursors ----------------------------------------------------------------------------


def _encode_cursor(values: list[str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _bad_cursor() -> Refusal:
    return Malformed("invalid_cursor", "The cursor is not one this API gave out.")


def _decode_cursor(cursor: str, kind: str, size: int) -> list[str]:
    """The strings a cursor of `kind` holds; 400 `invalid_cursor` if we did not give it out."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        # Only plain strings may reach a query: never an operator document.
        if (
            not isinstance(values, list)
            or len(values) != size + 1
            or values[0] != kind
            or not all(isinstance(value, str) for value in values)
        ):
            raise ValueError(cursor)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise _bad_cursor() from exc
    return values[1:]


# --- subscriptions ----------------------------------------------------------------------


async def ensure_indexes(*, db: Database) -> None:
    """Indexes of the subscription lookup per event and of the delivery log (idempotent)."""
    await db[collections.WEBHOOK_SUBSCRIPTIONS].create_index(
        [("events", ASCENDING), ("active", ASCENDING)], name="events_active"
    )
    await db[collections.NOTIFICATION_DELIVERIES].create_index(
        [("channel", ASCENDING), ("target", ASCENDING), ("created_at", DESCENDING)],
        name="webhook_log",
    )


async def subscriptions_for(*, db: Database, event: str) -> list[Document]:
    """The active subscriptions to `event` (by name or by '*'), oldest first."""
    query = {"active": True, "events": {"$in": [str(event), ALL_EVENTS]}}
    found = db[collections.WEBHOOK_SUBSCRIPTIONS].find(query).sort("_id", ASCENDING)
    return [subscription async for subscription in found]


class SubscriptionCache:
    """`subscriptions_for` answers kept for `ttl` seconds: every accepted event asked for
    them. A change made through this process applies at once (`invalidate`), one made
    through another notify process within `ttl`."""

    def __init__(self, *, ttl: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._answers: dict[str, tuple[float, list[Document]]] = {}

    async def for_event(self, *, db: Database, event: str) -> list[Document]:
        now = self._clock()
        kept = self._answers.get(event)
        if kept is None or now - kept[0] >= self._ttl:
            kept = self._answers[event] = (now, await subscriptions_for(db=db, event=event))
        return kept[1]

    def invalidate(self) -> None:
        self._answers.clear()


async def create_subscription(
    *,
    db: Database,
    data: WebhookCreate,
    created_by: str,
    now: datetime,
    allow_private: bool = False,
) -> Document:
    """Store a new subscription with a fresh secret; the document, secret included."""
    document: Document = {
        "_id": str(ObjectId()),
        "url": check_url(data.url, allow_private=allow_private),
        "events": check_events(data.events),
        "secret": secrets.token_urlsafe(32),
        "active": data.active,
        "description": data.description,
        "created_at": now,
        "updated_at": now,
        "created_by": created_by,
    }
    await db[collections.WEBHOOK_SUBSCRIPTIONS].insert_one(document)
    return document


async def list_subscriptions(
    *, db: Database, cursor: str | None, limit: int
) -> tuple[list[Document], str | None]:
    """A page of subscriptions in creation order (without secrets) and the next cursor."""
    query: Document = {}
    if cursor:
        [last_id] = _decode_cursor(cursor, "id", 1)
        query["_id"] = {"$gt": last_id}
    found = db[collections.WEBHOOK_SUBSCRIPTIONS].find(query, _HIDDEN)
    page = [document async for document in found.sort("_id", ASCENDING).limit(limit + 1)]
    if len(page) > limit:
        return page[:limit], _encode_cursor(["id", str(page[limit - 1]["_id"])])
    return page, None


async def get_subscription(*, db: Database, webhook_id: str) -> Document:
    """One subscription without its secret, or 404 `webhook_not_found`."""
    found = await db[collections.WEBHOOK_SUBSCRIPTIONS].find_one({"_id": webhook_id}, _HIDDEN)
    if found is None:
        raise not_found(webhook_id)
    return found


async def update_subscription(
    *,
    db: Database,
    webhook_id: str,
    changes: dict[str, Any],
    now: datetime,
    allow_private: bool = False,
) -> Document:
    """Set the changed fields (url and events checked first); the subscription after."""
    if "url" in changes:
        changes["url"] = check_url(changes["url"], allow_private=allow_private)
    if "events" in changes:
        changes["events"] = check_events(changes["events"])
    updated = await update_and_read(
        db[collections.WEBHOOK_SUBSCRIPTIONS],
        {"_id": webhook_id},
        {"$set": {**changes, "updated_at": now}},
        projection=_HIDDEN,
    )
    if updated is None:
        raise not_found(webhook_id)
    return updated


async def rotate_secret(*, db: Database, webhook_id: str, now: datetime) -> Document:
    """Replace the secret (pending retries are signed with the new one); secret included."""
    updated = await update_and_read(
        db[collections.WEBHOOK_SUBSCRIPTIONS],
        {"_id": webhook_id},
        {"$set": {"secret": secrets.token_urlsafe(32), "updated_at": now}},
    )
    if updated is None:
        raise not_found(webhook_id)
    return updated


async def delete_subscription(*, db: Database, webhook_id: str) -> None:
    """Delete a subscription; its pending deliveries then fail for good at their attempt."""
    result = await db[collections.WEBHOOK_SUBSCRIPTIONS].delete_one({"_id": webhook_id})
    if result.deleted_count == 0:
        raise not_found(webhook_id)


# --- delivery log -----------------------------------------------------------------------


async def list_deliveries(
    *,
    db: Database,
    webhook_id: str,
    status: DeliveryStatus | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Document], str | None]:
    """A page of a subscription's deliveries, newest first, and the next page's cursor."""
    await get_subscription(db=db, webhook_id=webhook_id)
    query: Document = {"channel": CHANNEL, "target": webhook_id}
    if status is not None:
        query["status"] = status.value
    if cursor:
        created, last_id = _decode_cursor(cursor, "log", 2)
        try:
            created_at = datetime.fromisoformat(created)
        except ValueError as exc:
            raise _bad_cursor() from exc
        # Ties on created_at are broken by id, so no delivery is skipped or shown twice.
        query["$or"] = [
            {"created_at": {"$lt": created_at}},
            {"created_at": created_at, "_id": {"$lt": last_id}},
        ]
    found = db[collections.NOTIFICATION_DELIVERIES].find(query)
    order = [("created_at", DESCENDING), ("_id", DESCENDING)]
    page = [document async for document in found.sort(order).limit(limit + 1)]
    if len(page) <= limit:
        return page, None
    last = page[limit - 1]
    return page[:limit], _encode_cursor(["log", last["created_at"].isoformat(), str(last["_id"])])


# --- delivery ---------------------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    """Wait after the `attempts`-th failed attempt: 10 s doubling per attempt, at most 1 h."""
    exponent = min(max(attempts, 1) - 1, 20)  # 2**20 × 10 s is far past the cap already
    return min(FIRST_RETRY * (1 << exponent), LONGEST_RETRY)


def _clip(message: str) -> str:
    return message if len(message) <= MAX_ERROR_CHARS else message[: MAX_ERROR_CHARS - 1] + "…"


async def _start_of(response: httpx.Response) -> str:
    """The first bytes of an error answer, for the log; never the whole (maybe huge) body."""
    start = b""
    try:
        async for chunk in response.aiter_bytes():
            start += chunk
            if len(start) >= 200:
                break
    except httpx.HTTPError:
        pass  # the status says enough
    return " ".join(start[:200].decode("utf-8", errors="replace").split())


def _retry_after(response: httpx.Response, now: datetime) -> timedelta | None:
    """What the receiver's `Retry-After` asks for (seconds or an HTTP date), at most
    LONGEST_RETRY_AFTER; None when it asks for nothing readable."""
    raw = response.headers.get("retry-after", "").strip()
    if raw.isdigit():
        wait = timedelta(seconds=int(raw))
    else:
        try:
            wait = parsedate_to_datetime(raw) - now
        except (TypeError, ValueError):
            return None
    return min(max(wait, timedelta(0)), LONGEST_RETRY_AFTER)


async def send_webhook(
    *,
    http: httpx.AsyncClient,
    db: Database,
    delivery: Document,
    now: datetime,
    allow_private: bool = False,
    resolve: Resolver = system_resolver,
) -> int:
    """One attempt at a delivery: the receiver's 2xx status, or a Transient/Permanent error.
    Internal addresses are refused unless `allow_private` (see `targets.py`)."""
    subscription = await db[collections.WEBHOOK_SUBSCRIPTIONS].find_one(
        {"_id": str(delivery["target"])}
    )
    if subscription is None or subscription.get("active") is not True:
        raise PermanentWebhookError("subscription deleted or inactive")
    body = webhook_body(delivery)
    url = httpx.URL(subscription["url"])
    try:
        target = await checked_target(
            url.host,
            url.port or (443 if url.scheme == "https" else 80),
            allow_private=allow_private,
            resolve=resolve,
        )
    except TargetRefusedError as exc:
        raise PermanentWebhookError(_clip(f"target not allowed: {exc}")) from exc
    except OSError as exc:  # no such name, or the resolver is away: maybe later
        raise TransientWebhookError(_clip(f"cannot resolve {url.host}: {exc}")) from exc
    headers = {
        "Host": url.netloc.decode("ascii"),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Helpdesk-Event": str(delivery["event"]),
        "X-Helpdesk-Delivery": str(delivery["_id"]),
        "X-Helpdesk-Signature": sign(subscription["secret"], body, timestamp=int(now.timestamp())),
    }
    try:
        # Streamed, so an error answer's body is read only as far as the log needs it.
        async with http.stream(
            "POST",
            url.copy_with(host=target.address),  # the address checked, not a new lookup
            content=body,
            headers=headers,
            timeout=TIMEOUT_SECONDS,
            # A redirect could lead the signed event anywhere; the admin updates the URL.
            follow_redirects=False,
            extensions={"sni_hostname": target.host},
        ) as response:
            status = response.status_code
            if 200 <= status < 300:
                return status
            detail = await _start_of(response)
            retry_after = _retry_after(response, now)
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        raise PermanentWebhookError(_clip(f"cannot send to this URL: {exc}")) from exc
    except httpx.TransportError as exc:
        # Refused, reset, timed out: the receiver may be back later.
        raise TransientWebhookError(_clip(f"{type(exc).__name__}: {exc}".rstrip(": "))) from exc
    message = _clip(f"HTTP {status}: {detail}" if detail else f"HTTP {status}")
    if status in RETRY_STATUSES or status >= 500:
        raise TransientWebhookError(message, response_status=status, retry_after=retry_after)
    if 300 <= status < 400:
        message = _clip(f"HTTP {status} redirect not followed; update the subscription's URL")
    raise PermanentWebhookError(message, response_status=status)
