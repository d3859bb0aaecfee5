"""What an update may do to a ticket, and the code of each refusal (no servers): the
workflow's validators call these before anything changes."""

from collections.abc import Callable

import pytest

from services.workflows import rules
from shared.enums import EscalationLevel, Priority, Role, StandardGroup, TicketStatus
from shared.ticket.vocabulary import RejectionCode
from shared.ticket_updates import (
    ActingUser,
    AssignRequest,
    ClaimRequest,
    CloseRequest,
    ConfirmRequest,
    EscalateRequest,
    ReopenRequest,
)
from shared.tickets import AgentRef, TicketState

CUSTOMER = ActingUser(id="c1", role=Role.CUSTOMER)
STRANGER = ActingUser(id="c2", role=Role.CUSTOMER)
AGENT = ActingUser(id="a1", role=Role.AGENT, name="Ann")
MANAGER = ActingUser(id="m1", role=Role.MANAGER)


def ticket(status: TicketStatus, **fields: object) -> TicketState:
    values: dict[str, object] = {
        "ticket_id": "t1",
        "number": 7,
        "status": status,
        "priority": Priority.NORMAL,
        "group": StandardGroup.FRONTLINE,
        "submitter_id": CUSTOMER.id,
        **fields,
    }
    return TicketState.model_validate(values)


def refusal(check: Callable[..., None], *args: object) -> str:
    with pytest.raises(rules.RejectedError) as refused:
        check(*args)
    code: str = refused.value.type or ""
    return code


def test_a_closed_ticket_refuses_everything_as_read_only() -> None:
    closed = ticket(TicketStatus.CLOSED)
    assert (
        refusal(rules.check_claim, closed, ClaimRequest(actor=AGENT)) == RejectionCode.TICKET_CLOSED
    )
    assert (
        refusal(rules.check_reopen, closed, ReopenRequest(actor=CUSTOMER, reason="again"))
        == RejectionCode.TICKET_CLOSED
    )
    assert (
        refusal(rules.check_close, closed, CloseRequest(actor=MANAGER, reason="invalid"))
        == RejectionCode.TICKET_CLOSED
    )


def test_claiming_takes_a_free_pending_ticket_and_staff_only() -> None:
    rules.check_claim(ticket(TicketStatus.PENDING), ClaimRequest(actor=AGENT))
    taken = ticket(TicketStatus.PENDING, assignee=AgentRef(id="a2", name="Bo"))
    assert (
        refusal(rules.check_claim, taken, ClaimRequest(actor=AGENT))
        == RejectionCode.ALREADY_ASSIGNED
    )
    assert refusal(
        rules.check_claim, ticket(TicketStatus.PENDING), ClaimRequest(actor=CUSTOMER)
    ) == (RejectionCode.NOT_PERMITTED)
    assert refusal(rules.check_claim, ticket(TicketStatus.RESOLVED), ClaimRequest(actor=AGENT)) == (
        RejectionCode.ILLEGAL_TRANSITION
    )


def test_only_managers_assign_and_not_to_the_agent_who_has_it() -> None:
    state = ticket(TicketStatus.PROCESSING, assignee=AgentRef(id="a1"))
    rules.check_assign(state, AssignRequest(actor=MANAGER, agent_id="a2"))
    assert refusal(rules.check_assign, state, AssignRequest(actor=AGENT, agent_id="a2")) == (
        RejectionCode.NOT_PERMITTED
    )
    assert refusal(rules.check_assign, state, AssignRequest(actor=MANAGER, agent_id="a1")) == (
        RejectionCode.ALREADY_ASSIGNED
    )


def test_only_the_customer_who_filed_it_confirms_a_resolution() -> None:
    resolved = ticket(TicketStatus.RESOLVED)
    rules.check_confirm(resolved, ConfirmRequest(actor=CUSTOMER))
    assert (
        refusal(rules.check_confirm, resolved, ConfirmRequest(actor=STRANGER))
        == RejectionCode.NOT_PERMITTED
    )
    assert refusal(
        rules.check_confirm, ticket(TicketStatus.PROCESSING), ConfirmRequest(actor=CUSTOMER)
    ) == (RejectionCode.ILLEGAL_TRANSITION)


def test_escalation_goes_up_only() -> None:
    state = ticket(TicketStatus.PROCESSING, escalation_level=EscalationLevel.SENIOR_SUPPORT)
    up = EscalateRequest(actor=AGENT, level=2, reason="needs the network team")
    rules.check_escalate(state, up)
    same = EscalateRequest(actor=AGENT, level=1, reason="again")
    assert refusal(rules.check_escalate, state, same) == RejectionCode.ILLEGAL_TRANSITION
