"""What each update does to the ticket once its rule allowed it: one method per update,
`_<update>(request)`, called by the update handlers of workflow.py through `_apply`."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from services.workflows.activities import TicketActivities
    from services.workflows.models import (
        AgentReservation,
        Audience,
        OperationLogEntry,
    )
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
        EscalateRequest,
        MergeIntoRequest,
        RecordOperationRequest,
        ReopenRequest,
        RequestInfoRequest,
        ResolveRequest,
        SetPriorityRequest,
        VerifyIdentityRequest,
    )
    from shared.tickets import (
        AgentRef,
        Rating,
    )
from services.workflows.ticket.steps import TicketSteps


class TicketChanges(TicketSteps):
    async def _apply_claim(self, request: ClaimRequest) -> None:
        agent = AgentRef(id=request.actor.id, name=request.actor.name)
        await self._give_to(agent, request.actor, TicketAction.CLAIMED)

    async def _apply_assign(self, request: AssignRequest) -> None:
        agent = AgentRef(id=request.agent_id, name=request.agent_name)
        await self._give_to(agent, request.actor, TicketAction.ASSIGNED)

    async def _apply_add_message(self, request: AddMessageRequest) -> None:
        await self._message(request)

    async def _apply_request_info(self, request: RequestInfoRequest) -> None:
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

    async def _apply_resolve(self, request: ResolveRequest) -> None:
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

    async def _apply_reopen(self, request: ReopenRequest) -> None:
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

    async def _apply_confirm(self, request: ConfirmRequest) -> None:
        if request.rating is not None:
            self._state.rating = Rating(score=request.rating, comment=request.comment)
        await self._close(CloseReason.CONFIRMED, request.actor, request.comment)

    async def _apply_escalate(self, request: EscalateRequest) -> None:
        await self._move_to_level(EscalationLevel(request.level), request.actor, request.reason)

    async def _apply_add_collaborator_group(self, request: AddCollaboratorGroupRequest) -> None:
        self._state.collaborator_groups.append(request.group)
        await self._record(
            TicketAction.COLLABORATOR_ADDED, request.actor, data={"group": request.group}
        )
        self._notify(
            NotifyEvent.ESCALATED, Audience(groups=[request.group]), {"collaborator": True}
        )

    async def _apply_set_priority(self, request: SetPriorityRequest) -> None:
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

    async def _apply_close(self, request: CloseRequest) -> None:
        await self._close(CloseReason(request.reason.value), request.actor, request.note)

    async def _apply_merge_into(self, request: MergeIntoRequest) -> None:
        await self._merge(request.into_ticket_id, request.actor, "merged by an agent")

    async def _apply_verify_identity(self, request: VerifyIdentityRequest) -> None:
        self._state.identity_verified = request.passed
        self._state.identity_method = request.method
        await self._record(
            TicketAction.IDENTITY_VERIFIED
            if request.passed
            else TicketAction.IDENTITY_CHECK_FAILED,
            request.actor,
            data={"method": request.method},
        )

    async def _apply_record_operation(self, request: RecordOperationRequest) -> None:
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
