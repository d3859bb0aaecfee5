"""`actions`: agent actions through the API against raw workflow updates on a trivial
workflow, at a fixed concurrency, in the same run on the same servers.

Subject: POST /v1/tickets/{id}/actions/verify-identity over HTTP by agents (bearer
tokens; each agent a user of the desk in the frontline group), on CONCURRENCY tickets filed
and assigned first: the product path (token, rate limit, ticket read, access check, workflow
update with its validator, the event recorded by the worker, ticket read, audit entry).
Baseline: execute_update on CONCURRENCY trivial workflows (a counter; no activity) run by
an in-process worker of the benchmark on a task queue of its own.

Each lane holds one ticket (or one workflow) at a time, so no lane waits on another's
update of the same workflow. Both sides get a warm-up, then alternating rounds (B S S B B
S); the figures are the totals of all rounds (throughput = actions / seconds under load,
latencies over every action), each round's throughput is listed too.
Goal: at most 1.25x the raw latency at p50.
"""

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx
from temporalio.client import WorkflowHandle
from temporalio.worker import Worker

from bench.common import (
    LoadResult,
    bearer,
    combined,
    customer_headers,
    private_stack,
    run_load,
    write_result,
)
from bench.workflow_models import Bump, Counted
from bench.workflows import TrivialWorkflow
from shared import collections
from shared.auth import Principal
from shared.enums import Role, StandardGroup
from shared.mongo import create_mongo_client, get_database
from shared.temporal import connect_temporal

COUNT_PER_ROUND = 100
ROUNDS = 3
WARMUP = 30
CONCURRENCY = 10
# Agents take turns, so none comes near its rate limit (20/s, bursts of 60).
AGENTS = 3 * CONCURRENCY
ORDER = "BSSBBS"  # B: baseline round, S: subject round
SETTLE_LIMIT_SECONDS = 120
GOAL_RATIO_LATENCY_P50 = 1.25
VERIFY = {"method": "sms", "passed": True}

T = TypeVar("T")


def side_figures(name: str, rounds: list[LoadResult]) -> dict[str, object]:
    return {
        "name": name,
        **combined(rounds).summary(),
        "per_second_by_round": [round(result.per_second, 1) for result in rounds],
    }


async def lanes_of(
    items: list[T], operation: Callable[[T, int], Awaitable[None]], *, count: int
) -> LoadResult:
    """`count` operations, one per item at a time: each lane takes a free item."""
    free: asyncio.Queue[T] = asyncio.Queue()
    for item in items:
        free.put_nowait(item)

    async def one(index: int) -> None:
        item = free.get_nowait()  # never empty: as many lanes as items
        try:
            await operation(item, index)
        finally:
            free.put_nowait(item)

    return await run_load(one, count=count, concurrency=len(items))


async def main() -> dict[str, object]:
    assert ORDER.count("B") == ORDER.count("S") == ROUNDS
    async with private_stack() as stack:
        settings = stack.settings
        mongo = create_mongo_client(settings)
        db = get_database(mongo, settings)
        temporal = await connect_temporal(settings)
        queue = f"bench-trivial-{uuid.uuid4().hex[:8]}"
        agents = [
            Principal(
                id=f"bench-agent-{index:03d}",
                role=Role.AGENT,
                name=f"Bench agent {index}",
                email=f"bench-agent-{index:03d}@example.com",
                groups=(StandardGroup.FRONTLINE.value,),
            )
            for index in range(AGENTS)
        ]
        await db[collections.USERS].insert_many(
            [
                {
                    "_id": agent.id,
                    "email": agent.email,
                    "name": agent.name,
                    "role": agent.role.value,
                    "groups": list(agent.groups),
                    "skills": [],
                    "language": "en",
                    "capacity": 10,
                    "available": True,
                    "load": [],
                }
                for agent in agents
            ]
        )
        agent_headers = [bearer(settings, agent) for agent in agents]
        customers = customer_headers(settings, CONCURRENCY)
        limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
        async with (
            Worker(temporal, task_queue=queue, workflows=[TrivialWorkflow]),
            httpx.AsyncClient(base_url=settings.intake_url, limits=limits, timeout=30) as http,
        ):
            # the subject's tickets: filed, then assigned by their workflows
            ticket_ids: list[str] = []
            for index, headers in enumerate(customers):
                response = await http.post(
                    "/v1/tickets",
                    headers=headers,
                    json={
                        "type": "account",
                        "category": "login",
                        "title": f"Cannot log in to account #{index}",
                        "description": "The login page says my password is wrong.",
                    },
                )
                response.raise_for_status()
                ticket_ids.append(response.json()["id"])
            assigned = {"_id": {"$in": ticket_ids}, "assignee": {"$ne": None}}
            started = time.monotonic()
            while await db[collections.TICKETS].count_documents(assigned) < len(ticket_ids):
                if time.monotonic() - started > SETTLE_LIMIT_SECONDS:
                    raise RuntimeError("the benchmark's tickets were not assigned in time")
                await asyncio.sleep(0.2)

            # the baseline's workflows
            handles: list[WorkflowHandle[TrivialWorkflow, int]] = [
                await temporal.start_workflow(
                    TrivialWorkflow.run, id=f"bench-trivial-{index}", task_queue=queue
                )
                for index in range(CONCURRENCY)
            ]

            async def raw(handle: WorkflowHandle[TrivialWorkflow, int], _: int) -> None:
                # by name, as intake sends the ticket's updates
                await handle.execute_update("bump", Bump(by=1), result_type=Counted)

            async def act(ticket_id: str, index: int) -> None:
                response = await http.post(
                    f"/v1/tickets/{ticket_id}/actions/verify-identity",
                    headers=agent_headers[index % AGENTS],
                    json=VERIFY,
                )
                response.raise_for_status()

            async def baseline_round(count: int) -> LoadResult:
                return await lanes_of(handles, raw, count=count)

            async def subject_round(count: int) -> LoadResult:
                return await lanes_of(ticket_ids, act, count=count)

            sides = {"B": baseline_round, "S": subject_round}
            for run_round in sides.values():
                await run_round(WARMUP)
            results: dict[str, list[LoadResult]] = {"B": [], "S": []}
            for side in ORDER:
                results[side].append(await sides[side](COUNT_PER_ROUND))
            for handle in handles:
                await handle.signal(TrivialWorkflow.stop)
            recorded = await db[collections.TICKET_EVENTS].count_documents(
                {"ticket_id": {"$in": ticket_ids}, "action": "identity_verified"}
            )
        await mongo.close()

    baseline, subject = combined(results["B"]), combined(results["S"])
    ratio_p50 = round(subject.summary()["latency_ms_p50"] / baseline.summary()["latency_ms_p50"], 3)
    figures: dict[str, object] = {
        "description": __doc__.strip() if __doc__ else "",
        "concurrency": CONCURRENCY,
        "rounds": ORDER,
        "count_per_round": COUNT_PER_ROUND,
        "warmup_per_side": WARMUP,
        "baseline": side_figures(
            "execute_update on a trivial workflow (counter, no activity)", results["B"]
        ),
        "subject": side_figures(
            "POST /v1/tickets/{id}/actions/verify-identity over HTTP", results["S"]
        ),
        "identity_events_recorded": recorded,
        "ratio_latency_p50": ratio_p50,
        "ratio_latency_p99": round(
            subject.summary()["latency_ms_p99"] / baseline.summary()["latency_ms_p99"], 3
        ),
        "ratio_throughput": round(subject.per_second / baseline.per_second, 3),
        "goal": f"ratio_latency_p50 <= {GOAL_RATIO_LATENCY_P50}",
        "goal_met": ratio_p50 <= GOAL_RATIO_LATENCY_P50,
    }
    write_result("actions", figures)
    return figures
