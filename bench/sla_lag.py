"""`sla_lag`: how long after its deadline a breach is recorded.

500 tickets are filed through intake (each by its own customer, with a bearer token) at a
steady 10 a second (36,000 an hour, far above a large help desk's intake) with a 60 s
first-response target, on the dev server with the real worker, so that breaches fall due
at that rate too; the figure is (recorded breach time - deadline) from each ticket's
history. A second run files them as fast as intake
takes them (a burst: every breach within ~10 s) to show how lag grows when this 2-core
machine, which also runs MongoDB, Temporal and intake, is saturated.

Baseline in each run, on the same server: bare Temporal timers (a probe
workflow that sleeps until a deadline and reports how late it woke), the floor that any
timer-driven design can reach. Help desks that poll for breaches every 5-60 minutes lag by
half their interval on average.
"""

import asyncio
import time
import uuid
from datetime import datetime, timedelta

import httpx
from temporalio import workflow
from temporalio.worker import Worker

from bench.common import customer_headers, percentiles, private_stack, run_load, write_result
from shared import collections
from shared.clock import utcnow
from shared.desk_config import SLA_POLICY_ID
from shared.mongo import create_mongo_client, get_database
from shared.temporal import connect_temporal

COUNT = 500
TARGET_SECONDS = 60
STEADY_PER_SECOND = 10.0
CONCURRENCY = 20
WAIT_LIMIT_SECONDS = 300


@workflow.defn(sandboxed=False)
class TimerProbe:
    """Sleeps until a deadline and answers how many ms late it woke."""

    @workflow.run
    async def run(self, deadline: datetime) -> float:
        await workflow.sleep(max(0.0, (deadline - workflow.now()).total_seconds()))
        return (workflow.now() - deadline).total_seconds() * 1000


async def scenario(per_second: float | None) -> dict[str, object]:
    """File COUNT tickets (paced, or as fast as intake takes them) and measure the lags."""
    async with private_stack() as stack:
        settings = stack.settings
        mongo = create_mongo_client(settings)
        db = get_database(mongo, settings)
        short = {"response_seconds": TARGET_SECONDS, "resolution_seconds": TARGET_SECONDS * 10}
        await db[collections.SETTINGS].insert_one(
            {
                "_id": SLA_POLICY_ID,
                "warning_share": 0.8,
                "policies": dict.fromkeys(("urgent", "high", "normal", "low"), short),
            }
        )
        temporal = await connect_temporal(settings)
        probe_queue = f"probe-{uuid.uuid4().hex[:6]}"
        async with (
            Worker(temporal, task_queue=probe_queue, workflows=[TimerProbe]),
            httpx.AsyncClient(base_url=settings.intake_url, timeout=30) as http,
        ):
            probes = []
            customers = customer_headers(settings, COUNT)

            async def file(index: int) -> None:
                response = await http.post(
                    "/v1/tickets",
                    headers=customers[index],
                    json={
                        "type": "technical",
                        "category": "performance",
                        "title": f"Slow dashboard #{index}",
                        "description": "Takes 30 s to load.",
                    },
                )
                response.raise_for_status()
                deadline = utcnow() + timedelta(seconds=TARGET_SECONDS)
                probes.append(
                    await temporal.start_workflow(
                        TimerProbe.run,
                        deadline,
                        id=f"probe-{uuid.uuid4().hex}",
                        task_queue=probe_queue,
                    )
                )

            load = await run_load(file, count=COUNT, concurrency=CONCURRENCY, per_second=per_second)
            started = time.monotonic()
            events = db[collections.TICKET_EVENTS]
            breaches = {"action": "sla_breached", "data.clock": "response"}
            while time.monotonic() - started < WAIT_LIMIT_SECONDS:
                if await events.count_documents(breaches) >= COUNT:
                    break
                await asyncio.sleep(2)
            lags = [
                (event["at"] - datetime.fromisoformat(event["data"]["due_at"])).total_seconds()
                * 1000
                async for event in events.find(breaches)
            ]
            baseline = [await probe.result() for probe in probes]
        await mongo.close()
    return {
        "filing_per_second": round(load.per_second, 1),
        "breaches_recorded": len(lags),
        "subject": {"name": "recorded breach - deadline, ms", **percentiles(lags)},
        "baseline": {"name": "bare Temporal timer wake-up lag, ms", **percentiles(baseline)},
        "ratio_p99": round(percentiles(lags)["p99"] / max(percentiles(baseline)["p99"], 1.0), 2),
    }


async def main() -> dict[str, object]:
    figures: dict[str, object] = {
        "description": __doc__.strip() if __doc__ else "",
        "tickets": COUNT,
        "target_seconds": TARGET_SECONDS,
        "steady": await scenario(STEADY_PER_SECOND),
        "burst": await scenario(None),
        "polling_peers_mean_lag_ms": {"every 5 min": 150_000, "every 60 min": 1_800_000},
        "goal": "p99 < 1000 ms (steady)",
    }
    write_result("sla_lag", figures)
    return figures
