"""TicketWorkflow: the durable lifecycle of one ticket; the source of truth for its status.

One run holds the ticket from filing to closing: it assigns the ticket, keeps its two SLA
clocks with timers (no polling), pauses them while the customer is asked, escalates,
reminds and closes. Agents drive it with updates (validated before they reach history),
the APIs read the projection its activities write.
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from services.workflows import rules
    from services.workflows.models import (
        Notification,
    )
    from shared.desk_config import DeskConfig
    from shared.enums import (
        TicketStatus,
    )
    from shared.ticket.vocabulary import TicketAction
    from shared.ticket_updates import (
        AddCollaboratorGroupRequest,
        AddMessageRequest,
        AssignRequest,
        ClaimRequest,
        CloseRequest,
        ConfirmRequest,
        DuplicateMerged,
        EscalateRequest,
        MergeIntoRequest,
        RecordOperationRequest,
        ReopenRequest,
        RequestInfoRequest,
        ResolveRequest,
        SetPriorityRequest,
        SignalName,
        UpdateName,
        VerifyIdentityRequest,
    )
    from shared.tickets import (
        STATE_QUERY,
        TICKET_WORKFLOW,
        Actor,
        TicketEvent,
        TicketStart,
        TicketState,
    )
from services.workflows.ticket.changes import TicketChanges
from services.workflows.ticket.opening import TicketOpening
from services.workflows.ticket.policies import (
    LIFECYCLE_PATCH,
    LOCAL_ACTIVITIES_PATCH,
    NOTIFY_LOCAL_PATCH,
    NOTIFY_SERVICE_PATCH,
    STEPS_PATCH,
    SYSTEM,
)

RequestT = TypeVar("RequestT")


@workflow.defn(name=TICKET_WORKFLOW)
class TicketWorkflow(TicketChanges, TicketOpening):
    @workflow.init
    def __init__(self, start: TicketStart) -> None:
        self._start = start
        self._state = start.carried or TicketState(
            ticket_id=start.ticket_id,
            number=start.number,
            status=TicketStatus.PENDING,
            priority=start.priority,
            group=start.group,
            type=start.type,
            category=start.category,
            submitter_id=start.submitter.id,
            created_at=start.created_at,
        )
        self._lock = asyncio.Lock()
        self._changed = False  # a handler changed something the timers depend on
        self._events_this_run = 0
        self._notifications: list[workflow.ActivityHandle[None]] = []
        self._local_activities = False
        self._notify_local = False
        self._notify_service = False
        self._batched = False
        self._pending_events: list[TicketEvent] = []
        self._pending_notifications: list[Notification] = []

    # --- the run -------------------------------------------------------------------

    @workflow.run
    async def run(self, start: TicketStart) -> TicketState:
        self._batched = workflow.patched(STEPS_PATCH)
        if self._batched:
            self._local_activities = self._notify_service = True
        else:
            self._local_activities = workflow.patched(LOCAL_ACTIVITIES_PATCH)
            self._notify_local = workflow.patched(NOTIFY_LOCAL_PATCH)
            self._notify_service = workflow.patched(NOTIFY_SERVICE_PATCH)
        if start.carried is None:
            await self._record(
                TicketAction.CREATED,
                Actor(id=start.submitter.id, role=start.submitter.role),
                to_status=TicketStatus.PENDING,
                data={"type": start.type, "category": start.category, "priority": start.priority},
            )
            if self._batched:
                await self._begin_batched(start)
            elif workflow.patched(LIFECYCLE_PATCH):
                await self._begin(start)
            else:
                # Started before the lifecycle existed: no SLA clocks, default settings.
                self._state.config = DeskConfig()
        await self._live()
        await self._settle()
        return self._state

    async def _live(self) -> None:
        """Fire timers as they fall due and react to updates, until the ticket closes."""
        while self._state.status is not TicketStatus.CLOSED:
            deadline = self._next_deadline()
            wait = None if deadline is None else deadline - workflow.now()
            if wait is None or wait > timedelta(0):
                self._changed = False
                with contextlib.suppress(asyncio.TimeoutError):
                    await workflow.wait_condition(
                        lambda: self._changed or self._state.status is TicketStatus.CLOSED,
                        timeout=wait,
                    )
            async with self._step():
                await self._fire_due_timers()
            if self._should_continue_as_new():
                await self._settle()
                workflow.continue_as_new(self._start.model_copy(update={"carried": self._state}))

    def _should_continue_as_new(self) -> bool:
        if self._state.status is TicketStatus.CLOSED:
            return False
        limit = self._start.max_events_per_run
        return workflow.info().is_continue_as_new_suggested() or (
            limit is not None and self._events_this_run >= limit
        )

    # --- updates -------------------------------------------------------------------

    @workflow.query(name=STATE_QUERY)
    def state(self) -> TicketState:
        return self._state

    @workflow.update(name=UpdateName.CLAIM)
    async def claim(self, request: ClaimRequest) -> TicketState:
        return await self._apply(rules.check_claim, request, self._apply_claim)

    @claim.validator
    def _validate_claim(self, request: ClaimRequest) -> None:
        self._validate(rules.check_claim, request)

    @workflow.update(name=UpdateName.ASSIGN)
    async def assign(self, request: AssignRequest) -> TicketState:
        return await self._apply(rules.check_assign, request, self._apply_assign)

    @assign.validator
    def _validate_assign(self, request: AssignRequest) -> None:
        self._validate(rules.check_assign, request)

    @workflow.update(name=UpdateName.ADD_MESSAGE)
    async def add_message(self, request: AddMessageRequest) -> TicketState:
        return await self._apply(rules.check_add_message, request, self._apply_add_message)

    @add_message.validator
    def _validate_add_message(self, request: AddMessageRequest) -> None:
        self._validate(rules.check_add_message, request)

    @workflow.update(name=UpdateName.REQUEST_INFO)
    async def request_info(self, request: RequestInfoRequest) -> TicketState:
        return await self._apply(rules.check_request_info, request, self._apply_request_info)

    @request_info.validator
    def _validate_request_info(self, request: RequestInfoRequest) -> None:
        self._validate(rules.check_request_info, request)

    @workflow.update(name=UpdateName.RESOLVE)
    async def resolve(self, request: ResolveRequest) -> TicketState:
        return await self._apply(rules.check_resolve, request, self._apply_resolve)

    @resolve.validator
    def _validate_resolve(self, request: ResolveRequest) -> None:
        self._validate(rules.check_resolve, request)

    @workflow.update(name=UpdateName.REOPEN)
    async def reopen(self, request: ReopenRequest) -> TicketState:
        return await self._apply(rules.check_reopen, request, self._apply_reopen)

    @reopen.validator
    def _validate_reopen(self, request: ReopenRequest) -> None:
        self._validate(rules.check_reopen, request)

    @workflow.update(name=UpdateName.CONFIRM)
    async def confirm(self, request: ConfirmRequest) -> TicketState:
        return await self._apply(rules.check_confirm, request, self._apply_confirm)

    @confirm.validator
    def _validate_confirm(self, request: ConfirmRequest) -> None:
        self._validate(rules.check_confirm, request)

    @workflow.update(name=UpdateName.ESCALATE)
    async def escalate(self, request: EscalateRequest) -> TicketState:
        return await self._apply(rules.check_escalate, request, self._apply_escalate)

    @escalate.validator
    def _validate_escalate(self, request: EscalateRequest) -> None:
        self._validate(rules.check_escalate, request)

    @workflow.update(name=UpdateName.ADD_COLLABORATOR_GROUP)
    async def add_collaborator_group(self, request: AddCollaboratorGroupRequest) -> TicketState:
        return await self._apply(
            rules.check_add_collaborator, request, self._apply_add_collaborator_group
        )

    @add_collaborator_group.validator
    def _validate_add_collaborator_group(self, request: AddCollaboratorGroupRequest) -> None:
        self._validate(rules.check_add_collaborator, request)

    @workflow.update(name=UpdateName.SET_PRIORITY)
    async def set_priority(self, request: SetPriorityRequest) -> TicketState:
        return await self._apply(rules.check_set_priority, request, self._apply_set_priority)

    @set_priority.validator
    def _validate_set_priority(self, request: SetPriorityRequest) -> None:
        self._validate(rules.check_set_priority, request)

    @workflow.update(name=UpdateName.CLOSE)
    async def close(self, request: CloseRequest) -> TicketState:
        return await self._apply(rules.check_close, request, self._apply_close)

    @close.validator
    def _validate_close(self, request: CloseRequest) -> None:
        self._validate(rules.check_close, request)

    @workflow.update(name=UpdateName.MERGE_INTO)
    async def merge_into(self, request: MergeIntoRequest) -> TicketState:
        return await self._apply(rules.check_merge, request, self._apply_merge_into)

    @merge_into.validator
    def _validate_merge_into(self, request: MergeIntoRequest) -> None:
        self._validate(rules.check_merge, request)

    @workflow.update(name=UpdateName.VERIFY_IDENTITY)
    async def verify_identity(self, request: VerifyIdentityRequest) -> TicketState:
        return await self._apply(rules.check_verify_identity, request, self._apply_verify_identity)

    @verify_identity.validator
    def _validate_verify_identity(self, request: VerifyIdentityRequest) -> None:
        self._validate(rules.check_verify_identity, request)

    @workflow.update(name=UpdateName.RECORD_OPERATION)
    async def record_operation(self, request: RecordOperationRequest) -> TicketState:
        return await self._apply(
            rules.check_record_operation, request, self._apply_record_operation
        )

    @record_operation.validator
    def _validate_record_operation(self, request: RecordOperationRequest) -> None:
        self._validate(rules.check_record_operation, request)

    @workflow.signal(name=SignalName.CAPACITY_FREED)
    def capacity_freed(self) -> None:
        if self._state.status is TicketStatus.PENDING and self._state.assignee is None:
            self._state.next_assignment_at = workflow.now()
            self._changed = True

    @workflow.signal(name=SignalName.DUPLICATE_MERGED)
    async def duplicate_merged(self, merged: DuplicateMerged) -> None:
        async with self._step():
            if self._state.status is TicketStatus.CLOSED:
                return
            if merged.ticket_id not in self._state.duplicates:
                self._state.duplicates.append(merged.ticket_id)
                await self._record(
                    TicketAction.DUPLICATE_MERGED,
                    SYSTEM,
                    data={"ticket_id": merged.ticket_id, "number": merged.number},
                )

    # --- applying an update exactly once ----------------------------------------------

    async def _apply(
        self,
        check: Callable[[TicketState, RequestT], None],
        request: RequestT,
        change: Callable[[RequestT], Awaitable[None]],
    ) -> TicketState:
        """Every update's handler: a retried update answers without applying again; the
        rule is checked again (another update may have changed the ticket since the
        validator ran), then the change is made and written as one step."""
        async with self._step():
            if self._repeat():
                return self._state
            check(self._state, request)
            await change(request)
        return self._applied()

    def _validate(self, check: Callable[[TicketState, RequestT], None], request: RequestT) -> None:
        """Every update's validator: the rule, unless the update was applied already."""
        if not self._repeat():
            check(self._state, request)

    def _repeat(self) -> bool:
        """Whether the current update was applied already (a client retry after the run it
        reached continued as new): it then answers the state without applying again."""
        info = workflow.current_update_info()
        return info is not None and info.id in self._state.applied_updates

    def _applied(self) -> TicketState:
        info = workflow.current_update_info()
        if info is not None:
            self._state.applied_updates = [*self._state.applied_updates, info.id][-100:]
        return self._state
