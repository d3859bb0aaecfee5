"""Starting ticket workflows: right after a ticket is stored, and again by the sweeper for
any ticket whose start was cut off (Temporal down, intake killed in between)."""

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from services.intake.tickets import service
from shared.mongo import Database, Document
from shared.tickets import TICKET_WORKFLOW, ticket_workflow_id

log = logging.getLogger("helpdesk.intake.lifecycle")

# Bounds how long filing a ticket waits on Temporal before leaving the start to the sweeper.
START_TIMEOUT = timedelta(seconds=5)


async def start_ticket_workflow(*, temporal: Client, task_queue: str, document: Document) -> None:
    """Start the ticket's workflow; starting one that already exists is a no-op. The
    workflow's first recorded event marks the ticket as started (one write fewer here)."""
    start = service.ticket_start(document=document)
    with contextlib.suppress(WorkflowAlreadyStartedError):  # it ran and completed already
        await temporal.start_workflow(
            TICKET_WORKFLOW,
            start,
            id=ticket_workflow_id(start.ticket_id),
            task_queue=task_queue,
            # One workflow per ticket, ever: a second start finds the first one.
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            rpc_timeout=START_TIMEOUT,
        )


class StartedMarks:
    """Tickets whose workflow this process has started, marked so in MongoDB a batch at a
    time (one `update_many` by `_id` every FLUSH_SECONDS, not one write per ticket): until
    a ticket is marked, by this or by its workflow's first step, the sweeper would start
    it again. Under a backlog the workflow's first step can come minutes later, and the
    sweeper used to restart (finding them running) and mark a hundred tickets every ten
    seconds. A mark lost to a crash costs one harmless start by the sweeper."""

    FLUSH_SECONDS = 0.5

    def __init__(self) -> None:
        self._pending: set[str] = set()

    def add(self, ticket_id: str) -> None:
        self._pending.add(ticket_id)

    async def flush(self, db: Database) -> None:
        if not self._pending:
            return
        batch, self._pending = sorted(self._pending), set()
        try:
            await service.mark_workflows_started(db=db, ticket_ids=batch)
        except Exception:
            self._pending.update(batch)  # MongoDB is away: the next flush tries again
            raise

    async def run(self, stop: asyncio.Event, db: Database) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.FLUSH_SECONDS)
            try:
                await self.flush(db)
            except Exception as exc:
                log.warning("could not mark started workflows yet, will retry: %s", exc)


async def sweep_once(*, temporal: Client, db: Database, task_queue: str) -> int:
    """Start the workflow of every stored ticket that lacks one; how many were started."""
    cutoff = datetime.now(UTC) - service.SWEEP_GRACE
    started = 0
    for document in await service.tickets_without_workflow(db=db, created_before=cutoff):
        await start_ticket_workflow(temporal=temporal, task_queue=task_queue, document=document)
        # Marked here too: a workflow whose worker is down has recorded nothing yet.
        await service.mark_workflow_started(db=db, ticket_id=document["_id"])
        started += 1
    return started


async def sweep_until(
    stop: asyncio.Event, *, temporal: Client, db: Database, task_queue: str, interval: float
) -> None:
    """Run `sweep_once` every `interval` seconds until `stop` is set, riding out outages."""
    while not stop.is_set():
        try:
            started = await sweep_once(temporal=temporal, db=db, task_queue=task_queue)
            if started:
                # Under a backlog most of these were running already, their first step not
                # yet recorded: the start then finds the existing workflow.
                log.warning(
                    "started (or found running) the workflow of %d ticket(s) a minute old "
                    "and not yet marked started",
                    started,
                )
        except (RPCError, OSError, RuntimeError) as exc:
            log.warning("workflow sweep failed, will retry: %s", exc)
        except Exception:
            log.exception("workflow sweep failed, will retry")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
