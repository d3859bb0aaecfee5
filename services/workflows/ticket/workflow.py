"""TicketWorkflow: the durable lifecycle of one ticket; the source of truth for its status.

One run holds the ticket from filing to closing: it assigns the ticket, keeps its two SLA
clocks with timers (no polling), pauses them while the customer is asked, escalates,
reminds and closes. Agents drive it with updates (validated before they reach history),
the APIs read the projection its activities write.
"""

import asyncio
import contextlib
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from services.workflows import rules
    from services.workflows.activities import TicketActivities
    from services.workflows.models import (
        AgentReservation,
        Audience,
        Notification,
        OperationLogEntry,
    )
    from shared.desk_config import DeskConfig
    from shared.enums import (
        CloseReason,
        EscalationLevel,
        TicketStatus,
    )
    from shared.ticket.vocabulary import NotifyEvent, TicketAction
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
        AgentRef,
        Rating,
        TicketEvent,
        TicketStart,
        TicketState,
    )
from services.workflows.ticket.policies import (
    LIFECYCLE_PATCH,
    LOCAL_ACTIVITIES_PATCH,
    NOTIFY_LOCAL_PATCH,
    NOTIFY_SERVICE_PATCH,
    STEPS_PATCH,
    SYSTEM,
)
from services.workflows.ticket.steps import TicketSteps


@workflow.defn(name=TICKET_WORKFLOW)
class TicketWorkflow(TicketSteps):
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
        async with self._step():
            if self._repeat():
                return self._state
            rules.check_claim(self._state, request.actor)
            agent = AgentRef(id=request.actor.id, name=request.actor.name)
            await self._give_to(agent, request.actor, TicketAction.CLAIMED)
        return self._applied()

    @claim.validator
    def _validate_claim(self, request: ClaimRequest) -> None:
        if self._repeat():
            return
        rules.check_claim(self._state, request.actor)

    @workflow.update(name=UpdateName.ASSIGN)
    async def assign(self, request: AssignRequest) -> TicketState:
        async with self._step():
            if self._repeat():
                return self._state
            rules.check_assign(self._state, request)
            agent = AgentRef(id=request.agent_id, name=request.agent_name)
            await self._give_to(agent, request.actor, TicketAction.ASSIGNED)
        return self._applied()

    @assign.validator
    def _validate_assign(self, request: AssignRequest) -> None:
        if self._repeat():
            return
        rules.check_assign(self._state, request)

    @workflow.update(name=UpdateName.ADD_MESSAGE)
    async def add_message(self, request: AddMessageRequest) -> TicketState:
        async with self._step():
            if self._repeat():
                return self._state
            rules.check_add_message(self._state, request)
            await self._message(request)
        return self._applied()

    @add_message.validator
    def _validate_add_message(self, request: AddMessageRequest) -> None:
        if self._repeat():
            return
        rules.check_add_message(self._state, request)

    @workflow.update(name=UpdateName.REQUEST_INFO)
    async def request_info(self, request: RequestInfoRequest) -> TicketState:
        async with self._step():
            if self._repeat():
                return self._state
            rules.check_request_info(self._state, request.actor)
            now = workflow.now()
            for clock in self._clocks():
                clock.pause(now)
            self._state.awaiting_since = now
            self._state.reminders_sent = 0
            await self._record(
                TicketAction.INFO_REQUESTED,
                request.actor,
                to_status=TicketStatus.AWAITING_USER,
                data={"message_id": request.message_id},
            )
            self._notify(NotifyEvent.STATUS_CHANGED, Audience(customer=True))
        return self._applied()

    @request_info.validator
    def _validate_request_info(self, request: RequestInfoRequest) -> None:
        if self._repeat():
            return
        rules.check_request_info(self._state, request.actor)

    @workflow.update(name=UpdateName.RESOLVE)
    async def resolve(self, request: ResolveRequest) -> TicketState:
        async with self._step():
            if self._repeat():
                return self._state
            rules.check_resolve(self._state, request.actor)
            now = workflow.now()
            self._first_response(now)  # the solution answers the customer
            for clock in self._clocks():
                clock.stop(now)
            self._state.resolved_at = now
            self._state.awaiting_since = None
            await self._release_slot()
            await self._record(
                TicketAction.RESOLVED,
                request.actor,
                to_status=TicketStatus.RESOLVED,
                data={"solution": request.solution},
                at=now,
            )
            self._notify(NotifyEvent.RESOLVED, Audience(customer=True))
        return self._applied()

    @resolve.validator
    def _validate_resolve(self, request: ResolveRequest) -> None:
        if self._repeat():
            return
        rules.check_resolve(self._state, request.actor)

    @workflow.update(name=UpdateName.REOPEN)
    async def reopen(self, request: ReopenRequest) -> TicketState:
        async with self._step():
            if self._repeat():
                return self._state
            rules.check_reopen(self._state, request.actor)
            now = workflow.now()
            if self._state.resolution is not None:
                self._state.resolution.restart(now)
            self._state.resolved_at = None
            self._state.reopen_count += 1
            assignee = self._state.assignee
            if assignee is not None:
                await self._activity(
                    TicketActivities.reserve_agent,
                    AgentReservation(ticket_id=self._state.ticket_id, agent_id=assignee.id),
                )
            await self._record(
                TicketAction.REOPENED,
                request.actor,
                to_status=TicketStatus.PROCESSING if assignee else TicketStatus.PENDING,
                reason=request.reason,
                at=now,
            )
            self._notify(NotifyEvent.STATUS_CHANGED, Audience(assignee=True, customer=True))
            if assignee is None:
                await self._try_assign()
        return self._applied()

    @reopen.validator
    def _validate_reopen(self, request: ReopenRequest) -> None:
        if self._repeat():
            return
        rules.check_reopen(self._state, request.actor)

    @workflow.update(name=UpdateName.CONFIRM)
    async def confirm(self, request: ConfirmRequest) -> TicketState:
        async with self._step():
            if self._repeat():
                return self._state
            rules.check_confirm(self._state, request.actor)
            if request.rating is not None:
                self._state.rating = Rating(score=request.rating, comment=request.comment)
            await self._close(CloseReason.CONFIRMED, request.actor, request.comment)
        return self._applied()

    @confirm.validator
    def _validate_confirm(self, request: ConfirmRequest) -> None:
        if self._repeat():
            return
        rules.check_confirm(self._state, request.actor)

    @workflow.update(name=UpdateName.ESCALATE)
    async def escalate(self, request: EscalateRequest) -> TicketState:
        async with self._step():
            if self._repeat():
                return self._state
            rules.check_escalate(self._state, request)
            await self._move_to_level(EscalationLevel(request.level), request.actor, request.reason)
        return self._applied()

    @escalate.validator
    def _validate_escalate(self, request: EscalateRequest) -> None:
        if self._repeat():
            return
        rules.check_escalate(self._state, request)

    @workflow.update(name=UpdateName.ADD_COLLABORATOR_GROUP)
    async def add_collaborator_group(self, request: AddCollaboratorGroupRequest) -> TicketState:
        async with self._step():
            if self._repeat():
                return self._state
            rules.check_add_collaborator(self._state, request)
            self._state.collaborator_groups.append(request.group)
            await self._record(
                TicketAction.COLLABORATOR_ADDED, request.actor, data={"group": request.group}
            )
            self._notify(
                NotifyEvent.ESCALATED, Audience(groups=[request.group]), {"collaborator": True}
            )
        return self._applied()

    @add_collaborator_group.validator
    def _validate_add_collaborator_group(self, request: AddCollaboratorGroupRequest) -> None:
        if self._repeat():
            return
        rules.check_add_collaborator(self._state, request)

    @workflow.update(name=UpdateName.SET_PRIORITY)
    async def set_priority(self, request: SetPriorityRequest) -> TicketState:
        async with self._step():
            if self._repeat():
                return self._state
            rules.check_set_priority(self._state, request)
            # The policy is read again: an admin may have changed it since the ticket began.
            config = await self._activity(TicketActivities.load_config, None)
            self._state.config = config
            before = self._state.priority
            self._state.priority = request.priority
            target = config.sla.target(request.priority)
            if self._state.response is not None:
                self._state.response.retarget(target.response_seconds)
            if self._state.resolution is not None:
                self._state.resolution.retarget(target.resolution_seconds)
            await self._record(
                TicketAction.PRIORITY_CHANGED,
                request.actor,
                reason=request.reason,
                data={
                    "from": before,
                    "to": request.priority,
                    "response_due_at": self._state.response and self._state.response.due_at(),
                    "resolution_due_at": self._state.resolution and self._state.resolution.due_at(),
                },
            )
        return self._applied()

    @set_priority.validator
    def _validate_set_priority(self, request: SetPriorityRequest) -> None:
        if self._repeat():
            return
        rules.check_set_priority(self._state, request)

    @workflow.update(name=UpdateName.CLOSE)
    async def close(self, request: CloseRequest) -> TicketState:
        async with self._step():
            if self._repeat():
                return self._state
            rules.check_close(self._state, request.actor)
            await self._close(CloseReason(request.reason.value), request.actor, request.note)
        return self._applied()

    @close.validator
    def _validate_close(self, request: CloseRequest) -> None:
        if self._repeat():
            return
        rules.check_close(self._state, request.actor)

    @workflow.update(name=UpdateName.MERGE_INTO)
    async def merge_into(self, request: MergeIntoRequest) -> TicketState:
        async with self._step():
            if self._repeat():
                return self._state
            rules.check_merge(self._state, request)
            await self._merge(request.into_ticket_id, request.actor, "merged by an agent")
        return self._applied()

    @merge_into.validator
    def _validate_merge_into(self, request: MergeIntoRequest) -> None:
        if self._repeat():
            return
        rules.check_merge(self._state, request)

    @workflow.update(name=UpdateName.VERIFY_IDENTITY)
    async def verify_identity(self, request: VerifyIdentityRequest) -> TicketState:
        async with self._step():
            if self._repeat():
                return self._state
            rules.check_verify_identity(self._state, request.actor)
            self._state.identity_verified = request.passed
            self._state.identity_method = request.method
            await self._record(
                TicketAction.IDENTITY_VERIFIED
                if request.passed
                else TicketAction.IDENTITY_CHECK_FAILED,
                request.actor,
                data={"method": request.method},
            )
        return self._applied()

    @verify_identity.validator
    def _validate_verify_identity(self, request: VerifyIdentityRequest) -> None:
        if self._repeat():
            return
        rules.check_verify_identity(self._state, request.actor)

    @workflow.update(name=UpdateName.RECORD_OPERATION)
    async def record_operation(self, request: RecordOperationRequest) -> TicketState:
        async with self._step():
            if self._repeat():
                return self._state
            rules.check_record_operation(self._state, request.actor)
            seq = self._state.events_recorded
            await self._activity(
                TicketActivities.write_operation_log,
                OperationLogEntry(
                    key=f"{self._state.ticket_id}:{seq}",
                    ticket_id=self._state.ticket_id,
                    at=workflow.now(),
                    actor_id=request.actor.id,
                    actor_role=request.actor.role.value,
                    operation=request.operation,
                    detail=request.detail,
                    identity_method=self._state.identity_method,
                ),
            )
            await self._record(
                TicketAction.OPERATION_RECORDED,
                request.actor,
                data={"operation": request.operation, "detail": request.detail},
            )
        return self._applied()

    @record_operation.validator
    def _validate_record_operation(self, request: RecordOperationRequest) -> None:
        if self._repeat():
            return
        rules.check_record_operation(self._state, request.actor)

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

    # --- exactly-once updates ------------------------------------------------------------

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
