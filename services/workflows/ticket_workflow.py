"""TicketWorkflow: the durable lifecycle of one ticket; the source of truth for its status."""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from services.workflows.activities import TicketActivities
    from shared.enums import TicketStatus
    from shared.tickets import (
        STATE_QUERY,
        TICKET_WORKFLOW,
        TicketEvent,
        TicketStart,
        TicketState,
    )

# Projection writes retry until MongoDB answers again: a ticket's history must not have gaps.
PROJECTION_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=1),
)
PROJECTION_TIMEOUT = timedelta(seconds=30)


@workflow.defn(name=TICKET_WORKFLOW)
class TicketWorkflow:
    @workflow.init
    def __init__(self, start: TicketStart) -> None:
        self._state = TicketState(
            ticket_id=start.ticket_id,
            number=start.number,
            status=TicketStatus.PENDING,
            priority=start.priority,
            group=start.group,
        )

    @workflow.run
    async def run(self, start: TicketStart) -> TicketState:
        await self._record(
            TicketEvent(
                ticket_id=start.ticket_id,
                seq=self._state.events_recorded,
                at=start.created_at,
                actor=start.submitter,
                action="created",
                to_status=TicketStatus.PENDING,
                data={
                    "type": start.type,
                    "category": start.category,
                    "priority": start.priority,
                    "group": start.group,
                },
            )
        )
        # Updates that move the ticket through its lifecycle arrive from intake; closed is
        # terminal, and handlers still running finish before the workflow completes.
        await workflow.wait_condition(lambda: self._state.status is TicketStatus.CLOSED)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._state

    @workflow.query(name=STATE_QUERY)
    def state(self) -> TicketState:
        return self._state

    async def _record(self, event: TicketEvent) -> None:
        await workflow.execute_activity_method(
            TicketActivities.record_event,
            event,
            start_to_close_timeout=PROJECTION_TIMEOUT,
            retry_policy=PROJECTION_RETRY,
        )
        self._state.events_recorded = event.seq + 1
