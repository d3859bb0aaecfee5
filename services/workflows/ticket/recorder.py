"""Recording a ticket's steps: each transition appended to its history and the ticket
projected after it, notifications handed to delivery, all of a step written at once
(patch ticket-steps-v1), and the typed call of an activity."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any, overload

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from services.workflows.activities import TicketActivities
    from services.workflows.models import (
        Audience,
        Notification,
        ProjectionWrite,
        StepWrite,
    )
    from shared.enums import (
        TicketStatus,
    )
    from shared.notifications import (
        ACCEPT_NOTIFICATION,
        TicketFace,
        notify_task_queue,
    )
    from shared.ticket.document import ticket_projection
    from shared.ticket.vocabulary import NotifyEvent, TicketAction
    from shared.ticket_updates import (
        ActingUser,
    )
    from shared.tickets import (
        Actor,
        TicketEvent,
        TicketStart,
        TicketState,
    )
from services.workflows.ticket.policies import (
    ACTIVITY_RETRY,
    ACTIVITY_TIMEOUT,
    LOCAL_ACTIVITY_TIMEOUT,
    NOTIFY_RETRY,
    ArgumentT,
    ResultT,
)


class TicketRecorder:
    # The workflow's own fields (set in TicketWorkflow.__init__), declared for the parts.
    _start: TicketStart
    _state: TicketState
    _lock: asyncio.Lock
    _changed: bool
    _events_this_run: int
    _notifications: list[workflow.ActivityHandle[None]]
    _local_activities: bool
    _notify_local: bool
    _notify_service: bool
    _batched: bool
    _pending_events: list[TicketEvent]
    _pending_notifications: list[Notification]

    # --- recording ---------------------------------------------------------------------

    async def _record(
        self,
        action: TicketAction,
        actor: ActingUser | Actor,
        *,
        to_status: TicketStatus | None = None,
        reason: str | None = None,
        data: dict[str, Any] | None = None,
        at: datetime | None = None,
    ) -> None:
        """Apply a transition, append it to the history and project the ticket after it.
        `at` is the moment the step moved the SLA clocks, when an activity ran between
        that and this record: the event carries the clocks' time, not the activity's end."""
        state, now = self._state, at or workflow.now()
        from_status = state.status
        if to_status is not None:
            state.status = to_status
        event = TicketEvent(
            ticket_id=state.ticket_id,
            seq=state.events_recorded,
            at=now if state.events_recorded else (state.created_at or now),
            actor=Actor(id=actor.id, role=actor.role),
            action=action,
            from_status=from_status if to_status is not None else None,
            to_status=to_status,
            reason=reason,
            data=data or {},
        )
        state.events_recorded += 1
        self._events_this_run += 1
        self._changed = True
        if self._batched:
            self._pending_events.append(event)
            return
        projection = ticket_projection(state, now) if state.config is not None else {}
        await self._activity(
            TicketActivities.record_event,
            ProjectionWrite(event=event, projection=projection),
        )

    def _notify(
        self, event: NotifyEvent, audience: Audience, data: dict[str, Any] | None = None
    ) -> None:
        """Hand a J2 event to delivery without holding up the ticket."""
        seq = self._state.events_recorded
        self._notifications = [handle for handle in self._notifications if not handle.done()]
        notification = Notification(
            key=f"{workflow.info().workflow_id}:{seq}:{event}",
            ticket_id=self._state.ticket_id,
            event=event,
            at=workflow.now(),
            audience=audience,
            data={"number": self._state.number, "status": self._state.status, **(data or {})},
            ticket=self._face(),
        )
        if self._batched:
            self._pending_notifications.append(notification)
            return
        if self._notify_service:
            handle = workflow.start_activity(
                ACCEPT_NOTIFICATION,
                notification,
                task_queue=notify_task_queue(workflow.info().task_queue),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=NOTIFY_RETRY,
            )
        elif self._notify_local:
            handle = workflow.start_local_activity_method(
                TicketActivities.notify,
                notification,
                start_to_close_timeout=LOCAL_ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
            )
        else:
            handle = workflow.start_activity_method(
                TicketActivities.notify,
                notification,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
            )
        self._notifications.append(handle)

    def _face(self) -> TicketFace | None:
        state = self._state
        if not self._start.title:  # started before the title was passed: notify reads it
            return None
        return TicketFace(
            number=state.number,
            title=self._start.title,
            status=state.status.value,
            priority=state.priority.value,
            type=state.type.value if state.type else None,
            category=state.category.value if state.category else None,
            group=state.group.value,
            submitter_id=state.submitter_id,
            assignee_id=state.assignee_id,
            collaborator_groups=[group.value for group in state.collaborator_groups],
        )

    @contextlib.asynccontextmanager
    async def _step(self, *, flush: bool = True) -> AsyncIterator[None]:
        """One step of the ticket, holding the lock; its transitions are written and its
        notifications handed over when it ends (unless `flush` is off: a later step does)."""
        async with self._lock:
            try:
                yield
            finally:
                if flush:
                    await self._flush()

    async def _flush(self) -> None:
        """Write the transitions and notifications of the step so far, with the projection
        after them (batched runs only; in earlier ones nothing waits here)."""
        if not self._pending_events and not self._pending_notifications:
            return
        write = StepWrite(
            events=self._pending_events,
            projection=ticket_projection(self._state, workflow.now()),
            notifications=self._pending_notifications,
        )
        self._pending_events, self._pending_notifications = [], []
        await self._activity(TicketActivities.record_step, write)

    async def _settle(self) -> None:
        """Let every running update finish and every notification be handed over, so that
        nothing is cut off when the run completes or continues as new. The last check and
        the caller's next step happen in one activation: no update can slip in between."""
        while True:
            if self._notifications:
                await asyncio.gather(*self._notifications)
                self._notifications = [h for h in self._notifications if not h.done()]
            await workflow.wait_condition(workflow.all_handlers_finished)
            if not self._notifications:
                return

    @overload
    async def _activity(
        self, method: Callable[[TicketActivities], Awaitable[ResultT]], argument: None
    ) -> ResultT: ...

    @overload
    async def _activity(
        self,
        method: Callable[[TicketActivities, ArgumentT], Awaitable[ResultT]],
        argument: ArgumentT,
    ) -> ResultT: ...

    async def _activity(self, method: Callable[..., Awaitable[Any]], argument: Any) -> Any:
        """Run one activity with the workflow's timeout and retry policy; typed by the
        overloads above as the activity method is (its argument and its result)."""
        if self._local_activities:
            return await workflow.execute_local_activity_method(
                method,
                args=[] if argument is None else [argument],
                start_to_close_timeout=LOCAL_ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
            )
        return await workflow.execute_activity_method(
            method,
            args=[] if argument is None else [argument],
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )
