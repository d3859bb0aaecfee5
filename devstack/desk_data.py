"""A desk that has been in use: customers and the tickets they filed over the past year,
closed, each with the history, conversation, notifications, deliveries, inbox items and
audit entries a real one leaves behind, written straight into MongoDB in the shapes the
services write. What the `desk_growth` benchmark fills the desk with, and what the
query-plan test plans against (its workflows long completed: only MongoDB holds them).
The statistics are then refreshed from the histories, as the worker's schedule would."""

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId

from services.intake.tickets.models import TicketCreate
from services.intake.tickets.service import new_ticket_document
from services.workflows.stats.refresh import refresh_ticket_stats
from shared import collections
from shared.enums import CATEGORIES_BY_TYPE, CloseReason, Priority, Role, TicketStatus
from shared.mongo import Database, Document
from shared.sla import DEFAULT_SLA_POLICY
from shared.tickets import TICKET_NUMBER_COUNTER, Actor, TicketEvent

BATCH = 1000
TITLES = (
    "无法连接服务器",
    "登录失败，提示密码错误",
    "How do I export my invoices?",
    "退款一直没有到账",
    "The app is very slow since the update",
    "如何修改绑定的手机号",
    "Feature request: dark mode",
    "订单状态一直是处理中",
)


@dataclass(frozen=True)
class Agent:
    id: str
    name: str


def _agents_of(staff: list[Document]) -> list[Agent]:
    agents = [Agent(str(a["_id"]), a.get("name", "")) for a in staff if a.get("role") == "agent"]
    return agents or [Agent("agent-history", "Former agent")]


def _event(ticket_id: str, seq: int, at: datetime, action: str, **fields: Any) -> Document:
    event = TicketEvent(ticket_id=ticket_id, seq=seq, at=at, action=action, **fields)
    return {"_id": event.event_id, **event.model_dump(mode="python")}


def _one_ticket(
    number: int, customer: Document, agent: Agent, created_at: datetime, rng: random.Random
) -> dict[str, list[Document]]:
    """A closed ticket and everything it left behind."""
    ticket_type = rng.choice(list(CATEGORIES_BY_TYPE))
    category = rng.choice(CATEGORIES_BY_TYPE[ticket_type])
    ticket_id = str(ObjectId())
    title = f"{rng.choice(TITLES)} ({number})"
    body = TicketCreate(
        type=ticket_type,
        category=category,
        title=title,
        description="Customer wrote a paragraph about the problem, with steps to reproduce.",
        priority=rng.choice(list(Priority)),
    )
    submitter = {"id": customer["_id"], "name": customer["name"], "email": customer["email"]}
    ticket = new_ticket_document(
        ticket_id=ticket_id,
        number=number,
        data=body,
        submitter=submitter,
        policy=DEFAULT_SLA_POLICY,
        now=created_at,
        source={"channel": rng.choice(["web", "api", "agent"])},
    )
    assigned_at = created_at + timedelta(minutes=rng.randint(1, 90))
    replied_at = assigned_at + timedelta(minutes=rng.randint(1, 120))
    resolved_at = replied_at + timedelta(hours=rng.randint(1, 30))
    closed_at = resolved_at + timedelta(hours=rng.randint(1, 72))
    assignee = {"id": agent.id, "name": agent.name}
    customer_actor = Actor(id=customer["_id"], role=Role.CUSTOMER)
    agent_actor = Actor(id=agent.id, role=Role.AGENT)
    system = Actor(id="system", role=Role.SYSTEM)
    reply_id = str(ObjectId())
    events = [
        _event(
            ticket_id,
            0,
            created_at,
            "created",
            actor=customer_actor,
            to_status=TicketStatus.PENDING,
            data={"type": ticket_type, "category": category, "priority": body.priority},
        ),
        _event(
            ticket_id,
            1,
            assigned_at,
            "assigned",
            actor=system,
            from_status=TicketStatus.PENDING,
            to_status=TicketStatus.PROCESSING,
            data={"agent": assignee, "strategy": "smart"},
        ),
        _event(
            ticket_id,
            2,
            replied_at,
            "agent_replied",
            actor=agent_actor,
            data={"message_id": reply_id, "visibility": "public"},
        ),
        _event(
            ticket_id,
            3,
            resolved_at,
            "resolved",
            actor=agent_actor,
            from_status=TicketStatus.PROCESSING,
            to_status=TicketStatus.RESOLVED,
            data={"solution": "Explained the steps; the customer confirmed it works."},
        ),
        _event(
            ticket_id,
            4,
            closed_at,
            "closed",
            actor=customer_actor,
            from_status=TicketStatus.RESOLVED,
            to_status=TicketStatus.CLOSED,
            data={"reason": CloseReason.CONFIRMED},
        ),
    ]
    met = {"state": "met", "breached_at": None, "warned_at": None}
    ticket.update(
        status=TicketStatus.CLOSED.value,
        assignee=assignee,
        updated_at=closed_at,
        first_response_at=replied_at,
        resolved_at=resolved_at,
        closed_at=closed_at,
        close_reason=CloseReason.CONFIRMED.value,
        rating={"score": rng.randint(3, 5), "comment": None},
        last_event_seq=4,
        workflow={"id": ticket["workflow"]["id"], "started": True},
        auto_answer="no_match",
    )
    ticket["sla"]["state"] = "met"
    ticket["sla"]["response"].update(met_at=replied_at, stopped_at=replied_at, **met)
    ticket["sla"]["resolution"].update(met_at=resolved_at, stopped_at=resolved_at, **met)
    message: Document = {
        "_id": reply_id,
        "ticket_id": ticket_id,
        "author": {"id": agent.id, "name": agent.name, "role": "agent"},
        "visibility": "public",
        "body": "请按照以下步骤操作，然后告诉我们结果。",
        "attachment_ids": [],
        "canned_response_id": None,
        "created_at": replied_at,
    }
    notices = [
        ("received", created_at, customer["_id"]),
        ("assigned", assigned_at, agent.id),
        ("replied", replied_at, customer["_id"]),
        ("resolved", resolved_at, customer["_id"]),
    ]
    notifications: list[Document] = []
    deliveries: list[Document] = []
    inbox: list[Document] = []
    for seq, (event, at, person) in enumerate(notices):
        key = f"{ticket['workflow']['id']}:{seq}:{event}"
        notifications.append(
            {
                "_id": key,
                "ticket_id": ticket_id,
                "event": event,
                "at": at,
                "audience": {},
                "data": {"number": number},
                "accepted_at": at,
            }
        )
        deliveries.append(
            {
                "_id": f"{key}|email|{person}",
                "notification_key": key,
                "ticket_id": ticket_id,
                "event": event,
                "at": at,
                "payload": {"number": number, "title": title},
                "channel": "email",
                "target": person,
                "status": "sent",
                "attempts": 1,
                "next_attempt_at": at,
                "lease_until": None,
                "created_at": at,
                "first_attempt_at": at,
                "last_attempt_at": at,
                "sent_at": at,
                "last_error": None,
            }
        )
        inbox.append(
            {
                "_id": f"{key}|inapp|{person}",
                "user_id": person,
                "event": event,
                "ticket_id": ticket_id,
                "number": number,
                "title": title,
                "body": title,
                "created_at": at,
                "read_at": at + timedelta(hours=1),
            }
        )
    audit = {
        "_id": str(ObjectId()),
        "at": created_at,
        "method": "POST",
        "path": "/v1/tickets",
        "route": "/v1/tickets",
        "status": 201,
        "actor": {"id": customer["_id"], "role": "customer", "api_key_id": None},
        "client": "127.0.0.1",
        "target_id": None,
        "details": {"ticket_id": ticket_id, "number": number},
    }
    search = {
        "_id": str(ObjectId()),
        "at": created_at - timedelta(minutes=2),
        "kind": "search",
        "session": f"s-{ticket_id}",
        "query": title,
        "results": rng.randint(0, 3),
        "article_id": None,
        "helpful": None,
    }
    return {
        collections.TICKETS: [ticket],
        collections.TICKET_EVENTS: events,
        collections.TICKET_MESSAGES: [message],
        collections.NOTIFICATIONS: notifications,
        collections.NOTIFICATION_DELIVERIES: deliveries,
        collections.INBOX: inbox,
        collections.AUDIT_LOG: [audit],
        collections.KNOWLEDGE_EVENTS: [search],
    }


def _customers(start: int, count: int, now: datetime) -> Iterator[Document]:
    for index in range(start, start + count):
        yield {
            "_id": f"history-customer-{index:07d}",
            "role": Role.CUSTOMER.value,
            "name": f"历史客户 {index}",
            "email": f"history-{index:07d}@customers.example.com",
            "language": "zh-CN" if index % 3 else "en",
            "groups": [],
            "created_at": now - timedelta(days=400),
        }


async def fill_desk(
    db: Database, *, tickets: int, now: datetime | None = None, seed: int = 13
) -> int:
    """Add `tickets` closed tickets of the past year, each by a customer of its own (added
    too), to the desk; then refresh the statistics. The number of the last ticket."""
    now = now or datetime.now(UTC)
    rng = random.Random(seed)  # noqa: S311 - test data, not a secret
    staff = [user async for user in db[collections.USERS].find({"role": {"$ne": "customer"}})]
    agents = _agents_of(staff)
    counter = await db[collections.COUNTERS].find_one({"_id": TICKET_NUMBER_COUNTER}) or {}
    first = int(counter.get("value", 0)) + 1
    year = timedelta(days=365)
    for start in range(0, tickets, BATCH):
        count = min(BATCH, tickets - start)
        customers = list(_customers(first + start, count, now))
        await db[collections.USERS].insert_many(customers, ordered=False)
        written: dict[str, list[Document]] = {}
        for offset, customer in enumerate(customers):
            # Spread over the year, numbers following the time of filing as a desk's do.
            share = (start + offset + rng.random()) / tickets
            created_at = now - year + (year - timedelta(days=5)) * share
            documents = _one_ticket(
                first + start + offset, customer, rng.choice(agents), created_at, rng
            )
            for name, docs in documents.items():
                written.setdefault(name, []).extend(docs)
        # Recorded as they are written: the statistics refresh (its schedule may run
        # during a long fill) finds them as it finds any new history.
        recorded_at = datetime.now(UTC)
        for event in written[collections.TICKET_EVENTS]:
            event["recorded_at"] = recorded_at
        for name, docs in written.items():
            await db[name].insert_many(docs, ordered=False)
    last = first + tickets - 1
    await db[collections.COUNTERS].update_one(
        {"_id": TICKET_NUMBER_COUNTER}, {"$max": {"value": last}}, upsert=True
    )
    while not (await refresh_ticket_stats(db=db, now=now)).caught_up:
        pass
    return last
