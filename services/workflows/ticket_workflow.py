"""TicketWorkflow: the durable lifecycle of one ticket; the source of truth for its status.

One run holds the ticket from filing to closing: it assigns the ticket, keeps its two SLA
clocks with timers (no polling), pauses them while the customer is asked, escalates,
reminds and closes. Agents drive it with updates (validated before they reach history),
the APIs read the projection its activities write.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar, overload

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from services.workflows import rules
    from services.workflows.activities import TicketActivities
    from services.workflows.models import (
        AgentQuery,
        AgentRelease,
        AgentReservation,
        AnswerQuery,
        Audience,
        AutoAnswerReply,
        CustomerHistory,
        CustomerHistoryQuery,
        DuplicateQuery,
        Notification,
        OperationLogEntry,
        ProjectionWrite,
        RepeatQuery,
        StepWrite,
    )
    from services.workflows.ticket import timers, versions
    from shared.desk_config import AssignmentStrategy, DeskConfig
    from shared.enums import (
        AutoAnswerOutcome,
        CloseReason,
        EscalationLevel,
        Priority,
        Role,
        StandardGroup,
        TicketStatus,
        Visibility,
    )
    from shared.notifications import (
        ACCEPT_NOTIFICATION,
        TicketFace,
        notify_task_queue,
    )
    from shared.sla import SlaClock
    from shared.ticket.document import ticket_projection
    from shared.ticket.vocabulary import NotifyEvent, RejectionCode, TicketAction, TimerKind
    from shared.ticket_updates import (
        ActingUser,
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
        ticket_workflow_id,
    )

ArgumentT = TypeVar("ArgumentT")
ResultT = TypeVar("ResultT")

# Activities retry until MongoDB answers again: a ticket's history must not have gaps.
ACTIVITY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=1),
)
ACTIVITY_TIMEOUT = timedelta(seconds=30)
LOCAL_ACTIVITY_TIMEOUT = timedelta(seconds=10)
MAX_ASSIGNMENT_RETRY = timedelta(hours=1)
LIFECYCLE_PATCH = versions.LIFECYCLE.id
# MongoDB reads and writes run as local activities: in the worker, inside the workflow task
# that needs them, with no extra round trip through the server. A breach then costs one
# workflow task instead of one per write, which keeps timers on time under load.
LOCAL_ACTIVITIES_PATCH = versions.LOCAL_ACTIVITIES.id
# Notifications are handed over by a local activity too: one activity task and one workflow
# task fewer per notified event, which is most of what filing a ticket costs the cluster.
NOTIFY_LOCAL_PATCH = versions.NOTIFY_LOCAL.id
# Events go to the notify service's own worker (an activity on its task queue): Temporal
# holds them while notify is down, and notify's deliveries are keyed by the event.
NOTIFY_SERVICE_PATCH = versions.NOTIFY_SERVICE.id
NOTIFY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=1),
)
# G1: a new ticket gets an automatic reply linking the FAQ articles that answer it.
AUTO_ANSWER_PATCH = versions.AUTO_ANSWER.id
# A step of the ticket (its first steps when filed, an update, the timers that fell due)
# is written at once when it ends: one insert of its events, one write of the projection,
# one insert of its notifications into the outbox notify drains, together in one local
# activity. A new ticket cost 4 to 6 MongoDB writes and 2 to 3 activities on notify's
# task queue; each such activity cost the Temporal dev server 15 ms of CPU (as much as
# starting the workflow) and the worker one more workflow task. Implies the four patches
# above, so a new ticket records one patch marker (and one search attribute upsert), not five.
STEPS_PATCH = versions.STEPS.id
# Best effort: a knowledge service that does not answer costs a new ticket a few seconds at
# most, never its assignment or its clocks.
AUTO_ANSWER_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_attempts=3)
SYSTEM = ActingUser(id="system", role=Role.SYSTEM, name="system")
GROUP_OF_LEVEL = {
    EscalationLevel.FRONTLINE: StandardGroup.FRONTLINE,
    EscalationLevel.SENIOR_SUPPORT: StandardGroup.SENIOR_SUPPORT,
    EscalationLevel.TECHNICAL_TEAM: StandardGroup.TECHNICAL_TEAM,
    EscalationLevel.MANAGEMENT: StandardGroup.MANAGEMENT,
}


@workflow.defn(name=TICKET_WORKFLOW)
class TicketWorkflow:
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

    def _start_clocks(self, start: TicketStart, config: DeskConfig) -> None:
        self._state.config = config
        target = config.sla.target(start.priority)
        self._state.response = SlaClock(
            target_seconds=target.response_seconds, started_at=start.created_at
        )
        self._state.resolution = SlaClock(
            target_seconds=target.resolution_seconds, started_at=start.created_at
        )

    async def _begin(self, start: TicketStart) -> None:
        config = await self._activity(TicketActivities.load_config, None)
        self._start_clocks(start, config)
        self._notify(NotifyEvent.RECEIVED, Audience(customer=True))
        async with self._step():
            original = await self._activity(
                TicketActivities.find_duplicate,
                DuplicateQuery(
                    ticket_id=start.ticket_id,
                    submitter_id=start.submitter.id,
                    type=start.type,
                    category=start.category,
                    title=start.title,
                    created_at=start.created_at,
                    window_seconds=config.desk.duplicate_window_seconds,
                ),
            )
            if original is not None:
                await self._merge(original.ticket_id, SYSTEM, "same problem filed again")
                return
            if not await self._escalate_repeat_customer(start, config):
                await self._try_assign()
        if workflow.patched(AUTO_ANSWER_PATCH):
            await self._auto_answer()

    async def _begin_batched(self, start: TicketStart) -> None:
        """The first steps of a new ticket, written as one step: its history so far and
        projection once, its notifications in one hand-over."""
        self._start_clocks(start, await self._activity(TicketActivities.load_config, None))
        config = self._config()
        self._notify(NotifyEvent.RECEIVED, Audience(customer=True))
        async with self._step(flush=False):  # the automatic answer's step writes it all
            repeat = config.desk.repeat_escalation
            history: CustomerHistory = await self._activity(
                TicketActivities.customer_history,
                CustomerHistoryQuery(
                    ticket_id=start.ticket_id,
                    submitter_id=start.submitter.id,
                    type=start.type,
                    category=start.category,
                    title=start.title,
                    created_at=start.created_at,
                    duplicate_window_seconds=config.desk.duplicate_window_seconds,
                    repeat_since=start.created_at - timedelta(seconds=repeat.window_seconds),
                ),
            )
            if history.duplicate_of is not None:
                original = history.duplicate_of.ticket_id
                await self._merge(original, SYSTEM, "same problem filed again")
            elif not await self._escalate_if_repeated(start, history.repeats):
                await self._try_assign()
        reply: AutoAnswerReply | AutoAnswerOutcome | None = None
        if self._state.status is not TicketStatus.CLOSED:  # not merged into an earlier one
            reply = await self._suggest_answer()  # outside the lock: it asks another service
        async with self._step():
            if reply is not None:
                await self._post_auto_answer(reply)

    async def _auto_answer(self) -> None:
        """G1: reply with the FAQ articles that match the ticket well enough. Automatic, so
        the first-response clock keeps running."""
        reply = await self._suggest_answer()
        async with self._step():
            await self._post_auto_answer(reply)

    async def _suggest_answer(self) -> AutoAnswerReply | AutoAnswerOutcome:
        """The automatic reply stored for the ticket, or why there is none."""
        settings = self._config().desk.auto_answer
        if not settings.enabled:
            return AutoAnswerOutcome.DISABLED
        query = AnswerQuery(
            ticket_id=self._state.ticket_id,
            min_score=settings.min_score,
            max_articles=settings.max_articles,
        )
        try:
            reply = await workflow.execute_local_activity_method(
                TicketActivities.suggest_answer,
                query,
                start_to_close_timeout=LOCAL_ACTIVITY_TIMEOUT,
                retry_policy=AUTO_ANSWER_RETRY,
            )
        except (ActivityError, ApplicationError) as exc:
            # A local activity's last failure can arrive unwrapped (an ApplicationError).
            workflow.logger.warning("no automatic answer for %s: %s", query.ticket_id, exc)
            return AutoAnswerOutcome.UNAVAILABLE
        return AutoAnswerOutcome.NO_MATCH if reply is None else reply

    async def _post_auto_answer(self, reply: AutoAnswerReply | AutoAnswerOutcome) -> None:
        """Send the stored automatic reply (called holding the lock)."""
        if isinstance(reply, AutoAnswerOutcome):
            self._state.auto_answer = reply
            return
        if self._state.status is not TicketStatus.CLOSED:
            await self._message(
                AddMessageRequest(actor=SYSTEM, message_id=reply.message_id, automatic=True)
            )
        self._state.auto_answer = AutoAnswerOutcome.REPLIED

    async def _escalate_repeat_customer(self, start: TicketStart, config: DeskConfig) -> bool:
        repeat = config.desk.repeat_escalation
        count = await self._activity(
            TicketActivities.count_repeats,
            RepeatQuery(
                ticket_id=start.ticket_id,
                submitter_id=start.submitter.id,
                category=start.category,
                since=start.created_at - timedelta(seconds=repeat.window_seconds),
            ),
        )
        return await self._escalate_if_repeated(start, count)

    async def _escalate_if_repeated(self, start: TicketStart, count: int) -> bool:
        """Start at level 1 when the customer keeps filing the same category (D2): `count`
        tickets of it within the repeat window; whether it did (escalating assigns within
        the new group)."""
        if count < self._config().desk.repeat_escalation.count:
            return False
        await self._move_to_level(
            EscalationLevel.SENIOR_SUPPORT,
            SYSTEM,
            f"{count} {start.category.value} tickets within the repeat window",
        )
        return True

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

    # --- timers --------------------------------------------------------------------

    def _config(self) -> DeskConfig:
        return self._state.config or DeskConfig()

    def _clocks(self) -> list[SlaClock]:
        return timers.clocks_of(self._state)

    def _next_deadline(self) -> datetime | None:
        return timers.next_deadline(self._state, self._config())

    async def _fire_due_timers(self) -> None:
        now = workflow.now()
        due = timers.due_timers(self._state, self._config())
        for at, kind, clock in sorted(due, key=lambda timer: timer.at):
            if at > now or self._state.status is TicketStatus.CLOSED:
                continue
            if kind is TimerKind.WARN and clock is not None:
                await self._sla_warning(clock)
            elif kind is TimerKind.BREACH and clock is not None:
                await self._sla_breach(clock, at)
            elif kind is TimerKind.REMIND:
                self._state.reminders_sent += 1
                await self._record(
                    TicketAction.REMINDER_SENT, SYSTEM, data={"n": self._state.reminders_sent}
                )
                self._notify(NotifyEvent.REMINDER, Audience(customer=True))
            elif kind is TimerKind.NO_RESPONSE:
                await self._close(CloseReason.NO_RESPONSE, SYSTEM, "no answer from the customer")
            elif kind is TimerKind.AUTO_CLOSE:
                await self._close(CloseReason.AUTO_RESOLVED, SYSTEM, "resolution not disputed")
            elif kind is TimerKind.ASSIGN:
                await self._try_assign()

    def _clock_name(self, clock: SlaClock) -> str:
        return "response" if clock is self._state.response else "resolution"

    async def _sla_warning(self, clock: SlaClock) -> None:
        clock.warned_at = workflow.now()
        name = self._clock_name(clock)
        await self._record(
            TicketAction.SLA_WARNING, SYSTEM, data={"clock": name, "due_at": clock.due_at()}
        )
        self._notify(NotifyEvent.SLA_WARNING, Audience(assignee=True), {"clock": name})

    async def _sla_breach(self, clock: SlaClock, deadline: datetime) -> None:
        clock.breached_at = workflow.now()
        name = self._clock_name(clock)
        await self._record(
            TicketAction.SLA_BREACHED, SYSTEM, data={"clock": name, "due_at": deadline}
        )
        self._notify(
            NotifyEvent.SLA_BREACH, Audience(assignee=True, group_manager=True), {"clock": name}
        )
        # D2: one level up on a breach; an urgent ticket goes straight to management.
        top, current = EscalationLevel.MANAGEMENT, self._state.escalation_level
        level = top if self._state.priority is Priority.URGENT else current + 1
        if current < level <= top:
            await self._move_to_level(EscalationLevel(level), SYSTEM, f"{name} SLA breached")

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

    # --- steps shared by updates and timers ------------------------------------------

    def _first_response(self, now: datetime) -> None:
        if self._state.first_response_at is None:
            self._state.first_response_at = now
        if self._state.response is not None:
            self._state.response.stop(now)

    async def _message(self, request: AddMessageRequest) -> None:
        state, now = self._state, workflow.now()
        state.message_count += 1
        data = {"message_id": request.message_id, "visibility": request.visibility}
        if request.visibility is Visibility.INTERNAL:
            await self._record(TicketAction.INTERNAL_NOTE, request.actor, data=data)
            self._notify(
                NotifyEvent.INTERNAL_NOTE, Audience(assignee=True, collaborators=True), data
            )
        elif request.actor.role is Role.CUSTOMER:
            if state.status is TicketStatus.AWAITING_USER:
                for clock in self._clocks():
                    clock.resume(now)
                state.awaiting_since = None
                to_status = TicketStatus.PROCESSING if state.assignee else TicketStatus.PENDING
                await self._record(
                    TicketAction.CUSTOMER_REPLIED, request.actor, to_status=to_status, data=data
                )
            else:
                await self._record(TicketAction.CUSTOMER_REPLIED, request.actor, data=data)
            self._notify(NotifyEvent.REPLIED, Audience(assignee=True), data)
        else:
            if not request.automatic and request.actor.role is not Role.SYSTEM:
                self._first_response(now)
            action = TicketAction.AUTO_REPLIED if request.automatic else TicketAction.AGENT_REPLIED
            await self._record(action, request.actor, data=data)
            self._notify(NotifyEvent.REPLIED, Audience(customer=True), data)

    async def _try_assign(self) -> None:
        """Automatic assignment in the ticket's group; queue the ticket when nobody has room."""
        state, config = self._state, self._config()
        strategy = (
            config.desk.strategy(state.type)
            if state.type and state.escalation_level == EscalationLevel.FRONTLINE
            else AssignmentStrategy.SMART
        )
        agent = None
        if state.type is not None and state.category is not None:
            agent = await self._activity(
                TicketActivities.assign_agent,
                AgentQuery(
                    ticket_id=state.ticket_id,
                    group=state.group,
                    type=state.type,
                    category=state.category,
                    strategy=strategy,
                ),
            )
        if agent is None:
            first_time = state.next_assignment_at is None
            # The retry is a safety net (an agent freeing a slot wakes the queue's head):
            # it backs off, so a long queue does not keep the worker busy retrying.
            state.assignment_attempts = 1 if first_time else state.assignment_attempts + 1
            backoff = 2 ** min(state.assignment_attempts - 1, 4)
            retry = timedelta(seconds=config.desk.assignment_retry_seconds * backoff)
            state.next_assignment_at = workflow.now() + min(retry, MAX_ASSIGNMENT_RETRY)
            if first_time:
                await self._record(TicketAction.QUEUED, SYSTEM, data={"group": state.group})
            return
        state.assignee = agent
        state.next_assignment_at = None
        to_status = TicketStatus.PROCESSING if state.status is TicketStatus.PENDING else None
        await self._record(
            TicketAction.ASSIGNED,
            SYSTEM,
            to_status=to_status,
            data={"agent": agent, "strategy": strategy},
        )
        self._notify(NotifyEvent.ASSIGNED, Audience(assignee=True), {"agent_id": agent.id})

    async def _give_to(self, agent: AgentRef, actor: ActingUser, action: TicketAction) -> None:
        """Claim or manual assignment: the named agent gets the ticket, whatever its load."""
        reserved = await self._activity(
            TicketActivities.reserve_agent,
            AgentReservation(ticket_id=self._state.ticket_id, agent_id=agent.id),
        )
        if reserved is None:
            raise rules.RejectedError(
                RejectionCode.UNKNOWN_AGENT, f"No agent with id '{agent.id}'."
            )
        await self._release_slot(keep=reserved.id)
        self._state.assignee = reserved
        self._state.next_assignment_at = None
        to_status = TicketStatus.PROCESSING if self._state.status is TicketStatus.PENDING else None
        await self._record(action, actor, to_status=to_status, data={"agent": reserved})
        self._notify(NotifyEvent.ASSIGNED, Audience(assignee=True), {"agent_id": reserved.id})

    async def _release_slot(self, keep: str | None = None) -> None:
        """Free the assignee's capacity (resolve, close, reassignment)."""
        assignee = self._state.assignee
        if assignee is not None and assignee.id != keep:
            await self._activity(
                TicketActivities.release_agent,
                AgentRelease(
                    ticket_id=self._state.ticket_id, agent_id=assignee.id, group=self._state.group
                ),
            )

    async def _move_to_level(self, level: EscalationLevel, actor: ActingUser, reason: str) -> None:
        """Escalate: the ticket moves to the level's group and is reassigned there."""
        state = self._state
        await self._release_slot()
        before = state.escalation_level
        state.escalation_level = level
        state.group = GROUP_OF_LEVEL[level]
        state.assignee = None
        state.next_assignment_at = None
        to_status = None if state.status is TicketStatus.AWAITING_USER else TicketStatus.PENDING
        await self._record(
            TicketAction.ESCALATED,
            actor,
            to_status=to_status,
            reason=reason,
            data={"from_level": before, "to_level": level, "group": state.group},
        )
        groups = [state.group]
        if state.priority is Priority.URGENT and StandardGroup.MANAGEMENT not in groups:
            groups.append(StandardGroup.MANAGEMENT)
        self._notify(
            NotifyEvent.ESCALATED, Audience(groups=groups), {"level": level, "reason": reason}
        )
        await self._try_assign()

    async def _merge(self, into_ticket_id: str, actor: ActingUser, reason: str) -> None:
        self._state.merged_into = into_ticket_id
        original = workflow.get_external_workflow_handle(ticket_workflow_id(into_ticket_id))
        await original.signal(
            SignalName.DUPLICATE_MERGED,
            DuplicateMerged(ticket_id=self._state.ticket_id, number=self._state.number),
        )
        await self._close(CloseReason.DUPLICATE, actor, reason)

    async def _close(self, reason: CloseReason, actor: ActingUser, note: str | None) -> None:
        state, now = self._state, workflow.now()
        for clock in self._clocks():
            clock.stop(now)
        await self._release_slot()
        state.closed_at = now
        state.close_reason = reason
        state.awaiting_since = None
        state.next_assignment_at = None
        await self._record(
            TicketAction.CLOSED,
            actor,
            to_status=TicketStatus.CLOSED,
            reason=note,
            data={"reason": reason},
            at=now,
        )
        automatic = actor.role is Role.SYSTEM and reason is not CloseReason.DUPLICATE
        self._notify(
            NotifyEvent.AUTO_CLOSED if automatic else NotifyEvent.CLOSED, Audience(customer=True)
        )

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
