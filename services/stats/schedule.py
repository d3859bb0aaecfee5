"""The Temporal schedule that refreshes the statistics every minute. A missed run is not
replayed (the next one catches up from where the refresh stopped reading), and runs never
overlap."""

import contextlib
from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
)

from services.stats.activities import StatsRefreshWorkflow

REFRESH_EVERY = timedelta(minutes=1)


def refresh_schedule_id(task_queue: str) -> str:
    return f"stats-refresh-{task_queue}"


async def ensure_refresh_schedule(client: Client, task_queue: str) -> None:
    """Create the refresh schedule unless it exists (every worker start asks)."""
    schedule_id = refresh_schedule_id(task_queue)
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(
            StatsRefreshWorkflow.run,
            id=schedule_id,
            task_queue=task_queue,
            execution_timeout=timedelta(hours=1),
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=REFRESH_EVERY)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=REFRESH_EVERY),
    )
    with contextlib.suppress(ScheduleAlreadyRunningError):
        await client.create_schedule(schedule_id, schedule, trigger_immediately=True)
