"""Who gets what (SPEC J2): each event's audience, as the ticket workflow names it, resolved
by notify to people, each in their language; muted channels stay quiet, except SLA
breaches for managers."""

from datetime import UTC, datetime
from typing import Any

import pytest

from services.notify.deliveries.dispatcher import LEASE
from services.notify.deliveries.service import accept
from services.notify.inbox.hub import InboxHub
from services.notify.webhooks.service import SubscriptionCache
from shared import collections
from shared.mongo import Database
from shared.notifications import Audience, Notification
from shared.settings import Settings

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
PEOPLE: list[dict[str, Any]] = [
    {"_id": "c", "role": "customer", "name": "客户", "email": "c@example.com", "language": "zh-CN"},
    {
        "_id": "a",
        "role": "agent",
        "name": "Ann",
        "email": "a@example.com",
        "language": "en",
        "groups": ["frontline"],
    },
    {
        "_id": "s",
        "role": "senior",
        "name": "Sam",
        "email": "s@example.com",
        "language": "en",
        "groups": ["senior_support"],
    },
    {
        "_id": "t",
        "role": "tech",
        "name": "Tia",
        "email": "t@example.com",
        "language": "zh-CN",
        "groups": ["technical_team"],
    },
    {
        "_id": "m",
        "role": "manager",
        "name": "Max",
        "email": "m@example.com",
        "language": "en",
        "groups": ["management"],
    },
    {
        "_id": "gone",
        "role": "agent",
        "name": "Old",
        "email": "o@example.com",
        "active": False,
        "groups": ["senior_support"],
    },
]
TICKET = {
    "_id": "t1",
    "number": 7,
    "title": "无法连接服务器",
    "status": "processing",
    "group": "frontline",
    "submitter": {"id": "c", "name": "客户"},
    "assignee": {"id": "a", "name": "Ann"},
    "collaborator_groups": ["technical_team"],
}
# event → (the audience TicketWorkflow hands over, who must hear of it)
MATRIX: dict[str, tuple[Audience, set[str]]] = {
    "received": (Audience(customer=True), {"c"}),
    "assigned": (Audience(assignee=True), {"a"}),
    "replied": (Audience(customer=True), {"c"}),
    "internal_note": (Audience(assignee=True, collaborators=True), {"a", "t"}),
    "status_changed": (Audience(customer=True), {"c"}),
    "reminder": (Audience(customer=True), {"c"}),
    "sla_warning": (Audience(assignee=True), {"a"}),
    "sla_breach": (Audience(assignee=True, group_manager=True), {"a", "m"}),
    "escalated": (Audience(groups=["senior_support", "management"]), {"s", "m"}),
    "resolved": (Audience(customer=True), {"c"}),
    "closed": (Audience(customer=True), {"c"}),
    "auto_closed": (Audience(customer=True), {"c"}),
}


async def seed(db: Database) -> None:
    await db[collections.USERS].insert_many([dict(person) for person in PEOPLE])
    await db[collections.TICKETS].insert_one(dict(TICKET))
    await db[collections.GROUPS].insert_one({"_id": "frontline", "manager_id": "m"})


async def hand_over(db: Database, settings: Settings, event: str, audience: Audience) -> None:
    notification = Notification(
        key=f"ticket-t1:{event}",
        ticket_id="t1",
        event=event,
        at=NOW,
        audience=audience,
        data={"number": 7, "status": "processing", "clock": "response"},
    )
    await accept(
        db=db,
        hub=InboxHub(),
        settings=settings,
        notifications=[notification],
        now=NOW,
        subscriptions=SubscriptionCache(),
        lease=LEASE,
    )


@pytest.mark.parametrize("event", list(MATRIX))
async def test_each_event_reaches_its_people_in_their_language(
    db: Database, settings: Settings, event: str
) -> None:
    await seed(db)
    audience, expected = MATRIX[event]
    await hand_over(db, settings, event, audience)
    deliveries = [d async for d in db[collections.NOTIFICATION_DELIVERIES].find({"event": event})]
    assert {d["target"] for d in deliveries} == expected
    inbox = [i async for i in db[collections.INBOX].find({"event": event})]
    assert {i["user_id"] for i in inbox} == expected
    for delivery in deliveries:
        person = next(p for p in PEOPLE if p["_id"] == delivery["target"])
        assert delivery["recipient"]["email"] == person["email"]
        subject = delivery["email"]["subject"]
        if person.get("language") == "en":
            assert subject.startswith("[Ticket #7]"), subject
        else:
            assert subject.startswith("【工单 #7】"), subject
        assert "无法连接服务器" in delivery["email"]["text"]


async def test_muted_channels_except_sla_breaches_for_managers(
    db: Database, settings: Settings
) -> None:
    await seed(db)
    everything = {"sla_breach": ["email", "inapp"]}
    for person in ("a", "m"):
        await db[collections.USERS].update_one(
            {"_id": person}, {"$set": {"notification_preferences": everything}}
        )
    await hand_over(db, settings, "sla_breach", MATRIX["sla_breach"][0])
    deliveries = [d["target"] async for d in db[collections.NOTIFICATION_DELIVERIES].find({})]
    inbox = [i["user_id"] async for i in db[collections.INBOX].find({})]
    assert deliveries == ["m"]  # the agent muted it; the manager cannot
    assert inbox == ["m"]
