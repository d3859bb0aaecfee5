"""The Temporal schedule that refreshes the statistics every minute. A missed run is not
replayed (the next one catches up from where the refresh stopped reading), and runs never
overlap."""

from datetime import timedelta

from temporalio.client import Client

from services.workflows.stats.activities import StatsRefreshWorkflow
from shared.schedules import ensure_interval_schedule

REFRESH_EVERY = timedelta(minutes=1)


def refresh_schedule_id(task_queue: str) -> str:
    return f"stats-refresh-{task_queue}"


async def ensure_refresh_schedule(client: Client, task_queue: str) -> None:
    """Create the refresh schedule unless it exists (every worker start asks)."""
    await ensure_interval_schedule(
        client,
        schedule_id=refresh_schedule_id(task_queue),
        workflow=StatsRefreshWorkflow.run,
        task_queue=task_queue,
        every=REFRESH_EVERY,
        trigger_immediately=True,
    )
