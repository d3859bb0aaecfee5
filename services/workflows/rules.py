"""Which update is legal in which state, and for whom (SPEC B2, A4, K2). Pure functions of
one signature, `(state, request)`: the workflow runs each one in the update's validator
(an illegal request is rejected before it reaches history) and again in the handler (a
concurrent update may have changed the ticket in between)."""

from temporalio.exceptions import ApplicationError

from shared.enums import Role, TicketStatus, TicketType, Visibility
from shared.ticket.vocabulary import RejectionCode
from shared.ticket_updates import (
    ASSIGNING_ROLES,
    STAFF_ROLES,
    ActingUser,
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
from shared.tickets import TicketState

OPEN = frozenset(
    {
        TicketStatus.PENDING,
        TicketStatus.PROCESSING,
        TicketStatus.AWAITING_USER,
        TicketStatus.RESOLVED,
    }
)


class RejectedError(ApplicationError):
    """An update the ticket refuses; `type` is the stable error code intake passes on."""

    def __init__(self, code: RejectionCode, message: str) -> None:
        super().__init__(message, type=code.value, non_retryable=True)


def _open(state: TicketState) -> None:
    if state.status is TicketStatus.CLOSED:
        raise RejectedError(
            RejectionCode.TICKET_CLOSED, f"Ticket #{state.number} is closed and read-only."
        )


def _staff(actor: ActingUser) -> None:
    if actor.role not in STAFF_ROLES:
        raise RejectedError(RejectionCode.NOT_PERMITTED, f"A {actor.role} may not do this.")


def _the_customer(state: TicketState, actor: ActingUser) -> None:
    if actor.role is not Role.CUSTOMER or actor.id != state.submitter_id:
        raise RejectedError(
            RejectionCode.NOT_PERMITTED, "Only the customer who filed the ticket may do this."
        )


def _status(state: TicketState, action: str, *allowed: TicketStatus) -> None:
    if state.status not in allowed:
        names = ", ".join(status.value for status in allowed)
        raise RejectedError(
            RejectionCode.ILLEGAL_TRANSITION,
            f"Cannot {action} a ticket that is {state.status.value} (only when {names}).",
        )


def check_claim(state: TicketState, request: ClaimRequest) -> None:
    actor = request.actor
    _open(state)
    _staff(actor)
    if state.assignee is not None:
        who = "you" if state.assignee.id == actor.id else (state.assignee.name or "another agent")
        raise RejectedError(
            RejectionCode.ALREADY_ASSIGNED, f"Ticket #{state.number} is already assigned to {who}."
        )
    _status(state, "claim", TicketStatus.PENDING)


def check_assign(state: TicketState, request: AssignRequest) -> None:
    _open(state)
    if request.actor.role not in ASSIGNING_ROLES:
        raise RejectedError(
            RejectionCode.NOT_PERMITTED, "Only a manager or an admin assigns tickets."
        )
    if state.assignee is not None and state.assignee.id == request.agent_id:
        raise RejectedError(
            RejectionCode.ALREADY_ASSIGNED, "The ticket is already assigned to that agent."
        )


def check_add_message(state: TicketState, request: AddMessageRequest) -> None:
    _open(state)
    if request.actor.role is Role.CUSTOMER:
        _the_customer(state, request.actor)
        if request.visibility is not Visibility.PUBLIC:
            raise RejectedError(
                RejectionCode.NOT_PERMITTED, "Customers write public messages only."
            )
    elif request.actor.role is not Role.SYSTEM:
        _staff(request.actor)


def check_request_info(state: TicketState, request: RequestInfoRequest) -> None:
    actor = request.actor
    _open(state)
    _staff(actor)
    _status(state, "ask the customer for information on", TicketStatus.PROCESSING)


def check_resolve(state: TicketState, request: ResolveRequest) -> None:
    actor = request.actor
    _open(state)
    _staff(actor)
    _status(state, "resolve", TicketStatus.PROCESSING, TicketStatus.AWAITING_USER)


def check_reopen(state: TicketState, request: ReopenRequest) -> None:
    actor = request.actor
    _open(state)
    if actor.role is Role.CUSTOMER:
        _the_customer(state, actor)
    else:
        _staff(actor)
    _status(state, "reopen", TicketStatus.RESOLVED)


def check_confirm(state: TicketState, request: ConfirmRequest) -> None:
    actor = request.actor
    _open(state)
    _the_customer(state, actor)
    _status(state, "confirm", TicketStatus.RESOLVED)


def check_escalate(state: TicketState, request: EscalateRequest) -> None:
    _open(state)
    _staff(request.actor)
    _status(
        state, "escalate", TicketStatus.PENDING, TicketStatus.PROCESSING, TicketStatus.AWAITING_USER
    )
    if request.level <= state.escalation_level:
        raise RejectedError(
            RejectionCode.ILLEGAL_TRANSITION,
            f"The ticket is at level {state.escalation_level}; escalate to a higher level.",
        )


def check_add_collaborator(state: TicketState, request: AddCollaboratorGroupRequest) -> None:
    _open(state)
    _staff(request.actor)
    if request.group == state.group or request.group in state.collaborator_groups:
        raise RejectedError(
            RejectionCode.ILLEGAL_TRANSITION, f"{request.group.value} already works this ticket."
        )


def check_set_priority(state: TicketState, request: SetPriorityRequest) -> None:
    _open(state)
    _staff(request.actor)
    if request.priority == state.priority:
        raise RejectedError(
            RejectionCode.ILLEGAL_TRANSITION, f"The priority is {state.priority.value} already."
        )


def check_close(state: TicketState, request: CloseRequest | MergeIntoRequest) -> None:
    actor = request.actor
    _open(state)
    _staff(actor)


def check_merge(state: TicketState, request: MergeIntoRequest) -> None:
    check_close(state, request)
    if request.into_ticket_id == state.ticket_id:
        raise RejectedError(
            RejectionCode.ILLEGAL_TRANSITION, "A ticket cannot be merged into itself."
        )


def check_verify_identity(state: TicketState, request: VerifyIdentityRequest) -> None:
    actor = request.actor
    _open(state)
    _staff(actor)


def check_record_operation(state: TicketState, request: RecordOperationRequest) -> None:
    actor = request.actor
    _open(state)
    _staff(actor)
    if state.type is TicketType.ACCOUNT and not state.identity_verified:
        raise RejectedError(
            RejectionCode.IDENTITY_NOT_VERIFIED,
            "Verify the customer's identity before any operation on the account (SPEC A4).",
        )
