"""Notification deliveries: one document per recipient and channel, written when notify
accepts an event, then sent (and retried) by the dispatcher.

A delivery's id is derived from the event's key, the channel and the recipient, so accepting
the same event again (a retried activity, a drained outbox) adds nothing."""

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pymongo import ASCENDING
from pymongo.errors import BulkWriteError

from services.notify.email.render import language_of, render
from services.notify.inbox.hub import InboxHub
from services.notify.inbox.service import add_items
from services.notify.preferences.service import muted_channels
from services.notify.recipients import recipients_of_each, ticket_payload
from services.notify.webhooks.service import SubscriptionCache
from shared import collections
from shared.mongo import Collection, Database, Document
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
    *,
    db: Database,
    hub: InboxHub,
    settings: Settings,
    notifications: list[Notification],
    now: datetime,
    subscriptions: SubscriptionCache,
    lease: timedelta,
) -> list[Document]:
    """Turn the events of one step of a ticket (or several) into inbox items and
    deliveries, idempotently; the deliveries that are new, claimed for `lease` by this
    process (it sends them next, without looking for them in the store).

    A fixed number of writes whatever the number of events and people: the events, the
    people of all of them, the inbox items and the deliveries, once each."""
    await _record(db, notifications, now)
    tickets = await _tickets_of(db, notifications)
    quoted = await _quoted_replies(db, notifications)
    known = [n for n in notifications if n.ticket_id in tickets]
    people = await recipients_of_each(
        db=db, audiences=[(tickets[n.ticket_id], n.audience) for n in known]
    )
    items: list[Document] = []
    deliveries: list[Document] = []
    for notification, persons in zip(known, people, strict=True):
        payload = ticket_payload(tickets[notification.ticket_id], notification.data)
        if notification.key in quoted:
            payload["message"] = quoted[notification.key]
        event, key = notification.event, notification.key
        common: dict[str, Any] = {
            "notification_key": key,
            "ticket_id": notification.ticket_id,
            "event": event,
            "at": notification.at,
            "payload": payload,
        }
        link = settings.ticket_link(notification.ticket_id)
        for person in persons:
            muted = muted_channels(person.user, event)
            name, language = person.user.get("name", ""), person.user.get("language")
            email = render(
                event=event, language=language, name=name, payload=payload, ticket_url=link
            )
            if Channel.INAPP.value not in muted:
                items.append(
                    {
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
                )
            if Channel.EMAIL.value not in muted and person.user.get("email"):
                deliveries.append(
                    _delivery(
                        common,
                        Channel.EMAIL,
                        person.id,
                        now,
                        lease,
                        recipient={
                            "email": person.user["email"],
                            "name": name,
                            "language": language_of(language),
                        },
                        email={"subject": email.subject, "text": email.text, "html": email.html},
                    )
                )
        for subscription in await subscriptions.for_event(db=db, event=event):
            deliveries.append(
                _delivery(common, Channel.WEBHOOK, str(subscription["_id"]), now, lease)
            )
    await add_items(db=db, hub=hub, items=items)
    return await _insert_new(db, deliveries)


async def _record(db: Database, notifications: list[Notification], now: datetime) -> None:
    """Keep the events as accepted (the first acceptance; a repeat changes nothing)."""
    documents = [
        {"_id": n.key, **n.model_dump(mode="python", exclude={"key", "ticket"}), "accepted_at": now}
        for n in notifications
    ]
    await _insert_ignoring_duplicates(db[collections.NOTIFICATIONS], documents)


async def _tickets_of(db: Database, notifications: list[Notification]) -> dict[str, Document]:
    """The ticket of each notification as it names it, read from the store only for events
    of workflows that did not send it."""
    tickets = {n.ticket_id: n.ticket.as_document() for n in notifications if n.ticket}
    unread = sorted({n.ticket_id for n in notifications} - set(tickets))
    if unread:
        async for ticket in db[collections.TICKETS].find({"_id": {"$in": unread}}):
            tickets[str(ticket["_id"])] = ticket
    return tickets


async def _quoted_replies(db: Database, notifications: list[Notification]) -> dict[str, str]:
    """The text of each public reply a notification tells of, by notification key: it
    travels in the notification itself, as people expect of e-mail."""
    wanted = {
        str(n.data["message_id"]): n.key
        for n in notifications
        if n.event == "replied" and n.data.get("message_id")
    }
    if not wanted:
        return {}
    messages = db[collections.TICKET_MESSAGES].find(
        {"_id": {"$in": list(wanted)}, "visibility": "public"}, projection={"body": 1}
    )
    return {
        wanted[str(message["_id"])]: str(message["body"])[:MAX_QUOTED_CHARACTERS]
        async for message in messages
    }


def _delivery(
    common: dict[str, Any],
    channel: Channel,
    target: str,
    now: datetime,
    lease: timedelta,
    **extra: Any,
) -> Document:
    """A new delivery, claimed for its first attempt by the process that stores it (one
    write fewer than storing it pending and claiming it): if that process dies, the lease
    runs out and any dispatcher takes it over."""
    return {
        "_id": delivery_id(common["notification_key"], channel, target),
        **common,
        "channel": channel.value,
        "target": target,
        **extra,
        "status": DeliveryStatus.SENDING.value,
        "attempts": 1,
        "next_attempt_at": now,
        "lease_until": now + lease,
        "created_at": now,
        "first_attempt_at": now,
        "last_attempt_at": now,
        "sent_at": None,
        "last_error": None,
    }


async def _insert_new(db: Database, deliveries: list[Document]) -> list[Document]:
    """Insert (journaled) the deliveries not there yet; those that were new."""
    return await _insert_ignoring_duplicates(db[collections.NOTIFICATION_DELIVERIES], deliveries)


async def _insert_ignoring_duplicates(
    collection: Collection, documents: list[Document]
) -> list[Document]:
    """Insert (journaled) the documents whose `_id` is not stored yet; those that were new."""
    if not documents:
        return []
    try:
        await collection.insert_many(documents, ordered=False)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(error.get("code") != DUPLICATE_KEY for error in errors):
            raise
        stored = {int(error["index"]) for error in errors}
        return [document for index, document in enumerate(documents) if index not in stored]
    return documents


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
