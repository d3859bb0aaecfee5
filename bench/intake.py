"""`intake`: filing tickets over HTTP (store + number + workflow start) against the bare
cost of starting the same workflow directly on Temporal, in the same run on the same stack.

The ratio says what intake adds on top of Temporal's own start rate.
"""

import httpx
from temporalio.common import WorkflowIDConflictPolicy

from bench.common import private_stack, run_load, write_result
from shared.clock import utcnow
from shared.temporal import connect_temporal
from shared.tickets import TICKET_WORKFLOW, Actor, TicketStart, ticket_workflow_id

COUNT = 400
CONCURRENCY = 20
BODY = {
    "type": "technical",
    "category": "connection",
    "title": "无法连接服务器 / cannot connect",
    "description": "The desktop app shows 'connection refused' since 9:00.",
}


async def main() -> dict[str, object]:
    async with private_stack() as stack:
        temporal = await connect_temporal(stack.settings)

        async def start_directly(index: int) -> None:
            start = TicketStart(
                ticket_id=f"baseline{index:016d}",
                number=index,
                type="technical",
                category="connection",
                priority="normal",
                submitter=Actor(role="customer"),
                created_at=utcnow(),
            )
            await temporal.start_workflow(
                TICKET_WORKFLOW,
                start,
                id=ticket_workflow_id(start.ticket_id),
                task_queue=stack.settings.temporal_task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            )

        limits = httpx.Limits(max_connections=CONCURRENCY)
        async with httpx.AsyncClient(base_url=stack.settings.intake_url, limits=limits) as http:

            async def file_ticket(_: int) -> None:
                response = await http.post("/v1/tickets", json=BODY)
                response.raise_for_status()

            # warm both paths so neither pays first-connection costs in the figures
            await run_load(file_ticket, count=20, concurrency=CONCURRENCY)
            baseline = await run_load(start_directly, count=COUNT, concurrency=CONCURRENCY)
            subject = await run_load(file_ticket, count=COUNT, concurrency=CONCURRENCY)

    figures: dict[str, object] = {
        "description": __doc__.strip() if __doc__ else "",
        "concurrency": CONCURRENCY,
        "baseline": {"name": "Temporal start_workflow of TicketWorkflow", **baseline.summary()},
        "subject": {"name": "POST /v1/tickets over HTTP", **subject.summary()},
        "ratio_throughput": round(subject.per_second / baseline.per_second, 3),
        "ratio_latency_p50": round(
            subject.summary()["latency_ms_p50"] / baseline.summary()["latency_ms_p50"], 3
        ),
    }
    write_result("intake", figures)
    return figures
