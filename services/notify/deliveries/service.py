"""Notification deliveries: one document per recipient and channel, written when notify
accepts an event, then sent (and retried) by the dispatcher.

A delivery's id is derived from the event's key, the channel and the recipient, so accepting
the same event again (a retried activity, a drained outbox) adds nothing."""

import contextlib
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pymongo import ASCENDING
from pymongo.errors import BulkWriteError, DuplicateKeyError

from services.notify.email.render import language_of, render
from services.notify.inbox.hub import InboxHub
from services.notify.inbox.service import add_item
from services.notify.preferences.service import muted_channels
from services.notify.recipients import recipients, ticket_payload
from services.notify.webhooks.service import subscriptions_for
from shared import collections
from shared.mongo import Database, Document
from shared.notifications import Notification
from shared.settings import Settings

DUPLICATE_KEY = 11000
MAX_QUOTED_CHARACTERS = 4000


class Channel(StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"
    INAPP = "inapp"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


async def ensure_indexes(*, db: Database) -> None:
    deliveries = db[collections.NOTIFICATION_DELIVERIES]
    await deliveries.create_index(
        [("status", ASCENDING), ("next_attempt_at", ASCENDING)], name="due"
    )
    await deliveries.create_index([("notification_key", ASCENDING)], name="notification")
    await db[collections.NOTIFICATIONS].create_index(
        [("ticket_id", ASCENDING), ("at", ASCENDING)], name="ticket_at"
    )


def delivery_id(key: str, channel: Channel, target: str) -> str:
    return f"{key}|{channel.value}|{target}"


async def accept(
    *, db: Database, hub: InboxHub, settings: Settings, notification: Notification, now: datetime
) -> list[Document]:
    """Turn one event into inbox items and pending deliveries; the deliveries that are new."""
    await _record(db, notification, now)
    ticket = await db[collections.TICKETS].find_one({"_id": notification.ticket_id})
    if ticket is None:
        return []
    payload = ticket_payload(ticket, notification.data)
    if notification.event == "replied" and (message_id := notification.data.get("message_id")):
        # A public reply travels in the notification itself, as people expect of e-mail.
        message = await db[collections.TICKET_MESSAGES].find_one(
            {"_id": str(message_id), "visibility": "public"}, projection={"body": 1}
        )
        if message is not None:
            payload["message"] = str(message["body"])[:MAX_QUOTED_CHARACTERS]
    event, key = notification.event, notification.key
    common: dict[str, Any] = {
        "notification_key": key,
        "ticket_id": notification.ticket_id,
        "event": event,
        "at": notification.at,
        "payload": payload,
    }
    link = settings.ticket_link(notification.ticket_id)
    deliveries: list[Document] = []
    for person in await recipients(db=db, ticket=ticket, audience=notification.audience):
        muted = muted_channels(person.user, event)
        name, language = person.user.get("name", ""), person.user.get("language")
        email = render(event=event, language=language, name=name, payload=payload, ticket_url=link)
        if Channel.INAPP.value not in muted:
            item = {
                "_id": delivery_id(key, Channel.INAPP, person.id),
                "user_id": person.id,
                "event": event,
                "ticket_id": notification.ticket_id,
                "number": payload.get("number"),
                "title": email.subject,
                "body": email.summary,
                "created_at": now,
                "read_at": None,
            }
            await add_item(db=db, hub=hub, item=item)
        if Channel.EMAIL.value not in muted and person.user.get("email"):
            deliveries.append(
                _delivery(
                    common,
                    Channel.EMAIL,
                    person.id,
                    now,
                    recipient={
                        "email": person.user["email"],
                        "name": name,
                        "language": language_of(language),
                    },
                    email={"subject": email.subject, "text": email.text, "html": email.html},
                )
            )
    for subscription in await subscriptions_for(db=db, event=event):
        deliveries.append(_delivery(common, Channel.WEBHOOK, str(subscription["_id"]), now))
    return await _insert_new(db, deliveries)


async def _record(db: Database, notification: Notification, now: datetime) -> None:
    """Keep the event as accepted (the first acceptance; a repeat changes nothing)."""
    document = {
        "_id": notification.key,
        **notification.model_dump(mode="python", exclude={"key"}),
        "accepted_at": now,
    }
    with contextlib.suppress(DuplicateKeyError):
        await db[collections.NOTIFICATIONS].insert_one(document)


def _delivery(
    common: dict[str, Any], channel: Channel, target: str, now: datetime, **extra: Any
) -> Document:
    return {
        "_id": delivery_id(common["notification_key"], channel, target),
        **common,
        "channel": channel.value,
        "target": target,
        **extra,
        "status": DeliveryStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": now,
        "lease_until": None,
        "created_at": now,
        "first_attempt_at": None,
        "last_attempt_at": None,
        "sent_at": None,
        "last_error": None,
    }


async def _insert_new(db: Database, deliveries: list[Document]) -> list[Document]:
    """Insert (journaled) the deliveries not there yet; those that were new."""
    if not deliveries:
        return []
    try:
        await db[collections.NOTIFICATION_DELIVERIES].insert_many(deliveries, ordered=False)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(error.get("code") != DUPLICATE_KEY for error in errors):
            raise
        stored = {int(error["index"]) for error in errors}
        return [delivery for index, delivery in enumerate(deliveries) if index not in stored]
    return deliveries


async def due_deliveries(*, db: Database, now: datetime, limit: int) -> list[Document]:
    """Deliveries due now that no sender holds: retries whose time has come, those whose
    sender died mid-attempt (lease run out), those left over from before a restart.

    A scan of everything due, so the dispatcher runs it only when it has little else to
    do; deliveries it has just accepted reach it in memory."""
    deliveries = db[collections.NOTIFICATION_DELIVERIES]
    found: list[Document] = []
    for due in (
        {"status": DeliveryStatus.SENDING.value, "lease_until": {"$lt": now}},
        {"status": DeliveryStatus.PENDING.value, "next_attempt_at": {"$lte": now}},
    ):
        cursor = deliveries.find(due).sort("next_attempt_at", ASCENDING).limit(limit - len(found))
        found += [delivery async for delivery in cursor]
        if len(found) >= limit:
            break
    return found


async def claim(
    *, db: Database, delivery: Document, now: datetime, lease: timedelta
) -> Document | None:
    """Take `delivery` for one attempt if it is still as read and due (no other sender has
    taken it meanwhile); the delivery as claimed, or None.

    Matching on the number of attempts makes the copy in hand exact, so the claim is one
    write by `_id` (a claim that searches and sorts scans every pending delivery)."""
    attempts = int(delivery.get("attempts", 0))
    if delivery.get("status") == DeliveryStatus.SENDING.value:
        due: Document = {"status": DeliveryStatus.SENDING.value, "lease_until": {"$lt": now}}
    else:
        due = {"status": DeliveryStatus.PENDING.value, "next_attempt_at": {"$lte": now}}
    taken: Document = {
        "status": DeliveryStatus.SENDING.value,
        "lease_until": now + lease,
        "last_attempt_at": now,
        "attempts": attempts + 1,
        "first_attempt_at": delivery.get("first_attempt_at") or now,
    }
    result = await db[collections.NOTIFICATION_DELIVERIES].update_one(
        {"_id": delivery["_id"], "attempts": attempts, **due}, {"$set": taken}
    )
    return {**delivery, **taken} if result.modified_count == 1 else None


async def mark_sent(
    *, db: Database, delivery: Document, now: datetime, response_status: int | None = None
) -> None:
    await db[collections.NOTIFICATION_DELIVERIES].update_one(
        {"_id": delivery["_id"]},
        {
            "$set": {
                "status": DeliveryStatus.SENT.value,
                "sent_at": now,
                "lease_until": None,
                "last_error": None,
                "response_status": response_status,
            }
        },
    )


async def mark_failed(
    *,
    db: Database,
    delivery: Document,
    error: str,
    retry_at: datetime | None,
    response_status: int | None = None,
) -> None:
    """Retry at `retry_at`, or give up (failed, with its reason) when it is None."""
    status = DeliveryStatus.PENDING if retry_at is not None else DeliveryStatus.FAILED
    fields: Document = {
        "status": status.value,
        "lease_until": None,
        "last_error": error[:500],
        "response_status": response_status,
    }
    if retry_at is not None:
        fields["next_attempt_at"] = retry_at
    await db[collections.NOTIFICATION_DELIVERIES].update_one(
        {"_id": delivery["_id"]}, {"$set": fields}
    )
