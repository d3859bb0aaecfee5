"""Worker main: `python -m services.workflows.worker`."""

import asyncio
import logging
import signal
import sys
from dataclasses import dataclass
from datetime import timedelta

from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from services.workflows.activities import TicketActivities, ensure_indexes
from services.workflows.auto_answer import KnowledgeSuggestions
from services.workflows.bulk_activities import CONCURRENT_UPDATES, BulkActivities
from services.workflows.bulk_workflow import BulkActionWorkflow
from services.workflows.housekeeping import (
    HousekeepingActivities,
    UnlinkedUploadsCleanupWorkflow,
    ensure_cleanup_schedule,
)
from services.workflows.stats.activities import StatsActivities, StatsRefreshWorkflow
from services.workflows.stats.schedule import ensure_refresh_schedule
from services.workflows.ticket.workflow import TicketWorkflow
from shared.db_commands import step, tally_from_env, tally_written
from shared.mongo import Database, create_mongo_client, get_database
from shared.settings import Settings
from shared.temporal import connect_temporal
from shared.waiting import StoppedWaitingError, until_it_answers

log = logging.getLogger("helpdesk.worker")


@dataclass(frozen=True)
class WorkerTuning:
    """How much work one worker process takes on (the SDK's defaults but the shutdown)."""

    max_concurrent_workflow_tasks: int = 100
    max_concurrent_activities: int = 100
    max_cached_workflows: int = 1000
    graceful_shutdown_seconds: float = 0.0

    @classmethod
    def from_settings(cls, settings: Settings) -> "WorkerTuning":
        return cls(
            max_concurrent_workflow_tasks=settings.worker_max_concurrent_workflow_tasks,
            max_concurrent_activities=settings.worker_max_concurrent_activities,
            max_cached_workflows=settings.worker_max_cached_workflows,
            graceful_shutdown_seconds=settings.worker_graceful_shutdown_seconds,
        )


def build_worker(
    client: Client,
    db: Database,
    task_queue: str,
    knowledge: KnowledgeSuggestions | None = None,
    *,
    config_cache_seconds: float = 0.0,
    sandboxed: bool = True,
    bulk_concurrent_updates: int = CONCURRENT_UPDATES,
    tuning: WorkerTuning = WorkerTuning(),
) -> Worker:
    """The worker that runs ticket workflows and their activities on `task_queue`; without
    `knowledge`, new tickets get no automatic answers. The desk settings are read again
    once `config_cache_seconds` old (0: for every ticket).

    `sandboxed` runs the workflows in Temporal's sandbox, which fails a workflow that calls
    something non-deterministic (the clock, random numbers, I/O): the test suite runs every
    workflow path that way. The production worker runs them without it (WORKFLOW_SANDBOX):
    measured filing tickets, the sandbox cost 13 ms of the worker's 33 ms of CPU per
    ticket (it loads the workflow module anew for every run and proxies its imports) and
    300 MiB of its memory at 1,200 cached workflows."""
    activities = TicketActivities(db, client, knowledge, config_cache_seconds=config_cache_seconds)
    stats = StatsActivities(db)
    housekeeping = HousekeepingActivities(db)
    bulk = BulkActivities(db, client, concurrent_updates=bulk_concurrent_updates)
    return Worker(
        client,
        task_queue=task_queue,
        workflow_runner=SandboxedWorkflowRunner() if sandboxed else UnsandboxedWorkflowRunner(),
        max_concurrent_workflow_tasks=tuning.max_concurrent_workflow_tasks,
        max_concurrent_activities=tuning.max_concurrent_activities,
        max_cached_workflows=tuning.max_cached_workflows,
        graceful_shutdown_timeout=timedelta(seconds=tuning.graceful_shutdown_seconds),
        workflows=[
            TicketWorkflow,
            StatsRefreshWorkflow,
            UnlinkedUploadsCleanupWorkflow,
            BulkActionWorkflow,
        ],
        activities=[
            *activities.all(),
            stats.refresh_ticket_stats,
            housekeeping.remove_unlinked_uploads,
            bulk.apply_bulk_chunk,
            bulk.record_bulk_phase,
        ],
    )


async def ensure_schedules(client: Client, task_queue: str) -> None:
    await ensure_refresh_schedule(client, task_queue)
    await ensure_cleanup_schedule(client, task_queue)


async def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # The workflow sandbox imports the workflow module afresh for every workflow it starts;
    # without cached bytecode (PYTHONDONTWRITEBYTECODE) it would compile the source each
    # time, a quarter of the worker's CPU when tickets are filed quickly.
    sys.dont_write_bytecode = False
    settings = Settings()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    tally = tally_from_env()
    mongo = create_mongo_client(settings, [tally] if tally else [])
    db = get_database(mongo, settings)
    try:
        with step("startup"):
            await until_it_answers("MongoDB", lambda: ensure_indexes(db), stop=stop, log=log)
        client = await until_it_answers(
            "Temporal", lambda: connect_temporal(settings), stop=stop, log=log
        )
        await until_it_answers(
            "Temporal's schedules",
            lambda: ensure_schedules(client, settings.temporal_task_queue),
            stop=stop,
            log=log,
        )
    except StoppedWaitingError:
        await mongo.close()
        return
    knowledge = KnowledgeSuggestions.from_settings(settings)
    worker = build_worker(
        client,
        db,
        settings.temporal_task_queue,
        knowledge,
        config_cache_seconds=settings.desk_config_cache_seconds,
        sandboxed=settings.workflow_sandbox,
        bulk_concurrent_updates=settings.bulk_concurrent_updates,
        tuning=WorkerTuning.from_settings(settings),
    )

    async with worker, tally_written(tally, "worker"):
        log.info(
            "polling task queue %r on %s (%s)",
            settings.temporal_task_queue,
            settings.temporal_address,
            WorkerTuning.from_settings(settings),
        )
        await stop.wait()
        log.info("shutting down")
    await knowledge.close()
    await mongo.close()


if __name__ == "__main__":
    asyncio.run(main())
