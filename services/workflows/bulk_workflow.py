"""The bulk action workflow: one change over many tickets, a slice at a time.

Each slice is one activity (services/workflows/bulk_activities.py) that is safe to run
again: a crash of the worker, MongoDB or Temporal resumes at the slice it was in, and no
ticket is changed twice. After a reversible change the workflow waits, for the undo
window, on an `undo` update; then it ends. At most MAX_BULK_TICKETS tickets (100 slices,
about 400 history events each way): far from the size where continue-as-new is needed."""

import contextlib
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from services.workflows.bulk_activities import BulkActivities
    from shared.bulk import (
        BULK_WORKFLOW,
        REVERSIBLE,
        BulkActionStart,
        BulkChunk,
        BulkPhase,
        BulkProgress,
        BulkRejectionCode,
        BulkTally,
        UndoRequest,
    )
    from shared.ticket_updates import ASSIGNING_ROLES

SLICE = 50
SLICE_TIMEOUT = timedelta(minutes=5)
SLICE_HEARTBEAT = timedelta(seconds=30)
# Steps are retried until they succeed: Temporal or MongoDB down only delays the action.
STEP_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
)
PHASE_TIMEOUT = timedelta(seconds=30)


@workflow.defn(name=BULK_WORKFLOW)
class BulkActionWorkflow:
    def __init__(self) -> None:
        self._progress: BulkProgress | None = None
        self._undo_by: UndoRequest | None = None
        self._ran_by: str | None = None

    @workflow.run
    async def run(self, start: BulkActionStart) -> BulkProgress:
        spec = start.spec
        self._ran_by = spec.actor.id
        self._progress = BulkProgress(
            action_id=spec.action_id,
            phase=BulkPhase.APPLYING,
            total=len(start.ticket_ids),
            tally=BulkTally(),
        )
        await self._work(start, undo=False)
        reversible = spec.kind in REVERSIBLE and spec.undo_seconds > 0
        if reversible and self._progress.tally.changed:
            window = timedelta(seconds=spec.undo_seconds)
            self._progress.phase = BulkPhase.APPLIED
            self._progress.undo_until = workflow.now() + window
            self._progress.undo_total = self._progress.tally.changed
            await self._record()
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(lambda: self._undo_by is not None, timeout=window)
            if self._undo_by is not None:
                self._progress.phase = BulkPhase.UNDOING
                await self._record()
                await self._work(start, undo=True)
                self._progress.phase = BulkPhase.UNDONE
                self._progress.undo_until = None
                await self._record()
                return self._progress
        self._progress.phase = BulkPhase.FINISHED
        self._progress.undo_until = None
        await self._record()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._progress

    async def _work(self, start: BulkActionStart, *, undo: bool) -> None:
        assert self._progress is not None
        for offset in range(0, len(start.ticket_ids), SLICE):
            tally = await workflow.execute_activity_method(
                BulkActivities.apply_bulk_chunk,
                BulkChunk(
                    spec=start.spec,
                    ticket_ids=start.ticket_ids[offset : offset + SLICE],
                    offset=offset,
                    before=self._progress.tally,
                    undo=undo,
                    undo_actor=self._undo_by.actor if self._undo_by else None,
                ),
                start_to_close_timeout=SLICE_TIMEOUT,
                heartbeat_timeout=SLICE_HEARTBEAT,
                retry_policy=STEP_RETRY,
            )
            self._progress.tally = self._progress.tally.plus(tally)

    async def _record(self) -> None:
        assert self._progress is not None
        await workflow.execute_activity_method(
            BulkActivities.record_bulk_phase,
            self._progress,
            start_to_close_timeout=PHASE_TIMEOUT,
            retry_policy=STEP_RETRY,
        )

    @workflow.query(name="progress")
    def progress(self) -> BulkProgress | None:
        return self._progress

    @workflow.update(name="undo")
    def undo(self, request: UndoRequest) -> BulkProgress:
        """Take the change back (the run does it, a slice at a time)."""
        self._undo_by = request
        assert self._progress is not None
        return self._progress.model_copy(update={"phase": BulkPhase.UNDOING})

    @undo.validator
    def _validate_undo(self, request: UndoRequest) -> None:
        progress = self._progress
        if progress is None or progress.phase is not BulkPhase.APPLIED:
            raise ApplicationError(
                "Only a finished reversible bulk action, within its undo window, can be undone.",
                type=BulkRejectionCode.UNDO_UNAVAILABLE,
            )
        if self._undo_by is not None:
            raise ApplicationError(
                "The undo is under way already.", type=BulkRejectionCode.UNDO_UNAVAILABLE
            )
        if request.actor.role not in ASSIGNING_ROLES and request.actor.id != self._ran_by:
            raise ApplicationError(
                "Only who ran the action, a manager or an admin undoes it.",
                type=BulkRejectionCode.NOT_PERMITTED,
            )
