"""Housekeeping the ticket worker runs on a Temporal schedule: uploads never attached to
a ticket or message are removed a day after their upload (they count against their
uploader's quota until then)."""

from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.common import RetryPolicy

from shared.schedules import ensure_interval_schedule

with workflow.unsafe.imports_passed_through():
    from shared.attachments import remove_unlinked
    from shared.clock import utcnow
    from shared.mongo import Database

UNLINKED_UPLOADS_KEPT = timedelta(days=1)
CLEANUP_EVERY = timedelta(hours=1)
CLEANUP_TIMEOUT = timedelta(minutes=5)
CLEANUP_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=10),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=2),
    maximum_attempts=5,
)
# Batches of one run; what is left waits for the next.
MAX_BATCHES_OF_ONE_RUN = 20


class HousekeepingActivities:
    def __init__(self, db: Database) -> None:
        self._db = db

    @activity.defn
    async def remove_unlinked_uploads(self) -> int:
        """Remove one batch of uploads unlinked for longer than a day; how many."""
        return await remove_unlinked(db=self._db, uploaded_before=utcnow() - UNLINKED_UPLOADS_KEPT)


@workflow.defn
class UnlinkedUploadsCleanupWorkflow:
    @workflow.run
    async def run(self) -> int:
        removed = 0
        for _ in range(MAX_BATCHES_OF_ONE_RUN):
            batch = await workflow.execute_activity_method(
                HousekeepingActivities.remove_unlinked_uploads,
                start_to_close_timeout=CLEANUP_TIMEOUT,
                retry_policy=CLEANUP_RETRY,
            )
            removed += batch
            if batch == 0:
                break
        return removed


def cleanup_schedule_id(task_queue: str) -> str:
    return f"unlinked-uploads-cleanup-{task_queue}"


async def ensure_cleanup_schedule(client: Client, task_queue: str) -> None:
    """Create the hourly cleanup schedule unless it exists (every worker start asks)."""
    await ensure_interval_schedule(
        client,
        schedule_id=cleanup_schedule_id(task_queue),
        workflow=UnlinkedUploadsCleanupWorkflow.run,
        task_queue=task_queue,
        every=CLEANUP_EVERY,
    )
