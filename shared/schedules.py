"""Temporal schedules the worker keeps: created at its start unless they exist."""

import contextlib
from datetime import timedelta
from typing import Any

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
from temporalio.types import MethodAsyncNoParam


async def ensure_interval_schedule(
    client: Client,
    *,
    schedule_id: str,
    workflow: MethodAsyncNoParam[Any, Any],
    task_queue: str,
    every: timedelta,
    trigger_immediately: bool = False,
) -> None:
    """A schedule starting `workflow` every `every`, never two runs at once and a missed
    run not replayed (the next catches up); nothing if it exists already."""
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(
            workflow,
            id=schedule_id,
            task_queue=task_queue,
            execution_timeout=timedelta(hours=1),
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=every),
    )
    with contextlib.suppress(ScheduleAlreadyRunningError):
        await client.create_schedule(schedule_id, schedule, trigger_immediately=trigger_immediately)
