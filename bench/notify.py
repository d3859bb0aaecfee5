"""`notify`: ticket events to e-mails accepted by SMTP, through the real notify service,
against e-mails sent straight to the same SMTP sink, in the same run on the same servers.

Data: TICKETS tickets in `tickets`, each by its own customer in `users` (zh-CN and en).
Subject: customer events (received, replied, status_changed, resolved) handed over exactly
as the ticket workflow hands them over (an `accept_notification` activity started on the
notify task queue, with the ticket workflow's timeout and retry policy, the Notification's
`at` = workflow.now()) by WORKFLOWS driver workflows, all started at once on a task queue
of the benchmark: a burst. The notify service runs as in production: uvicorn in its own
process, its Temporal worker accepting the events (record, recipients, rendering, inbox
item, delivery), its dispatcher sending them with `notify_senders` senders, one SMTP
connection per e-mail.
Baseline: as many e-mails, rendered the same way (render + email_message), sent with
aiosmtplib straight to the same sink, `notify_senders` at a time, one connection each.

`burst`: EVENTS events (WORKFLOWS x EVENTS_PER_WORKFLOW), the issue's figure;
`small_burst`: WORKFLOWS x SMALL_EVENTS_PER_WORKFLOW; baseline first, then the subject.
Figures per side: delivered per second = e-mails / (last e-mail in the sink - first
hand-over, or first send); the lag of each e-mail = the time the sink wrote its file (its
mtime in the Maildir's new/; the sink writes it before it answers 250) - the event's `at`
as notify recorded it (ms precision), or for the baseline the moment just before its send
(`lag_ms`); `lag_from_start_ms` counts from the start of the burst on both sides, which is
what the subject's lag amounts to (its events are all handed over at once). E-mails are
matched to events by Message-ID; duplicates and missing ones are counted, as are the
deliveries notify stored and the accept attempts that failed (timed out). Where the
subject's time goes: per-stage times from the stored notification and delivery documents
and the CPU seconds of each process during each side's burst.
`sequential` (run first, on small collections): SEQUENTIAL events one at a time, each
waited for in the sink, against single sends: the lag of the path itself, no backlog.

A warm-up of each side comes first (not counted). Rounds are not alternated: a subject
burst of EVENTS takes many minutes on this 2-core machine. A burst not drained within
ROUND_LIMIT_SECONDS is reported as such (`complete`: false) with the figures of the e-mails
that did arrive, and its lags are not compared (they leave out the missing e-mails).
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
from services.workflows.ticket.policies import ACTIVITY_TIMEOUT, NOTIFY_RETRY
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
SMALL_EVENTS_PER_WORKFLOW = 10  # a burst of 200 as well: what notify drains
WARMUP_WORKFLOWS = 2
WARMUP_EVENTS_PER_WORKFLOW = 10
SEQUENTIAL = 30
CUSTOMER_EVENTS = ("received", "replied", "status_changed", "resolved")
STATUS_OF = {"received": "pending", "replied": "processing", "status_changed": "awaiting_user"}
# A burst that notify has not drained by then is reported as incomplete (the figures
# cover the e-mails that arrived) rather than waited for without end.
ROUND_LIMIT_SECONDS = 900
READ_LIMIT_SECONDS = 300
POLL_SECONDS = 0.25
PROGRESS_SECONDS = 30
# What the Temporal SDK logs when an activity attempt fails (a timeout, mostly).
FAILED_ACTIVITY = "Completing activity as failed"


# --- the driver workflow ------------------------------------------------------------------


class Handover(BaseModel):
    """One event for the driver to hand over."""

    key: str
    ticket_id: str
    event: str
    data: dict[str, Any]


class Handovers(BaseModel):
    events: list[Handover]


# Not sandboxed: this module imports the whole service; the workflow itself only builds
# Notifications and starts activities, as the ticket workflow's _notify does.
@workflow.defn(name="BenchNotifyDriver", sandboxed=False)
class NotifyDriver:
    """Hands its events over as TicketWorkflow._notify does (all in its first workflow
    task), then waits until notify has accepted them all, as TicketWorkflow._settle does;
    answers how many deliveries notify added for them."""

    @workflow.run
    async def run(self, batch: Handovers) -> int:
        queue = notify_task_queue(workflow.info().task_queue)
        handles = [
            workflow.start_activity(
                ACCEPT_NOTIFICATION,
                Notification(
                    key=item.key,
                    ticket_id=item.ticket_id,
                    event=item.event,
                    at=workflow.now(),
                    audience=Audience(customer=True),
                    data=item.data,
                ),
                task_queue=queue,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=NOTIFY_RETRY,
                result_type=int,
            )
            for item in batch.events
        ]
        added: list[int] = await asyncio.gather(*handles)
        return sum(added)


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
    """The Message-ID notify gives the e-mail delivery of `key` to `customer`: built with
    send.py's own (private) helper, so that a change there cannot pass for missing mail."""
    return f"<{_local_part(delivery_id(key, Channel.EMAIL, customer))}@helpdesk>"


# --- the sink -----------------------------------------------------------------------------


class Sink:
    """What the SMTP sink has written: each Message-ID with the write time (ns) of every
    copy. Read incrementally, in a thread, so that the bench's own worker is not held up."""

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

    async def wait_for(
        self, message_ids: Iterable[str], *, deadline: float, poll: float = POLL_SECONDS
    ) -> bool:
        """Until every one of `message_ids` is in the sink, or `deadline` (monotonic)
        passes: whether they all arrived. Says how far it got now and then."""
        wanted = set(message_ids)
        begun = next_note = time.monotonic()
        while True:
            await self.scan()
            arrived = len(wanted & self.written.keys())
            if arrived == len(wanted):
                return True
            now = time.monotonic()
            if now > deadline:
                return False
            if now >= next_note + PROGRESS_SECONDS:
                next_note = now
                print(f"  {arrived}/{len(wanted)} e-mails after {now - begun:.0f} s", flush=True)
            await asyncio.sleep(poll)

    def first_written(self, message_id: str) -> int | None:
        copies = self.written.get(message_id)
        return min(copies) if copies else None

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
    """One round of a side: the e-mails it should produce, when each was handed over (or
    sent), and what else was learnt about it."""

    def __init__(self) -> None:
        self.expected: set[str] = set()  # Message-IDs
        self.started_ns: dict[str, int] = {}  # Message-ID -> hand-over (or send) time
        self.message_ids: dict[str, str] = {}  # the subject's: notification key -> Message-ID
        self.burst_ns = 0  # when the round began
        self.complete = False  # every e-mail arrived within the round's limit
        self.extra: dict[str, object] = {}

    def figures(self, sink: Sink) -> dict[str, object]:
        """Counts, delivered per second and lags; over the e-mails that arrived when the
        round ran out of time (then `complete` is false)."""
        arrived = {m: sink.first_written(m) for m in self.expected}
        written = {m: at for m, at in arrived.items() if at is not None}
        timed = [m for m in written if m in self.started_ns]
        figures: dict[str, object] = {
            "events": len(self.expected),
            "complete": self.complete,
            **sink.tally(self.expected),
        }
        if timed:
            first = min(self.started_ns.values())
            seconds = (max(written.values()) - first) / 1e9
            figures["seconds"] = round(seconds, 3)
            figures["per_second"] = round(len(written) / seconds, 1)
            figures["lag_ms"] = percentiles(
                [ms_between(self.started_ns[m], written[m]) for m in timed]
            )
            figures["lag_from_start_ms"] = percentiles(
                [ms_between(self.burst_ns, at) for at in written.values()]
            )
        return {**figures, **self.extra}


async def stored(db: Database, keys: Iterable[str]) -> tuple[dict[str, Document], list[Document]]:
    """The notifications notify recorded for `keys` and their e-mail deliveries. Read whole
    and filtered here: a few thousand documents, and no query shape SecantusDB could
    answer slowly. Bounded: after a burst that did not drain the server can take minutes
    to answer."""
    wanted = set(keys)
    async with asyncio.timeout(READ_LIMIT_SECONDS):
        return await _stored(db, wanted)


async def _stored(db: Database, wanted: set[str]) -> tuple[dict[str, Document], list[Document]]:
    records = {
        record["_id"]: record
        async for record in db[collections.NOTIFICATIONS].find({}, {"at": 1, "accepted_at": 1})
        if record["_id"] in wanted
    }
    deliveries = [
        delivery
        async for delivery in db[collections.NOTIFICATION_DELIVERIES].find(
            {"channel": Channel.EMAIL.value}, {"email": 0, "payload": 0}
        )
        if delivery["notification_key"] in wanted
    ]
    return records, deliveries


async def stages(
    db: Database, sink: Sink, keys: dict[str, str], *, burst: bool
) -> dict[str, object]:
    """Where the subject's time went, from what notify stored: deliveries in the database
    vs e-mails, per-stage times (ms; BSON dates have ms precision) and, for a burst, the
    rates at which notify accepted the events and sent the e-mails."""
    records, deliveries = await stored(db, keys)
    accepted, queued, sending, marking = [], [], [], []
    claims: list[int] = []
    for delivery in deliveries:
        if delivery.get("first_attempt_at") is None:
            continue
        claimed = ns_of(delivery["first_attempt_at"])
        claims.append(claimed)
        accepted.append(ms_between(ns_of(delivery["at"]), ns_of(delivery["created_at"])))
        queued.append(ms_between(ns_of(delivery["created_at"]), claimed))
        written = sink.first_written(keys[delivery["notification_key"]])
        if written is not None:
            sending.append(ms_between(claimed, written))
            if delivery.get("sent_at") is not None:
                marking.append(ms_between(written, ns_of(delivery["sent_at"])))
    figures: dict[str, object] = {
        "notifications_stored": len(records),
        "deliveries_stored": len(deliveries),
        "deliveries_sent": sum(1 for d in deliveries if d["status"] == "sent"),
        "attempts": sum(int(d["attempts"]) for d in deliveries),
    }
    if burst and records and claims:
        first_at = min(ns_of(record["at"]) for record in records.values())
        last_accepted = max(ns_of(record["accepted_at"]) for record in records.values())
        written_all = [w for m in keys.values() if (w := sink.first_written(m)) is not None]
        # first hand-over to the start of the last accept
        figures["accepted_per_second"] = round(len(records) / ((last_accepted - first_at) / 1e9), 1)
        # first claim to the last e-mail in the sink
        figures["sent_per_second"] = round(
            len(written_all) / ((max(written_all) - min(claims)) / 1e9), 1
        )
    return {
        **figures,
        "handover_to_accept_ms": percentiles(accepted) if accepted else {},
        "accept_to_claim_ms": percentiles(queued) if queued else {},
        "claim_to_sink_ms": percentiles(sending) if sending else {},
        "sink_to_marked_sent_ms": percentiles(marking) if marking else {},
    }


async def settled(db: Database, keys: Iterable[str], *, deadline: float) -> bool:
    """Until every delivery of `keys` is marked sent, or `deadline` (monotonic) passes:
    no round pays for the previous one's bookkeeping."""
    unsent = {"notification_key": {"$in": list(keys)}, "status": {"$ne": "sent"}}
    deliveries = db[collections.NOTIFICATION_DELIVERIES]
    while True:
        if await deliveries.count_documents(unsent) == 0:
            return True
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(POLL_SECONDS)


class Bench:
    def __init__(
        self,
        *,
        settings: Settings,
        db: Database,
        temporal: Client,
        queue: str,
        sink: Sink,
        notify_log: Path,
    ) -> None:
        self.settings = settings
        self.db = db
        self.temporal = temporal
        self.queue = queue
        self.sink = sink
        self.notify_log = notify_log
        self.run_id = uuid.uuid4().hex[:8]
        self.tickets, self.users = ticket_documents(TICKETS)
        self.sends = 0

    def failed_accepts(self) -> int:
        """Attempts of accept_notification that failed so far (timed out, mostly), as the
        Temporal SDK logs them in the notify process."""
        return self.notify_log.read_text(errors="replace").count(FAILED_ACTIVITY)

    # the subject

    async def hand_over(
        self, tag: str, workflows: int, per_workflow: int, *, poll: float = POLL_SECONDS
    ) -> Round:
        """Start `workflows` driver workflows at once, each handing over `per_workflow`
        events; wait until every e-mail is in the sink and marked sent (bounded)."""
        result = Round()
        failed_before = self.failed_accepts()
        batches: list[Handovers] = []
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
                result.message_ids[key] = message_id_of(key, customer_id(ticket))
            batches.append(Handovers(events=items))
        result.expected = set(result.message_ids.values())
        deadline = time.monotonic() + ROUND_LIMIT_SECONDS
        result.burst_ns = time.time_ns()
        handles: list[WorkflowHandle[NotifyDriver, int]] = await asyncio.gather(
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
        result.complete = await self.sink.wait_for(
            result.message_ids.values(), deadline=deadline, poll=poll
        )
        # each event's `at` as notify recorded it (the Notification's, ms precision)
        records, _ = await stored(self.db, result.message_ids)
        for key, record in records.items():
            result.started_ns[result.message_ids[key]] = ns_of(record["at"])
        try:
            async with asyncio.timeout(max(1.0, deadline - time.monotonic())):
                added: list[int] = await asyncio.gather(*(h.result() for h in handles))
            result.extra["deliveries_added"] = sum(added)
        except TimeoutError:
            result.extra["deliveries_added"] = None  # some events not accepted in time
        result.extra["all_marked_sent"] = await settled(
            self.db, result.message_ids, deadline=deadline
        )
        result.extra["failed_accept_attempts"] = self.failed_accepts() - failed_before
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
        result = Round()
        emails = [self.rendered(number) for number in range(count)]
        ids = [
            f"<bench-baseline-{self.run_id}-{self.sends + index}@bench>" for index in range(count)
        ]
        self.sends += count
        result.expected = set(ids)
        next_index = iter(range(count))

        async def lane() -> None:
            for index in next_index:
                user, email = emails[index]
                result.started_ns[ids[index]] = time.time_ns()
                message = email_message(
                    sender=self.settings.smtp_from,
                    to=user["email"],
                    name=user["name"],
                    email=email,
                    message_id=ids[index],
                )
                async with create_smtp_client(self.settings) as smtp:
                    await smtp.send_message(message)

        deadline = time.monotonic() + ROUND_LIMIT_SECONDS
        result.burst_ns = time.time_ns()
        async with asyncio.timeout(ROUND_LIMIT_SECONDS):
            await asyncio.gather(*(lane() for _ in range(concurrency)))
        result.complete = await self.sink.wait_for(ids, deadline=deadline)
        return result


async def sequential(bench: Bench) -> dict[str, object]:
    """SEQUENTIAL events one at a time, each waited for in the sink, against single sends:
    the path's own lag, with no backlog."""
    lags: dict[str, list[float]] = {"B": [], "S": []}
    keys: dict[str, str] = {}
    for index in range(SEQUENTIAL):
        straight = await bench.send_straight(1, 1)
        handed = await bench.hand_over(f"seq{index}", 1, 1, poll=0.01)
        for side, done in (("B", straight), ("S", handed)):
            for message_id, started in done.started_ns.items():
                written = bench.sink.first_written(message_id)
                if written is not None:
                    lags[side].append(ms_between(started, written))
        keys.update(handed.message_ids)
    subject, baseline = percentiles(lags["S"]), percentiles(lags["B"])
    return {
        "count": SEQUENTIAL,
        "subject_lag_ms": subject,
        "baseline_lag_ms": baseline,
        "ratio_lag_p50": round(subject["p50"] / baseline["p50"], 3),
        "ratio_lag_p99": round(subject["p99"] / baseline["p99"], 3),
        "subject_stages": await stages(bench.db, bench.sink, keys, burst=False),
    }


def figure(figures: dict[str, object], path: str) -> float:
    """The number at `path` ("lag_ms.p50") of a round's figures."""
    found: Any = figures
    for step in path.split("."):
        found = found[step]
    return float(found)


async def burst(
    bench: Bench, meter: CpuMeter, workflows: int, per_workflow: int
) -> dict[str, object]:
    """The same number of e-mails straight to the sink, then through notify."""
    count = workflows * per_workflow
    meter.start()
    straight = await bench.send_straight(count, bench.settings.notify_senders)
    straight.extra["cpu_seconds"] = meter.stop()
    print(f"  baseline: {count} e-mails sent", flush=True)

    meter.start()
    handed = await bench.hand_over(f"burst{count}", workflows, per_workflow)
    handed.extra["cpu_seconds"] = meter.stop()
    try:
        handed.extra["stages"] = await stages(bench.db, bench.sink, handed.message_ids, burst=True)
    except TimeoutError:
        handed.extra["stages"] = f"MongoDB did not answer within {READ_LIMIT_SECONDS} s"
    print(f"  subject: {count} events handed over", flush=True)

    await bench.sink.scan()  # what arrived while the figures were read counts too
    baseline, subject = straight.figures(bench.sink), handed.figures(bench.sink)
    figures: dict[str, object] = {
        "events": count,
        "workflows": workflows,
        "events_per_workflow": per_workflow,
        "baseline": {
            "name": "render + email_message, aiosmtplib straight to the sink, one connection each",
            **baseline,
        },
        "subject": {
            "name": "ticket-workflow hand-over -> notify (own process) -> SMTP sink",
            **subject,
        },
    }
    if "per_second" in subject:
        figures["ratio_per_second"] = round(
            figure(subject, "per_second") / figure(baseline, "per_second"), 3
        )
    if handed.complete:
        # lags of an incomplete burst leave out the e-mails still missing: not compared
        def ratio(name: str, baseline_name: str) -> float:
            return round(figure(subject, name) / figure(baseline, baseline_name), 1)

        figures |= {
            "ratio_lag_p50": ratio("lag_ms.p50", "lag_ms.p50"),
            "ratio_lag_p99": ratio("lag_ms.p99", "lag_ms.p99"),
            # against the baseline's lag counted from the start of its burst, as the
            # subject's events are all handed over at the start of its own
            "ratio_lag_p50_from_start": ratio("lag_ms.p50", "lag_from_start_ms.p50"),
            "ratio_lag_p99_from_start": ratio("lag_ms.p99", "lag_from_start_ms.p99"),
        }
    return figures


async def measure(bench: Bench, meter: CpuMeter) -> dict[str, object]:
    await bench.send_straight(
        WARMUP_WORKFLOWS * WARMUP_EVENTS_PER_WORKFLOW, bench.settings.notify_senders
    )
    await bench.hand_over("warmup", WARMUP_WORKFLOWS, WARMUP_EVENTS_PER_WORKFLOW)
    # first, while the collections are small and nothing is queued
    one_by_one = await sequential(bench)
    print(f"  sequential: {SEQUENTIAL} events one at a time", flush=True)
    small = await burst(bench, meter, WORKFLOWS, SMALL_EVENTS_PER_WORKFLOW)
    full = await burst(bench, meter, WORKFLOWS, EVENTS_PER_WORKFLOW)
    return {
        "senders": bench.settings.notify_senders,
        "burst": full,
        "small_burst": small,
        "sequential": one_by_one,
    }


async def main() -> dict[str, object]:
    begun = time.monotonic()
    load_at_start = os.getloadavg()
    async with private_stack(with_services=False) as stack:
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
            # a sink of the benchmark's own, so that it knows where the mail lands
            maildir, logs = Path(tmp) / "mail", Path(tmp) / "log"
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
                    notify_log=logs / "notify.log",
                )
                await db[collections.USERS].insert_many(bench.users)
                await db[collections.TICKETS].insert_many(bench.tickets)
                # the sink first: notify is ready only once it answers
                processes += await start_all(
                    [smtp_sink(port=sink_port, maildir=maildir)], logs, REPO_ROOT
                )
                processes += await start_all([notify], logs, REPO_ROOT)
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
        "tickets": TICKETS,
        "warmup_events": WARMUP_WORKFLOWS * WARMUP_EVENTS_PER_WORKFLOW,
        "round_limit_seconds": ROUND_LIMIT_SECONDS,
        **figures,
        "load_average_at_start": [round(load, 2) for load in load_at_start],
        "seconds_total": round(time.monotonic() - begun, 1),
    }
    write_result("notify", figures)
    return figures
