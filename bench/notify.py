"""`notify`: ticket events to e-mails accepted by SMTP, through the real notify service,
against e-mails sent straight to the same SMTP sink, in the same run on the same servers.

Data: TICKETS tickets in `tickets`, each by its own customer in `users` (zh-CN and en).
Subject: EVENTS customer events (received, replied, status_changed, resolved) handed over
exactly as the ticket workflow hands them (an `accept_notification` activity started on the
notify task queue, the Notification's `at` = workflow.now()) by WORKFLOWS driver workflows
of EVENTS_PER_WORKFLOW events each, started at once on a task queue of the benchmark. The
notify service runs as in production: uvicorn in its own process, its Temporal worker
accepting the events (records, recipients, rendering, inbox items, deliveries), its
dispatcher sending them with `notify_senders` senders, one SMTP connection per e-mail.
Baseline: as many e-mails, rendered the same way (render + email_message), sent with
aiosmtplib straight to the same sink, `notify_senders` at a time, one connection each.

Figures per side: delivered per second = e-mails / (last e-mail in the sink - first
hand-over, or first send for the baseline); lag of each e-mail = the time the sink wrote
its file (mtime in the Maildir's new/, which the sink writes before it answers 250) -
the notification's `at`, or for the baseline the moment just before its send
(`lag_ms`) and the start of the burst (`lag_from_start_ms`, comparable to the subject's,
whose events are all handed over at once). E-mails are matched to events by Message-ID;
duplicates and missing e-mails are counted, as are the deliveries notify stored. Where the
subject's time goes: per-stage times from the stored notification and delivery documents
(BSON dates, ms) and CPU seconds of each process during each round.
`sequential`: SEQUENTIAL events one at a time, each waited for in the sink, against single
sends: the lag of the path itself, without a backlog.
A warm-up of each side first (not counted); rounds in ORDER.
"""

import asyncio
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable
from datetime import datetime
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from temporalio import workflow
from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Worker

from bench.common import REPO_ROOT, percentiles, private_stack, write_result
from devstack.servers import ProcessSpec, free_port, http_probe, smtp_sink, start_all, stop_all
from services.notify.deliveries.service import Channel, delivery_id
from services.notify.email.render import email_message, render
from services.notify.email.send import _local_part
from services.notify.recipients import ticket_payload
from services.workflows.ticket_workflow import ACTIVITY_TIMEOUT, NOTIFY_RETRY
from shared import collections
from shared.clock import utcnow
from shared.mail import create_smtp_client
from shared.mongo import Database, Document, create_mongo_client, get_database
from shared.notifications import ACCEPT_NOTIFICATION, Audience, Notification, notify_task_queue
from shared.settings import Settings
from shared.temporal import connect_temporal

TICKETS = 500
WORKFLOWS = 20
EVENTS_PER_WORKFLOW = 100
EVENTS = WORKFLOWS * EVENTS_PER_WORKFLOW
WARMUP_WORKFLOWS = 2
WARMUP_EVENTS_PER_WORKFLOW = 10
SEQUENTIAL = 30
ORDER = "BSSB"  # B: baseline round, S: subject round
CUSTOMER_EVENTS = ("received", "replied", "status_changed", "resolved")
STATUS_OF = {"received": "pending", "replied": "processing", "status_changed": "awaiting_user"}
ROUND_LIMIT_SECONDS = 900
POLL_SECONDS = 0.25


# --- the driver workflow ------------------------------------------------------------------


class Handover(BaseModel):
    """One event for the driver to hand over."""

    key: str
    ticket_id: str
    event: str
    data: dict[str, Any]


class Handovers(BaseModel):
    events: list[Handover]


class Handed(BaseModel):
    """When each event was handed over (its Notification's `at`) and how many deliveries
    notify added for them all."""

    at: dict[str, datetime]
    deliveries: int


# Not sandboxed: this module imports the whole service; the workflow itself only builds
# Notifications and starts activities, as the ticket workflow's _notify does.
@workflow.defn(name="BenchNotifyDriver", sandboxed=False)
class NotifyDriver:
    """Hands its events over as TicketWorkflow._notify does (all in its first workflow
    task), then waits until notify has accepted them all, as TicketWorkflow._settle does."""

    @workflow.run
    async def run(self, batch: Handovers) -> Handed:
        queue = notify_task_queue(workflow.info().task_queue)
        at: dict[str, datetime] = {}
        handles = []
        for item in batch.events:
            notification = Notification(
                key=item.key,
                ticket_id=item.ticket_id,
                event=item.event,
                at=workflow.now(),
                audience=Audience(customer=True),
                data=item.data,
            )
            at[item.key] = notification.at
            handles.append(
                workflow.start_activity(
                    ACCEPT_NOTIFICATION,
                    notification,
                    task_queue=queue,
                    start_to_close_timeout=ACTIVITY_TIMEOUT,
                    retry_policy=NOTIFY_RETRY,
                    result_type=int,
                )
            )
        added: list[int] = await asyncio.gather(*handles)
        return Handed(at=at, deliveries=sum(added))


# --- data ---------------------------------------------------------------------------------


def customer_id(index: int) -> str:
    return f"bench-n{index:06d}"


def ticket_id(index: int) -> str:
    return f"benchnotify{index:013d}"


def ticket_documents(count: int) -> tuple[list[Document], list[Document]]:
    """Tickets and their customers, every other one writing in English."""
    now = utcnow()
    tickets: list[Document] = []
    users: list[Document] = []
    for index in range(count):
        english = index % 2 == 1
        name = f"Customer {index}" if english else f"客户{index}"
        email = f"{customer_id(index)}@example.com"
        users.append(
            {
                "_id": customer_id(index),
                "email": email,
                "name": name,
                "language": "en" if english else "zh-CN",
                "role": "customer",
                "active": True,
                "created_at": now,
            }
        )
        tickets.append(
            {
                "_id": ticket_id(index),
                "number": 10_000 + index,
                "title": f"Cannot connect #{index}" if english else f"无法连接服务器 #{index}",
                "status": "processing",
                "type": "technical",
                "category": "connection",
                "priority": "normal",
                "group": "frontline",
                "submitter": {"id": customer_id(index), "name": name, "email": email},
                "assignee": None,
                "collaborator_groups": [],
                "created_at": now,
                "updated_at": now,
            }
        )
    return tickets, users


def event_of(number: int) -> tuple[int, str]:
    """The ticket and the event of the `number`th event of a round: every ticket gets one
    event before any gets a second, and its events in lifecycle order."""
    ticket = number % TICKETS
    return ticket, CUSTOMER_EVENTS[(number // TICKETS) % len(CUSTOMER_EVENTS)]


def event_data(ticket: int, event: str) -> dict[str, Any]:
    """What TicketWorkflow._notify puts in `data`: the number and the status at the time."""
    return {"number": 10_000 + ticket, "status": STATUS_OF.get(event, "resolved")}


def message_id_of(key: str, customer: str) -> str:
    """The Message-ID notify gives the e-mail delivery of `key` to `customer`."""
    return f"<{_local_part(delivery_id(key, Channel.EMAIL, customer))}@helpdesk>"


# --- the sink -----------------------------------------------------------------------------


class Sink:
    """What the SMTP sink has written: each Message-ID with the write time (ns) of every
    copy. Read incrementally, in a thread, so the bench's own worker is not held up."""

    def __init__(self, maildir: Path) -> None:
        self._new = maildir / "new"
        self._seen: set[str] = set()
        self._parser = BytesHeaderParser()
        self.written: dict[str, list[int]] = {}

    def _scan(self) -> None:
        if not self._new.is_dir():
            return
        with os.scandir(self._new) as entries:
            for entry in entries:
                if entry.name in self._seen:
                    continue
                self._seen.add(entry.name)
                with open(entry.path, "rb") as file:
                    message_id = str(self._parser.parse(file)["Message-ID"]).strip()
                self.written.setdefault(message_id, []).append(entry.stat().st_mtime_ns)

    async def scan(self) -> None:
        await asyncio.to_thread(self._scan)

    async def wait_for(self, message_ids: Iterable[str], *, poll: float = POLL_SECONDS) -> None:
        """Until every one of `message_ids` is in the sink (bounded)."""
        wanted = set(message_ids)
        async with asyncio.timeout(ROUND_LIMIT_SECONDS):
            while True:
                await self.scan()
                if wanted <= self.written.keys():
                    return
                await asyncio.sleep(poll)

    def tally(self, expected: set[str]) -> dict[str, int]:
        """E-mails of `expected` in the sink: every copy, distinct, duplicates, missing."""
        copies = sum(len(self.written.get(message_id, [])) for message_id in expected)
        distinct = len(expected & self.written.keys())
        return {
            "emails": copies,
            "emails_distinct": distinct,
            "duplicates": copies - distinct,
            "missing": len(expected) - distinct,
        }


# --- measuring ----------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (all its threads)."""
    after_name = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(after_name[11]) + int(after_name[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU seconds each process of the run spends between start() and stop()."""

    def __init__(self, pids: dict[str, int]) -> None:
        self._pids = pids
        self._begin: dict[str, float] = {}

    def start(self) -> None:
        self._begin = {name: cpu_seconds(pid) for name, pid in self._pids.items()}

    def stop(self) -> dict[str, float]:
        return {
            name: round(cpu_seconds(pid) - self._begin[name], 2) for name, pid in self._pids.items()
        }


def ns_of(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000) * 1000


def ms_between(first_ns: int, last_ns: int) -> float:
    return (last_ns - first_ns) / 1e6


class Round:
    """One round of a side: what it sent, when, and what reached the sink."""

    def __init__(self, side: str) -> None:
        self.side = side
        self.started_ns: dict[str, int] = {}  # Message-ID -> hand-over (or send) time
        self.message_ids: dict[str, str] = {}  # the subject's: notification key -> Message-ID
        self.burst_ns = 0  # when the round began
        self.deliveries = 0
        self.cpu: dict[str, float] = {}
        self.stages: dict[str, object] = {}

    def figures(self, sink: Sink) -> dict[str, object]:
        expected = set(self.started_ns)
        first = min(self.started_ns.values())
        firsts = {message_id: min(sink.written[message_id]) for message_id in expected}
        last = max(firsts.values())
        lags = [ms_between(self.started_ns[m], written) for m, written in firsts.items()]
        seconds = (last - first) / 1e9
        figures: dict[str, object] = {
            "events": len(expected),
            **sink.tally(expected),
            "seconds": round(seconds, 3),
            "per_second": round(len(expected) / seconds, 1),
            "lag_ms": percentiles(lags),
        }
        if self.side == "B":
            from_start = [ms_between(self.burst_ns, written) for written in firsts.values()]
            figures["lag_from_start_ms"] = percentiles(from_start)
        else:
            figures["deliveries"] = self.deliveries
            figures["stages"] = self.stages
        figures["cpu_seconds"] = self.cpu
        return figures


async def stages(
    db: Database, sink: Sink, keys: dict[str, str], *, burst: bool
) -> dict[str, object]:
    """Where the subject's time went, from what notify stored: deliveries in the database
    vs e-mails, per-stage times (ms; BSON dates have ms precision) and, for a burst, the
    rates at which notify accepted the events and sent the e-mails."""
    deliveries = [
        delivery
        async for delivery in db[collections.NOTIFICATION_DELIVERIES].find(
            {"channel": Channel.EMAIL.value}
        )
        if delivery["notification_key"] in keys
    ]
    records = {
        record["_id"]: record
        async for record in db[collections.NOTIFICATIONS].find({}, {"at": 1, "accepted_at": 1})
        if record["_id"] in keys
    }
    accepted, queued, sending, marking = [], [], [], []
    for delivery in deliveries:
        at = ns_of(delivery["at"])
        created = ns_of(delivery["created_at"])
        claimed = ns_of(delivery["first_attempt_at"])
        written = min(sink.written[keys[delivery["notification_key"]]])
        accepted.append(ms_between(at, created))
        queued.append(ms_between(created, claimed))
        sending.append(ms_between(claimed, written))
        if delivery.get("sent_at") is not None:
            marking.append(ms_between(written, ns_of(delivery["sent_at"])))
    figures: dict[str, object] = {
        "deliveries_stored": len(deliveries),
        "deliveries_sent": sum(1 for d in deliveries if d["status"] == "sent"),
        "attempts": sum(int(d["attempts"]) for d in deliveries),
        "notifications_stored": len(records),
    }
    if burst:
        first_at = min(ns_of(record["at"]) for record in records.values())
        last_accepted = max(ns_of(record["accepted_at"]) for record in records.values())
        first_claim = min(ns_of(delivery["first_attempt_at"]) for delivery in deliveries)
        last_written = max(min(sink.written[message_id]) for message_id in keys.values())
        # first hand-over to the start of the last accept
        figures["accepted_per_second"] = round(len(records) / ((last_accepted - first_at) / 1e9), 1)
        # first claim to the last e-mail in the sink
        figures["sent_per_second"] = round(
            len(deliveries) / ((last_written - first_claim) / 1e9), 1
        )
    return {
        **figures,
        "handover_to_accept_ms": percentiles(accepted),
        "accept_to_claim_ms": percentiles(queued),
        "claim_to_sink_ms": percentiles(sending),
        "sink_to_marked_sent_ms": percentiles(marking) if marking else {},
    }


async def settled(db: Database, keys: Iterable[str]) -> None:
    """Until every delivery of `keys` is marked sent (bounded): no round pays for the
    previous one's bookkeeping."""
    unsent = {"notification_key": {"$in": list(keys)}, "status": {"$ne": "sent"}}
    deliveries = db[collections.NOTIFICATION_DELIVERIES]
    async with asyncio.timeout(ROUND_LIMIT_SECONDS):
        while True:
            if await deliveries.count_documents(unsent) == 0:
                return
            await asyncio.sleep(POLL_SECONDS)


class Bench:
    def __init__(
        self, *, settings: Settings, db: Database, temporal: Client, queue: str, sink: Sink
    ) -> None:
        self.settings = settings
        self.db = db
        self.temporal = temporal
        self.queue = queue
        self.sink = sink
        self.run_id = uuid.uuid4().hex[:8]
        self.tickets, self.users = ticket_documents(TICKETS)
        self.sends = 0

    # the subject

    async def hand_over(
        self, tag: str, workflows: int, per_workflow: int, *, poll: float = POLL_SECONDS
    ) -> Round:
        """Start `workflows` driver workflows at once, each handing over `per_workflow`
        events; wait until every e-mail is in the sink and marked sent."""
        result = Round("S")
        batches: list[Handovers] = []
        message_ids: dict[str, str] = {}  # key -> Message-ID
        for flow in range(workflows):
            items = []
            for seq in range(per_workflow):
                ticket, event = event_of(flow * per_workflow + seq)
                # unique per event, as TicketWorkflow's "{workflow id}:{seq}:{event}"
                key = f"bench-notify-{self.run_id}-{tag}-{flow:02d}:{seq}:{event}"
                items.append(
                    Handover(
                        key=key,
                        ticket_id=ticket_id(ticket),
                        event=event,
                        data=event_data(ticket, event),
                    )
                )
                message_ids[key] = message_id_of(key, customer_id(ticket))
            batches.append(Handovers(events=items))
        result.burst_ns = time.time_ns()
        handles: list[WorkflowHandle[NotifyDriver, Handed]] = await asyncio.gather(
            *(
                self.temporal.start_workflow(
                    NotifyDriver.run,
                    batch,
                    id=f"bench-notify-{self.run_id}-{tag}-{flow:02d}",
                    task_queue=self.queue,
                )
                for flow, batch in enumerate(batches)
            )
        )
        await self.sink.wait_for(message_ids.values(), poll=poll)
        handed: list[Handed] = await asyncio.gather(*(handle.result() for handle in handles))
        for done in handed:
            for key, at in done.at.items():
                result.started_ns[message_ids[key]] = ns_of(at)
        result.deliveries = sum(done.deliveries for done in handed)
        result.message_ids = message_ids
        await settled(self.db, message_ids)
        if workflows * per_workflow > 1:
            result.stages = await stages(self.db, self.sink, message_ids, burst=True)
        return result

    # the baseline

    def rendered(self, number: int) -> tuple[Document, dict[str, str]]:
        """The customer and the e-mail of the `number`th event, rendered as notify does."""
        ticket, event = event_of(number)
        user = self.users[ticket]
        payload = ticket_payload(self.tickets[ticket], event_data(ticket, event))
        email = render(
            event=event,
            language=user["language"],
            name=user["name"],
            payload=payload,
            ticket_url=self.settings.ticket_link(ticket_id(ticket)),
        )
        return user, {"subject": email.subject, "text": email.text, "html": email.html}

    async def send_straight(self, count: int, concurrency: int) -> Round:
        """`count` e-mails straight to the sink, `concurrency` at a time, one connection
        each, as notify's send_email sends (rendered beforehand: notify renders when it
        accepts an event, not when it sends)."""
        result = Round("B")
        emails = [self.rendered(number) for number in range(count)]
        first = self.sends
        self.sends += count
        next_index = iter(range(count))

        async def lane() -> None:
            for index in next_index:
                user, email = emails[index]
                message_id = f"<bench-baseline-{self.run_id}-{first + index}@bench>"
                result.started_ns[message_id] = time.time_ns()
                message = email_message(
                    sender=self.settings.smtp_from,
                    to=user["email"],
                    name=user["name"],
                    email=email,
                    message_id=message_id,
                )
                async with create_smtp_client(self.settings) as smtp:
                    await smtp.send_message(message)

        result.burst_ns = time.time_ns()
        async with asyncio.timeout(ROUND_LIMIT_SECONDS):
            await asyncio.gather(*(lane() for _ in range(concurrency)))
        await self.sink.wait_for(result.started_ns)
        return result


async def measure(bench: Bench, meter: CpuMeter) -> dict[str, object]:
    senders = bench.settings.notify_senders
    await bench.send_straight(WARMUP_WORKFLOWS * WARMUP_EVENTS_PER_WORKFLOW, senders)
    await bench.hand_over("warmup", WARMUP_WORKFLOWS, WARMUP_EVENTS_PER_WORKFLOW)

    rounds: dict[str, list[Round]] = {"B": [], "S": []}
    for number, side in enumerate(ORDER):
        meter.start()
        if side == "B":
            done = await bench.send_straight(EVENTS, senders)
        else:
            done = await bench.hand_over(f"r{number}", WORKFLOWS, EVENTS_PER_WORKFLOW)
        done.cpu = meter.stop()
        rounds[side].append(done)

    # one at a time: the path's own lag, no backlog
    sequential: dict[str, list[float]] = {"B": [], "S": []}
    one_by_one: dict[str, str] = {}
    for index in range(SEQUENTIAL):
        straight = await bench.send_straight(1, 1)
        handed = await bench.hand_over(f"seq{index}", 1, 1, poll=0.01)
        for side, done in (("B", straight), ("S", handed)):
            [(message_id, started)] = done.started_ns.items()
            sequential[side].append(ms_between(started, min(bench.sink.written[message_id])))
        one_by_one.update(handed.message_ids)
    sequential_stages = await stages(bench.db, bench.sink, one_by_one, burst=False)

    baseline = [done.figures(bench.sink) for done in rounds["B"]]
    subject = [done.figures(bench.sink) for done in rounds["S"]]

    def ratio(subject_path: str, baseline_path: str | None = None) -> float:
        """Subject / baseline of a figure (the mean over rounds), e.g. "lag_ms.p50"."""

        def mean(sides: list[dict[str, object]], path: str) -> float:
            values = []
            for figures in sides:
                found: Any = figures
                for step in path.split("."):
                    found = found[step]
                values.append(float(found))
            return sum(values) / len(values)

        return round(mean(subject, subject_path) / mean(baseline, baseline_path or subject_path), 3)

    seq_s, seq_b = percentiles(sequential["S"]), percentiles(sequential["B"])
    return {
        "senders": senders,
        "rounds": ORDER,
        "baseline": {
            "name": "render + email_message, aiosmtplib straight to the sink, one connection each",
            "rounds": baseline,
        },
        "subject": {
            "name": "ticket-workflow hand-over -> notify (own process) -> SMTP sink",
            "rounds": subject,
        },
        "ratio_per_second": ratio("per_second"),
        "ratio_lag_p50": ratio("lag_ms.p50"),
        "ratio_lag_p99": ratio("lag_ms.p99"),
        # against the baseline's lag counted from the start of its burst, as the subject's
        # events are all handed over at its start
        "ratio_lag_p50_from_start": ratio("lag_ms.p50", "lag_from_start_ms.p50"),
        "ratio_lag_p99_from_start": ratio("lag_ms.p99", "lag_from_start_ms.p99"),
        "sequential": {
            "count": SEQUENTIAL,
            "subject_lag_ms": seq_s,
            "baseline_lag_ms": seq_b,
            "ratio_lag_p50": round(seq_s["p50"] / seq_b["p50"], 3),
            "subject_stages": sequential_stages,
        },
    }


async def main() -> dict[str, object]:
    assert ORDER.count("B") == ORDER.count("S") >= 1
    begun = time.monotonic()
    load_at_start = os.getloadavg()
    async with private_stack(services=False) as stack:
        queue = f"bench-notify-{uuid.uuid4().hex[:8]}"
        sink_port, notify_port = free_port(), free_port()
        own = {
            "smtp_port": sink_port,
            "temporal_task_queue": queue,
            "notify_url": f"http://127.0.0.1:{notify_port}",
            "notify_senders": stack.settings.notify_senders,
        }
        settings = stack.settings.model_copy(update=own)
        mongo = create_mongo_client(settings)
        db = get_database(mongo, settings)
        with tempfile.TemporaryDirectory(prefix="helpdesk-bench-notify-") as tmp:
            # a sink of the benchmark's own, so it knows where the mail lands
            maildir = Path(tmp) / "mail"
            sink_spec = smtp_sink(port=sink_port, maildir=maildir)
            notify = ProcessSpec(
                name="notify",
                argv=[
                    *(sys.executable, "-m", "uvicorn", "--factory"),
                    "services.notify.main:create_app",
                    *("--host", "127.0.0.1", "--port", str(notify_port), "--log-level", "warning"),
                ],
                port=notify_port,
                probe=http_probe(f"{settings.notify_url}/readyz"),
                env={**stack.env, **{key.upper(): str(value) for key, value in own.items()}},
            )
            processes = []
            try:
                bench = Bench(
                    settings=settings,
                    db=db,
                    temporal=await connect_temporal(settings),
                    queue=queue,
                    sink=Sink(maildir),
                )
                await db[collections.USERS].insert_many(bench.users)
                await db[collections.TICKETS].insert_many(bench.tickets)
                processes += await start_all([sink_spec], Path(tmp) / "log", REPO_ROOT)
                processes += await start_all([notify], Path(tmp) / "log", REPO_ROOT)
                pids = {process.spec.name: process.pid for process in processes}
                meter = CpuMeter(
                    {
                        "notify": pids["notify"],
                        "smtp_sink": pids["smtp"],
                        "mongodb": stack.pids["mongodb"],
                        "temporal": stack.pids["temporal"],
                        "bench": os.getpid(),
                    }
                )
                async with Worker(bench.temporal, task_queue=queue, workflows=[NotifyDriver]):
                    figures = await measure(bench, meter)
            finally:
                stop_all(processes)
                await mongo.close()
    figures = {
        "description": __doc__.strip() if __doc__ else "",
        "events": EVENTS,
        "workflows": WORKFLOWS,
        "events_per_workflow": EVENTS_PER_WORKFLOW,
        "tickets": TICKETS,
        "warmup_events": WARMUP_WORKFLOWS * WARMUP_EVENTS_PER_WORKFLOW,
        **figures,
        "load_average_at_start": [round(load, 2) for load in load_at_start],
        "seconds_total": round(time.monotonic() - begun, 1),
    }
    write_result("notify", figures)
    return figures
