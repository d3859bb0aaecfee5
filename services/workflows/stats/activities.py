"""The statistics refresh as an activity of the ticket worker, and the workflow a Temporal
schedule starts every minute to run it."""

from datetime import timedelta

from temporalio import activity, workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from services.workflows.stats.refresh import refresh_ticket_stats
    from shared.clock import utcnow
    from shared.mongo import Database

REFRESH_TIMEOUT = timedelta(minutes=5)
REFRESH_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=1),
    maximum_attempts=5,
)
# A run goes on until it has caught up, a page of tickets at a time.
MAX_RUNS_OF_ONE_REFRESH = 50


class StatsActivities:
    def __init__(self, db: Database) -> None:
        self._db = db

    @activity.defn
    async def refresh_ticket_stats(self) -> bool:
        """Recompute the facts of tickets whose events changed; True once caught up."""
        outcome = await refresh_ticket_stats(db=self._db, now=utcnow())
        return outcome.caught_up


@workflow.defn
class StatsRefreshWorkflow:
    """One refresh: catch up on the event history (after downtime, in several pages)."""

    @workflow.run
    async def run(self) -> bool:
        for _ in range(MAX_RUNS_OF_ONE_REFRESH):
            caught_up = await workflow.execute_activity_method(
                StatsActivities.refresh_ticket_stats,
                start_to_close_timeout=REFRESH_TIMEOUT,
                retry_policy=REFRESH_RETRY,
            )
            if caught_up:
                return True
        return False  # the next scheduled run goes on
