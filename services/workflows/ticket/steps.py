"""The ticket's steps that updates and timers share: the timers that fell due, messages,
assignment, escalation, merging and closing."""

from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from services.workflows import rules
    from services.workflows.activities import TicketActivities
    from services.workflows.models import (
        AgentQuery,
        AgentRelease,
        AgentReservation,
        Audience,
    )
    from services.workflows.ticket import timers
    from shared.desk_config import AssignmentStrategy, DeskConfig
    from shared.enums import (
        CloseReason,
        EscalationLevel,
        Priority,
        Role,
        StandardGroup,
        TicketStatus,
        Visibility,
    )
    from shared.sla import SlaClock
    from shared.ticket.vocabulary import NotifyEvent, RejectionCode, TicketAction, TimerKind
    from shared.ticket_updates import (
        ActingUser,
        AddMessageRequest,
        DuplicateMerged,
        SignalName,
    )
    from shared.tickets import (
        AgentRef,
        ticket_workflow_id,
    )
from services.workflows.ticket.policies import (
    GROUP_OF_LEVEL,
    MAX_ASSIGNMENT_RETRY,
    SYSTEM,
)
from services.workflows.ticket.recorder import TicketRecorder


class TicketSteps(TicketRecorder):
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
