"""`intake`: tickets filed over HTTP at a fixed concurrency, against a baseline measured in
the same run on the same servers: a raw MongoDB insert plus a raw start of an empty workflow.

Subject: POST /v1/tickets over HTTP, the whole product path (bearer token, validation,
ticket number, journaled insert, workflow start, audit entry), each ticket by its own
customer; the real TicketWorkflow runs on the stack's worker.
Baseline: per item, one insert_one of a ticket-sized document into a scratch collection of
the same database with the same journaled write concern (w=majority, j=true), then
start_workflow of an empty workflow that an in-process worker of the benchmark executes.

Both sides run at the same concurrency in alternating rounds (B S S B B S, so slow drift
of the servers, e.g. growing collections, weighs on both alike) after a warm-up of each.
After each round the benchmark waits until that round's workflows have done their first
steps (empty workflow completed; ticket created and queued), so no round pays for the
previous one's work; that wait is reported as `drain_seconds` and is not in the figures
but in `per_second_including_drain` (items / (seconds under load + drain)).
The headline figures are the totals of all rounds: throughput = items / seconds under
load, latencies over every item; each round's throughput is listed too.
Goal: the API reaches at least 0.8 of the baseline's throughput.
"""

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from temporalio.client import WorkflowHandle
from temporalio.worker import Worker

from bench.common import (
    LoadResult,
    combined,
    customer_headers,
    private_stack,
    run_load,
    write_result,
)
from bench.workflows import EmptyWorkflow
from services.intake.tickets.models import TicketCreate
from services.intake.tickets.service import new_ticket_document
from shared import collections
from shared.clock import utcnow
from shared.mongo import create_mongo_client, get_database
from shared.sla import DEFAULT_SLA_POLICY
from shared.temporal import connect_temporal

COUNT_PER_ROUND = 200
ROUNDS = 3
WARMUP = 40
CONCURRENCY = 20
ORDER = "BSSBBS"  # B: baseline round, S: subject round
DRAIN_LIMIT_SECONDS = 120
GOAL_RATIO_THROUGHPUT = 0.8
SCRATCH = "bench_baseline_tickets"


def ticket_body(index: int) -> dict[str, Any]:
    return {
        "type": "technical",
        "category": "connection",
        "title": f"无法连接服务器 / cannot connect ({index})",
        "description": "The desktop app shows 'connection refused' since 9:00.",
    }


def side_figures(name: str, rounds: list[LoadResult], drains: list[float]) -> dict[str, object]:
    return {
        "name": name,
        **combined(rounds).summary(),
        "per_second_by_round": [round(result.per_second, 1) for result in rounds],
        "drain_seconds_by_round": [round(seconds, 2) for seconds in drains],
        # what the whole machine sustains: items / (seconds under load + drain)
        "per_second_including_drain": round(
            sum(result.count for result in rounds)
            / (sum(result.seconds for result in rounds) + sum(drains)),
            1,
        ),
    }


async def main() -> dict[str, object]:
    assert ORDER.count("B") == ORDER.count("S") == ROUNDS
    total = WARMUP + ROUNDS * COUNT_PER_ROUND
    async with private_stack() as stack:
        settings = stack.settings
        mongo = create_mongo_client(settings)
        db = get_database(mongo, settings)  # journaled, as intake writes tickets
        scratch = db[SCRATCH]
        tickets = db[collections.TICKETS]
        temporal = await connect_temporal(settings)
        queue = f"bench-empty-{uuid.uuid4().hex[:8]}"
        customers = customer_headers(settings, total)
        # Ticket-sized documents, built as intake builds them (before any timing).
        documents = [
            new_ticket_document(
                ticket_id=f"baseline{index:016d}",
                number=index,
                data=TicketCreate.model_validate(ticket_body(index)),
                submitter={"id": f"bench-c{index:06d}", "name": "Bench", "email": None},
                policy=DEFAULT_SLA_POLICY,
                now=utcnow(),
            )
            for index in range(total)
        ]
        limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
        async with (
            Worker(temporal, task_queue=queue, workflows=[EmptyWorkflow]),
            httpx.AsyncClient(base_url=settings.intake_url, limits=limits, timeout=30) as http,
        ):
            handles: list[WorkflowHandle[Any, Any]] = []
            ids: list[str] = []

            async def raw(index: int) -> None:
                await scratch.insert_one(documents[index])
                handles.append(
                    await temporal.start_workflow(
                        EmptyWorkflow.run, id=f"bench-empty-{index}", task_queue=queue
                    )
                )

            async def file_ticket(index: int) -> None:
                response = await http.post(
                    "/v1/tickets", headers=customers[index], json=ticket_body(index)
                )
                response.raise_for_status()
                ids.append(response.json()["id"])

            async def drain_raw() -> None:
                await asyncio.gather(*(handle.result() for handle in handles))
                handles.clear()

            async def drain_tickets() -> None:
                settled = {"_id": {"$in": ids}, "last_event_seq": {"$gte": 1}}
                for _ in range(int(DRAIN_LIMIT_SECONDS / 0.1)):
                    if await tickets.count_documents(settled) >= len(ids):
                        break
                    await asyncio.sleep(0.1)
                ids.clear()

            async def one_round(
                operation: Callable[[int], Awaitable[None]],
                drain: Callable[[], Awaitable[None]],
                first: int,
                count: int,
            ) -> tuple[LoadResult, float]:
                load = await run_load(
                    lambda i: operation(first + i), count=count, concurrency=CONCURRENCY
                )
                started = time.perf_counter()
                async with asyncio.timeout(DRAIN_LIMIT_SECONDS):
                    await drain()
                return load, time.perf_counter() - started

            sides = {"B": (raw, drain_raw), "S": (file_ticket, drain_tickets)}
            for operation, drain in sides.values():
                await one_round(operation, drain, 0, WARMUP)
            results: dict[str, list[LoadResult]] = {"B": [], "S": []}
            drains: dict[str, list[float]] = {"B": [], "S": []}
            for side in ORDER:
                first = WARMUP + len(results[side]) * COUNT_PER_ROUND
                load, drained = await one_round(*sides[side], first, COUNT_PER_ROUND)
                results[side].append(load)
                drains[side].append(drained)
        await mongo.close()

    baseline, subject = combined(results["B"]), combined(results["S"])
    ratio_throughput = round(subject.per_second / baseline.per_second, 3)
    figures: dict[str, object] = {
        "description": __doc__.strip() if __doc__ else "",
        "concurrency": CONCURRENCY,
        "rounds": ORDER,
        "count_per_round": COUNT_PER_ROUND,
        "warmup_per_side": WARMUP,
        "baseline": side_figures(
            "MongoDB insert_one (journaled) + start_workflow of an empty workflow",
            results["B"],
            drains["B"],
        ),
        "subject": side_figures("POST /v1/tickets over HTTP", results["S"], drains["S"]),
        "ratio_throughput": ratio_throughput,
        "ratio_latency_p50": round(
            subject.summary()["latency_ms_p50"] / baseline.summary()["latency_ms_p50"], 3
        ),
        "ratio_latency_p99": round(
            subject.summary()["latency_ms_p99"] / baseline.summary()["latency_ms_p99"], 3
        ),
        "goal": f"ratio_throughput >= {GOAL_RATIO_THROUGHPUT}",
        "goal_met": ratio_throughput >= GOAL_RATIO_THROUGHPUT,
    }
    write_result("intake", figures)
    return figures
