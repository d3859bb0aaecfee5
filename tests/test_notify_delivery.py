"""Notify end to end: ticket events reach the right people by e-mail (the real SMTP sink)
and in the inbox, in their language, once each; a retried hand-over adds nothing; an SMTP
server that is down delays e-mail without losing it; muted channels stay quiet."""

import asyncio
import contextlib
import mailbox
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
from temporalio.client import Client

from devstack.servers import ProcessSpec, free_port, http_probe, start_all
from services.notify.deliveries.dispatcher import LEASE
from services.notify.deliveries.service import accept
from services.notify.inbox.hub import InboxHub
from services.notify.main import create_app
from services.notify.webhooks.service import SubscriptionCache
from services.workflows.activities import ensure_indexes as ensure_event_indexes
from services.workflows.worker import build_worker
from shared import collections
from shared.clock import utcnow
from shared.mongo import Database
from shared.notifications import Notification
from shared.settings import Settings
from tests.conftest import REPO_ROOT, Servers, lifespan_client
from tests.intake_support import Api, running_api
from tests.notify_webhook_support import running_receiver


@dataclass
class NotifyDesk:
    api: Api
    notify: httpx.AsyncClient | None
    db: Database
    maildir: Path

    def mails(self, ticket_id: str) -> list[Message]:
        """E-mails the sink received about the ticket (their Message-ID names it)."""
        box = mailbox.Maildir(self.maildir, create=False)
        return [m for m in box if ticket_id in str(m.get("Message-ID", ""))]

    async def wait_for_mails(
        self, ticket_id: str, count: int, seconds: float = 20
    ) -> list[Message]:
        found: list[Message] = []
        for _ in range(int(seconds / 0.1)):
            found = self.mails(ticket_id)
            if len(found) >= count:
                await asyncio.sleep(0.3)  # and no more than that
                return self.mails(ticket_id)
            await asyncio.sleep(0.1)
        raise AssertionError(f"{len(found)} of {count} e-mails arrived: {subjects(found)}")

    async def deliveries(self, ticket_id: str) -> list[dict[str, Any]]:
        found = self.db[collections.NOTIFICATION_DELIVERIES].find({"ticket_id": ticket_id})
        return [delivery async for delivery in found]


def subject(mail: Message) -> str:
    return str(make_header(decode_header(str(mail["Subject"]))))


def _decoded(part: Message) -> str:
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(part.get_content_charset() or "utf-8")


def subjects(mails: list[Message]) -> list[str]:
    return [f"{mail['To']}: {subject(mail)}" for mail in mails]


@contextlib.asynccontextmanager
async def running_notify(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The notify service in process: its routes, worker and dispatcher."""
    async with contextlib.aclosing(lifespan_client(create_app(settings), "http://notify")) as c:
        async for client in c:
            yield client


@contextlib.asynccontextmanager
async def notify_desk(
    servers: Servers,
    settings: Settings,
    db: Database,
    temporal: Client,
    *,
    with_notify: bool = True,
) -> AsyncIterator[NotifyDesk]:
    """Intake, the ticket worker and (unless not `with_notify`) the notify service."""
    await ensure_event_indexes(db)
    async with (
        build_worker(temporal, db, settings.temporal_task_queue),
        contextlib.aclosing(running_api(settings, db)) as apis,
        contextlib.AsyncExitStack() as stack,
    ):
        notify = await stack.enter_async_context(running_notify(settings)) if with_notify else None
        async for api in apis:
            yield NotifyDesk(api=api, notify=notify, db=db, maildir=servers.maildir)


async def test_filing_tells_the_customer_and_the_agent_in_their_languages(
    servers: Servers, settings: Settings, db: Database, temporal: Client
) -> None:
    async with notify_desk(servers, settings, db, temporal) as desk:
        await db[collections.USERS].update_one({"_id": "u-agent1"}, {"$set": {"language": "en"}})
        ticket = await desk.api.file("alice", title="无法连接服务器")
        mails = await desk.wait_for_mails(ticket["id"], 2)
        by_recipient = {str(mail["To"]).split("<")[-1].rstrip(">"): mail for mail in mails}
        assert sorted(by_recipient) == ["agent1@example.com", "alice@example.com"], subjects(mails)
        received = subject(by_recipient["alice@example.com"])
        assert received == f"【工单 #{ticket['number']}】我们已收到您的问题"
        assigned = subject(by_recipient["agent1@example.com"])
        assert assigned == f"[Ticket #{ticket['number']}] Assigned to you"
        # Plain text and HTML, both naming the ticket and linking it.
        parts = {part.get_content_type(): part for part in by_recipient["alice@example.com"].walk()}
        text = _decoded(parts["text/plain"])
        html = _decoded(parts["text/html"])
        assert "无法连接服务器" in text
        assert "无法连接服务器" in html
        assert settings.ticket_link(ticket["id"]) in text
        # In-app too: alice's inbox has the receipt.
        assert desk.notify is not None
        inbox = await desk.notify.get("/v1/inbox", headers=await desk.api.headers("alice"))
        assert inbox.status_code == 200, inbox.text
        [item] = [i for i in inbox.json()["items"] if i["ticket_id"] == ticket["id"]]
        assert (item["event"], item["read_at"]) == ("received", None)
        statuses = {d["status"] for d in await desk.deliveries(ticket["id"])}
        assert statuses == {"sent"}


async def test_a_public_reply_is_quoted_to_the_customer_and_a_note_is_not(
    servers: Servers, settings: Settings, db: Database, temporal: Client
) -> None:
    async with notify_desk(servers, settings, db, temporal) as desk:
        ticket = await desk.api.file("alice")
        await desk.wait_for_mails(ticket["id"], 2)
        url = f"/v1/tickets/{ticket['id']}/messages"
        note = {"body": "客户是老版本，检查代理", "visibility": "internal"}
        noted = await desk.api.call("agent1", "POST", url, json=note)
        assert noted.status_code == 201, noted.text
        reply = {"body": "请重启路由器后再试。\n如果仍然不行，请告诉我们。", "visibility": "public"}
        replied = await desk.api.call("agent1", "POST", url, json=reply)
        assert replied.status_code == 201, replied.text
        mails = await desk.wait_for_mails(ticket["id"], 3)
        to_alice = [m for m in mails if "alice@example.com" in str(m["To"])]
        [quoted] = [m for m in to_alice if "有新回复" in subject(m)]
        parts = {part.get_content_type(): part for part in quoted.walk()}
        text = _decoded(parts["text/plain"])
        assert "> 请重启路由器后再试。" in text
        assert "> 如果仍然不行，请告诉我们。" in text
        assert "请重启路由器后再试。" in _decoded(parts["text/html"])
        # The internal note went to nobody outside the staff (here: the assignee wrote it).
        assert all(
            "客户是老版本" not in _decoded(p)
            for m in mails
            for p in m.walk()
            if p.get_content_maintype() == "text"
        )


async def test_a_repeated_hand_over_delivers_nothing_twice(
    servers: Servers, settings: Settings, db: Database, temporal: Client
) -> None:
    async with notify_desk(servers, settings, db, temporal) as desk:
        ticket = await desk.api.file("alice")
        await desk.wait_for_mails(ticket["id"], 2)
        [received] = [
            n
            async for n in db[collections.NOTIFICATIONS].find(
                {"ticket_id": ticket["id"], "event": "received"}
            )
        ]
        again = Notification.model_validate({**received, "key": received["_id"]})
        hub = InboxHub()
        for _ in range(3):  # as a retried activity would, or an outbox drained twice
            added = await accept(
                db=db,
                hub=hub,
                settings=settings,
                notifications=[again],
                now=utcnow(),
                subscriptions=SubscriptionCache(),
                lease=LEASE,
            )
            assert added == []
        await asyncio.sleep(1.5)  # the dispatcher would have sent anything new by now
        mails = desk.mails(ticket["id"])
        assert len(mails) == 2, subjects(mails)
        assert len(await desk.deliveries(ticket["id"])) == 2


async def test_mail_waits_while_the_smtp_server_is_down(
    servers: Servers, settings: Settings, db: Database, temporal: Client
) -> None:
    # An SMTP server that refuses connections (nothing listens on port 9).
    down = settings.model_copy(update={"smtp_port": 9})
    async with notify_desk(servers, settings, db, temporal, with_notify=False) as desk:
        async with running_notify(down):
            ticket = await desk.api.file("alice")
            for _ in range(100):
                deliveries = await desk.deliveries(ticket["id"])
                if len(deliveries) == 2 and all(d["last_error"] for d in deliveries):
                    break
                await asyncio.sleep(0.1)
            assert [d["status"] for d in deliveries] == ["pending", "pending"]
            assert all(d["next_attempt_at"] > d["last_attempt_at"] for d in deliveries)
            assert desk.mails(ticket["id"]) == []
        # Back up (here: notify restarted with the right port), each e-mail goes once.
        async with running_notify(settings):
            await db[collections.NOTIFICATION_DELIVERIES].update_many(
                {"ticket_id": ticket["id"]}, {"$set": {"next_attempt_at": utcnow()}}
            )
            mails = await desk.wait_for_mails(ticket["id"], 2)
            assert len(mails) == 2, subjects(mails)


async def test_muted_email_still_reaches_the_inbox(
    servers: Servers, settings: Settings, db: Database, temporal: Client
) -> None:
    async with notify_desk(servers, settings, db, temporal) as desk:
        assert desk.notify is not None
        muted = await desk.notify.put(
            "/v1/preferences",
            json={"muted": {"received": ["email"]}},
            headers=await desk.api.headers("alice"),
        )
        assert muted.status_code == 200, muted.text
        ticket = await desk.api.file("alice")
        mails = await desk.wait_for_mails(ticket["id"], 1)
        await asyncio.sleep(1)
        assert subjects(desk.mails(ticket["id"])) == subjects(mails)
        assert [str(m["To"]) for m in mails] == ["Agent1 <agent1@example.com>"]
        assert desk.notify is not None
        inbox = await desk.notify.get("/v1/inbox", headers=await desk.api.headers("alice"))
        assert [i["event"] for i in inbox.json()["items"] if i["ticket_id"] == ticket["id"]] == [
            "received"
        ]


def notify_process(settings: Settings, port: int) -> ProcessSpec:
    """The notify service as `make run` starts it, pointed at the test's servers."""
    values = {
        "environment": settings.environment.value,
        "mongodb_url": settings.mongodb_url,
        "mongodb_db": settings.mongodb_db,
        "temporal_address": settings.temporal_address,
        "temporal_task_queue": settings.temporal_task_queue,
        "smtp_port": settings.smtp_port,
    }
    return ProcessSpec(
        name="notify",
        argv=[
            *(sys.executable, "-m", "uvicorn", "--factory", "services.notify.main:create_app"),
            *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
        ],
        port=port,
        probe=http_probe(f"http://127.0.0.1:{port}/healthz"),
        env={key.upper(): str(value) for key, value in values.items()},
    )


async def test_notify_killed_mid_delivery_loses_no_mail(
    servers: Servers, settings: Settings, db: Database, temporal: Client, tmp_path: Path
) -> None:
    spec = notify_process(settings, free_port())
    async with notify_desk(servers, settings, db, temporal, with_notify=False) as desk:
        [notify] = await start_all([spec], tmp_path, REPO_ROOT)
        try:
            tickets = [await desk.api.file("alice", title=f"问题 {n}") for n in range(8)]
            # Kill it (SIGKILL, as a crash) as soon as the first e-mail is out.
            for _ in range(300):
                if any(desk.mails(ticket["id"]) for ticket in tickets):
                    break
                await asyncio.sleep(0.02)
            notify.kill()
            sent_before = sum(len(desk.mails(ticket["id"])) for ticket in tickets)
            [notify] = await start_all([spec], tmp_path, REPO_ROOT)
            # Anything that was mid-attempt waits for its lease; let it run out now.
            await db[collections.NOTIFICATION_DELIVERIES].update_many(
                {"status": "sending"}, {"$set": {"lease_until": utcnow()}}
            )
            # Each ticket's last notification is its assignment (a customer filing this
            # often is escalated first, which tells a group too). A count of deliveries
            # is not enough: one ticket's escalation can stand in for another's missing
            # assignment, and that assignment's mail then arrives after the read.
            for _ in range(300):
                per_ticket = [await desk.deliveries(t["id"]) for t in tickets]
                deliveries = [d for found in per_ticket for d in found]
                assigned = all(any(d["event"] == "assigned" for d in f) for f in per_ticket)
                if assigned and all(d["status"] == "sent" for d in deliveries):
                    break
                await asyncio.sleep(0.1)
            assert all(any(d["event"] == "assigned" for d in f) for f in per_ticket)
            assert {d["status"] for d in deliveries} == {"sent"}
            mails = [mail for ticket in tickets for mail in desk.mails(ticket["id"])]
            ids = {f"<{d['_id']}" for d in deliveries}
            arrived = [str(mail["Message-ID"]).strip().split("@")[0] for mail in mails]
            # Every delivery arrived; a resend can only be one that was in flight at the
            # kill (at most one per sender), and it carries the same Message-ID.
            assert {_message_id_key(i) for i in ids} == {_message_id_key(a) for a in arrived}
            duplicates = len(arrived) - len(set(arrived))
            assert duplicates <= settings.notify_senders
            print(f"\n{sent_before} sent before the kill, {duplicates} resent after it")
        finally:
            notify.stop()


def _message_id_key(value: str) -> str:
    """A delivery id as its Message-ID spells it (see services/notify/email/send.py)."""
    return "".join(c if c.isalnum() or c in "-._<" else "." for c in value)


async def test_webhooks_are_signed_retried_and_given_up_on_without_touching_the_ticket(
    servers: Servers, settings: Settings, db: Database, temporal: Client
) -> None:
    # the receivers listen on 127.0.0.1, which webhooks may reach only when allowed
    settings = settings.model_copy(update={"webhook_allow_private_targets": True})
    async with (
        running_receiver() as good,
        running_receiver() as gone,
        notify_desk(servers, settings, db, temporal) as desk,
    ):
        assert desk.notify is not None
        admin = await desk.api.headers("admin")
        subscriptions = {}
        for name, receiver in (("good", good), ("gone", gone)):
            body = {"url": receiver.url, "events": ["received"]}
            created = await desk.notify.post("/v1/webhooks", json=body, headers=admin)
            assert created.status_code == 201, created.text
            receiver.secret = created.json()["secret"]
            subscriptions[name] = created.json()["id"]
        good.answers = [503]  # one transient failure first
        gone.answers = [410] * 5  # the endpoint is gone for good
        ticket = await desk.api.file("alice")
        # The first retry of a webhook comes after 10 s: once the first attempt failed,
        # the test brings the retry forward.
        for _ in range(200):
            hooks = [
                d
                async for d in db[collections.NOTIFICATION_DELIVERIES].find(
                    {"ticket_id": ticket["id"], "channel": "webhook"}
                )
            ]
            if {d["target"]: d["last_error"] for d in hooks}.get(subscriptions["good"]):
                break
            await asyncio.sleep(0.05)
        await db[collections.NOTIFICATION_DELIVERIES].update_many(
            {"ticket_id": ticket["id"], "channel": "webhook", "status": "pending"},
            {"$set": {"next_attempt_at": utcnow()}},
        )
        for _ in range(200):
            hooks = [
                d
                async for d in db[collections.NOTIFICATION_DELIVERIES].find(
                    {"ticket_id": ticket["id"], "channel": "webhook"}
                )
            ]
            by = {d["target"]: d for d in hooks}
            if len(by) == 2 and by[subscriptions["good"]]["status"] == "sent":
                break
            await asyncio.sleep(0.05)
        sent, failed = by[subscriptions["good"]], by[subscriptions["gone"]]
        assert (sent["status"], sent["attempts"], sent["response_status"]) == ("sent", 2, 204)
        assert (failed["status"], failed["attempts"]) == ("failed", 1)
        assert failed["response_status"] == 410
        assert "410" in failed["last_error"]
        # The receiver saw the same signed body twice (a retry), and it verified.
        assert [r.verified for r in good.received] == [True, True]
        assert good.received[0].body == good.received[1].body
        delivery_ids = {r.headers["x-helpdesk-delivery"] for r in good.received}
        assert delivery_ids == {sent["_id"]}
        # The delivery log shows both outcomes to the admin.
        log = await desk.notify.get(
            f"/v1/webhooks/{subscriptions['gone']}/deliveries", headers=admin
        )
        assert [d["status"] for d in log.json()["items"]] == ["failed"]
        # The ticket went on regardless.
        assert (await desk.api.wait_for("agent1", ticket["id"], status="processing"))["assignee"]
