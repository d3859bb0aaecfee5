"""`desk_growth`: whether the desk stays fast as it fills.

Tickets are filed through an API key at 20 at a time, each for a new customer, for
STAGE_SECONDS at each of: an empty desk, 10,000 and 50,000 existing tickets and customers
(closed tickets of the past year with their histories, conversations, notifications,
deliveries, inbox items and audit entries, written by `devstack/desk_data.py`, plus
OPEN_TICKETS open ones filed through the API). Every other ticket asks what an FAQ article
answers, so it gets an automatic reply; the agents have no cap on their tickets, so each
is assigned (a queue would retry assignment every few minutes and weigh on later stages).

Throughput counts tickets settled (assigned, automatic answer decided, every notification
accepted and every delivery sent), deferred work included: the tickets filed in a stage
divided by the time from its first filing until the last of them settled. Per stage:
settled tickets/s, p50/p99 of filing, CPU seconds per settled ticket of each process (from
/proc, over the same time), resident memory of each process after the stage.

Baseline in the same run, before each stage on the same servers: as in `intake`, a
journaled insert of a ticket-sized document plus the start of an empty workflow, at the
same concurrency for BASELINE_SECONDS (what MongoDB and Temporal themselves sustain with
as much in them).

Between stages the tickets the stage filed end (all but OPEN_TICKETS: their workflows are
terminated and their documents closed, not measured), so each stage
starts from a desk with a few hundred open tickets.

Goals: settled throughput at 50,000 >= 0.9 x the empty desk's; CPU per settled ticket
<= 60 ms for all processes together; filing p99 <= 1 s; all processes together <= 800 MiB
resident at 50,000 tickets.
"""

import contextlib
import os
import time
import uuid
from typing import Any

from temporalio.service import RPCError
from temporalio.worker import Worker

from bench.common import (
    LoadResult,
    Stack,
    private_stack,
    run_for,
    run_load,
    write_result,
)
from bench.filing import FILING_ENV, Filer, intake_client, prepare_desk, ticket_body, wait_settled
from bench.workflows import EmptyWorkflow
from devstack.desk_data import fill_desk
from services.intake.tickets.models import TicketCreate
from services.intake.tickets.service import new_ticket_document
from shared import collections
from shared.clock import utcnow
from shared.mongo import Database, create_mongo_client, get_database
from shared.sla import DEFAULT_SLA_POLICY
from shared.temporal import connect_temporal
from shared.tickets import ticket_workflow_id

STAGES = tuple(int(n) for n in os.environ.get("DESK_GROWTH_STAGES", "0,10000,50000").split(","))
STAGE_SECONDS = float(os.environ.get("DESK_GROWTH_SECONDS", "180"))
BASELINE_SECONDS = 30.0
OPEN_TICKETS = 300
CONCURRENCY = 20
SETTLE_LIMIT_SECONDS = 1200
GOALS = {
    "settled_ratio_at_50000": 0.9,
    "cpu_ms_per_settled_ticket": 60.0,
    "filing_p99_ms": 1000.0,
    "resident_mib_at_50000": 800.0,
}


def _per_ticket_ms(
    before: dict[str, float], after: dict[str, float], count: int
) -> dict[str, float]:
    return {name: round((after[name] - before[name]) / count * 1000, 1) for name in before}


async def baseline_round(stack: Stack, db: Database, stage: int) -> dict[str, Any]:
    """A journaled insert of a ticket-sized document plus an empty workflow's start."""
    temporal = await connect_temporal(stack.settings)
    queue = f"bench-empty-{uuid.uuid4().hex[:8]}"
    scratch = db["bench_baseline_tickets"]
    body = TicketCreate.model_validate(
        {k: v for k, v in ticket_body(0, "b").items() if k != "customer"}
    )

    async def raw(index: int) -> None:
        document = new_ticket_document(
            ticket_id=f"baseline-{stage}-{index}",
            number=index,
            data=body,
            submitter={"id": f"baseline-{index}", "name": "Baseline", "email": None},
            policy=DEFAULT_SLA_POLICY,
            now=utcnow(),
        )
        await scratch.insert_one(document)
        await temporal.start_workflow(
            EmptyWorkflow.run, id=f"bench-empty-{stage}-{index}", task_queue=queue
        )

    before = stack.cpu_all()
    async with Worker(temporal, task_queue=queue, workflows=[EmptyWorkflow]):
        load = await run_for(raw, seconds=BASELINE_SECONDS, concurrency=CONCURRENCY)
    summary = load.summary()
    return {
        "name": "MongoDB insert_one (journaled) + start_workflow of an empty workflow",
        "per_second": summary["per_second"],
        "latency_ms_p50": summary["latency_ms_p50"],
        "latency_ms_p99": summary["latency_ms_p99"],
        "servers_cpu_ms_per_item": {
            name: ms
            for name, ms in _per_ticket_ms(before, stack.cpu_all(), load.count).items()
            if name in ("mongodb", "temporal")
        },
    }


async def filing_stage(stack: Stack, db: Database, key: str, stage: int) -> dict[str, Any]:
    """File for STAGE_SECONDS; the figures once every filed ticket has settled."""
    before, started = stack.cpu_all(), time.perf_counter()
    async with intake_client(stack.settings, {"X-API-Key": key}, CONCURRENCY) as http:
        filer = Filer(http=http, tag=f"g{stage}", ids=[])
        load: LoadResult = await run_for(filer.file, seconds=STAGE_SECONDS, concurrency=CONCURRENCY)
    settled_at = await wait_settled(db, filer.ids, limit=SETTLE_LIMIT_SECONDS)
    cpu = _per_ticket_ms(before, stack.cpu_all(), len(filer.ids))
    summary = load.summary()
    figures = {
        "tickets": len(filer.ids),
        "filing_per_second": summary["per_second"],
        "filing_ms_p50": summary["latency_ms_p50"],
        "filing_ms_p99": summary["latency_ms_p99"],
        "settled_per_second": round(len(filer.ids) / (settled_at - started), 1),
        "seconds_until_settled": round(settled_at - started, 1),
        "cpu_ms_per_settled_ticket": {**cpu, "all": round(sum(cpu.values()), 1)},
        "resident_mib": {**stack.rss_all(), "all": round(sum(stack.rss_all().values()), 1)},
    }
    figures["_ids"] = filer.ids
    return figures


async def retire_all_but(stack: Stack, db: Database, ids: list[str], keep: int) -> None:
    """Between stages, not measured: the tickets a stage filed end (all but `keep`), so the
    next stage starts from a few hundred open ones. Their workflows are terminated and
    their documents closed directly: closing five thousand tickets through the API, each
    an update of a workflow long out of the worker's cache, took half an hour a stage."""
    retiring = ids[keep:]
    temporal = await connect_temporal(stack.settings)

    async def terminate(index: int) -> None:
        handle = temporal.get_workflow_handle(ticket_workflow_id(retiring[index]))
        with contextlib.suppress(RPCError):  # already completed
            await handle.terminate("desk_growth: between stages")

    await run_load(terminate, count=len(retiring), concurrency=CONCURRENCY)
    now = utcnow()
    for start in range(0, len(retiring), 1000):
        batch = retiring[start : start + 1000]
        await db[collections.TICKETS].update_many(
            {"_id": {"$in": batch}},
            {
                "$set": {
                    "status": "closed",
                    "closed_at": now,
                    "close_reason": "no_action",
                    "updated_at": now,
                }
            },
        )
        # What each agent holds, as closing would have released it.
        await db[collections.USERS].update_many(
            {"load": {"$in": batch}}, {"$pull": {"load": {"$in": batch}}}
        )


async def main() -> dict[str, object]:
    stages: list[dict[str, Any]] = []
    async with private_stack(extra_env=FILING_ENV) as stack:
        mongo = create_mongo_client(stack.settings)
        db = get_database(mongo, stack.settings)
        key = await prepare_desk(db, stack.settings)
        await db[collections.USERS].update_many(
            {"role": {"$ne": "customer"}}, {"$set": {"capacity": 0}}
        )
        existing = 0
        for stage in STAGES:
            if stage > existing:
                await fill_desk(db, tickets=stage - existing)
                existing = stage
            baseline = await baseline_round(stack, db, stage)
            subject = await filing_stage(stack, db, key, stage)
            ids = subject.pop("_ids")
            stages.append({"existing_tickets": stage, "subject": subject, "baseline": baseline})
            print(f"stage {stage}: {subject} baseline {baseline}", flush=True)
            if stage != STAGES[-1]:  # nothing follows the last one
                await retire_all_but(stack, db, ids, OPEN_TICKETS)
        await mongo.close()

    first, last = stages[0]["subject"], stages[-1]["subject"]
    ratio = round(last["settled_per_second"] / first["settled_per_second"], 3)
    worst_cpu = max(s["subject"]["cpu_ms_per_settled_ticket"]["all"] for s in stages)
    worst_p99 = max(s["subject"]["filing_ms_p99"] for s in stages)
    figures: dict[str, object] = {
        "description": __doc__.strip() if __doc__ else "",
        "concurrency": CONCURRENCY,
        "stage_seconds": STAGE_SECONDS,
        "stages": stages,
        "settled_ratio_last_to_empty": ratio,
        "goals": GOALS,
        "goals_met": {
            "settled_ratio_at_50000": ratio >= GOALS["settled_ratio_at_50000"],
            "cpu_ms_per_settled_ticket": worst_cpu <= GOALS["cpu_ms_per_settled_ticket"],
            "filing_p99_ms": worst_p99 <= GOALS["filing_p99_ms"],
            "resident_mib_at_50000": last["resident_mib"]["all"] <= GOALS["resident_mib_at_50000"],
        },
    }
    write_result("desk_growth", figures)
    return figures
