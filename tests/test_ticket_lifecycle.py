"""TicketWorkflow on the time-skipping server (days pass in milliseconds), its activities
writing to the real MongoDB: assignment, the status machine, claims, closure paths."""

import asyncio
from datetime import timedelta

import pytest
from temporalio.client import WorkflowExecutionStatus, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError

from shared import collections
from shared.enums import Role, Visibility
from shared.ticket_client import update_ticket
from shared.ticket_updates import (
    ActingUser,
    AddCollaboratorGroupRequest,
    AddMessageRequest,
    AssignRequest,
    ClaimRequest,
    CloseRequest,
    ConfirmRequest,
    EscalateRequest,
    ManualCloseReason,
    MergeIntoRequest,
    RecordOperationRequest,
    ReopenRequest,
    RequestInfoRequest,
    ResolveRequest,
    UpdateName,
    VerifyIdentityRequest,
)
from shared.tickets import TicketState
from tests.lifecycle_support import (
    ADMIN,
    CUSTOMER,
    OTHER_CUSTOMER,
    Desk,
    seed_agents,
    staff,
    ticket_id_of,
)


async def rejected(awaitable: object) -> ApplicationError:
    """The ApplicationError an update was rejected with."""
    with pytest.raises((WorkflowUpdateFailedError, RPCError)) as caught:
        await awaitable  # type: ignore[misc]
    cause = caught.value.cause if isinstance(caught.value, WorkflowUpdateFailedError) else None
    assert isinstance(cause, ApplicationError), caught.value
    return cause


async def test_a_new_ticket_goes_to_the_least_loaded_skilled_agent(desk: Desk) -> None:
    await seed_agents(desk.db)
    await desk.db[collections.USERS].update_one({"_id": "ag-tech-1"}, {"$set": {"load": ["x"]}})
    handle = await desk.file(type="technical", category="connection")
    state = await desk.settle(handle, 2)
    assert state.status == "processing"
    assert state.assignee is not None
    assert state.assignee.id == "ag-tech-2"  # skilled in technical, and less loaded
    assert await desk.actions(handle) == ["created", "assigned"]
    ticket = await desk.projection(handle)
    assert ticket["status"] == "processing"
    assert ticket["assignee"]["id"] == "ag-tech-2"
    assert ticket["sla"]["response"]["state"] == "on_track"
    agent = await desk.db[collections.USERS].find_one({"_id": "ag-tech-2"})
    assert agent is not None
    assert agent["load"] == [ticket["_id"]]
    await asyncio.sleep(0.3)  # notifications are handed over in the background
    assert set(await desk.notified(handle)) >= {"received", "assigned"}


async def test_round_robin_rotates_through_the_group(desk: Desk) -> None:
    await seed_agents(desk.db)
    await desk.db[collections.SETTINGS].insert_one(
        {"_id": "desk_settings", "assignment": {"order": "round_robin"}}
    )
    assignees = []
    for index in range(4):
        customer = ActingUser(id=f"cust-{index}", role=Role.CUSTOMER)  # no repeat escalation
        handle = await desk.file(customer=customer, type="order", category="refund")
        state = await desk.settle(handle, 2)
        assert state.assignee is not None
        assignees.append(state.assignee.id)
    frontline = {"ag-tech-1", "ag-tech-2", "ag-acct", "ag-order"}
    assert set(assignees) == frontline  # four tickets, four different agents in turn


async def test_with_nobody_free_the_ticket_waits_and_is_assigned_when_capacity_frees(
    desk: Desk,
) -> None:
    await seed_agents(desk.db, capacity=1)
    first = await desk.file(type="account", category="password_reset")
    state = await desk.settle(first, 2)
    assert state.assignee is not None
    busy = state.assignee.id
    # make every other frontline agent unavailable: the next ticket has to wait
    await desk.db[collections.USERS].update_many(
        {"_id": {"$ne": busy}}, {"$set": {"available": False}}
    )
    second = await desk.file(type="account", category="password_reset")
    waiting = await desk.settle(second, 2)
    assert waiting.status == "pending"
    assert waiting.assignee is None
    assert await desk.actions(second) == ["created", "queued"]

    await first.execute_update(
        UpdateName.RESOLVE, ResolveRequest(actor=staff(busy), solution="done")
    )
    assigned = await desk.settle(second, 3)
    assert assigned.status == "processing"
    assert assigned.assignee is not None
    assert assigned.assignee.id == busy


async def test_queued_ticket_retries_after_the_interval(desk: Desk) -> None:
    await seed_agents(desk.db, available=False)
    handle = await desk.file()
    state = await desk.settle(handle, 2)
    assert state.status == "pending"
    await desk.db[collections.USERS].update_many({}, {"$set": {"available": True}})
    await desk.skip(timedelta(minutes=6))  # default retry interval: 5 minutes
    state = await desk.settle(handle, 3)
    assert state.status == "processing"


async def test_two_agents_claiming_at_once_exactly_one_wins(desk: Desk) -> None:
    await seed_agents(desk.db, available=False)  # nobody is assigned automatically
    handle = await desk.file()
    await desk.settle(handle, 2)
    outcomes = await asyncio.gather(
        handle.execute_update(
            UpdateName.CLAIM, ClaimRequest(actor=staff("ag-tech-1")), result_type=TicketState
        ),
        handle.execute_update(
            UpdateName.CLAIM, ClaimRequest(actor=staff("ag-tech-2")), result_type=TicketState
        ),
        return_exceptions=True,
    )
    winners = [outcome for outcome in outcomes if isinstance(outcome, TicketState)]
    losers = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    assert len(winners) == 1
    assert len(losers) == 1
    assert isinstance(losers[0], WorkflowUpdateFailedError)
    assert isinstance(losers[0].cause, ApplicationError)
    assert losers[0].cause.type == "already_assigned"
    state = await desk.state(handle)
    assert state.assignee is not None
    assert state.assignee.id == winners[0].assignee.id  # type: ignore[union-attr]
    assert (await desk.actions(handle)).count("claimed") == 1


async def test_illegal_transitions_are_rejected_and_change_nothing(desk: Desk) -> None:
    await seed_agents(desk.db)
    handle = await desk.file()
    before = await desk.settle(handle, 2)
    error = await rejected(
        handle.execute_update(UpdateName.CONFIRM, ConfirmRequest(actor=CUSTOMER, rating=5))
    )
    assert error.type == "illegal_transition"
    error = await rejected(
        handle.execute_update(UpdateName.RESOLVE, ResolveRequest(actor=CUSTOMER, solution="x"))
    )
    assert error.type == "not_permitted"
    error = await rejected(
        handle.execute_update(
            UpdateName.ADD_MESSAGE,
            AddMessageRequest(actor=OTHER_CUSTOMER, message_id="m1"),
        )
    )
    assert error.type == "not_permitted"
    error = await rejected(
        handle.execute_update(
            UpdateName.ADD_MESSAGE,
            AddMessageRequest(actor=CUSTOMER, message_id="m1", visibility=Visibility.INTERNAL),
        )
    )
    assert error.type == "not_permitted"
    after = await desk.state(handle)
    assert after == before
    assert await desk.actions(handle) == ["created", "assigned"]


async def test_full_lifecycle_to_confirmation_with_rating(desk: Desk) -> None:
    await seed_agents(desk.db)
    handle = await desk.file()
    state = await desk.settle(handle, 2)
    agent = staff(state.assignee.id)  # type: ignore[union-attr]
    await handle.execute_update(
        UpdateName.REQUEST_INFO, RequestInfoRequest(actor=agent, message_id="m-ask")
    )
    assert (await desk.state(handle)).status == "awaiting_user"
    await handle.execute_update(
        UpdateName.ADD_MESSAGE, AddMessageRequest(actor=CUSTOMER, message_id="m-answer")
    )
    assert (await desk.state(handle)).status == "processing"
    await handle.execute_update(UpdateName.RESOLVE, ResolveRequest(actor=agent, solution="fixed"))
    assert (await desk.state(handle)).status == "resolved"
    await handle.execute_update(
        UpdateName.CONFIRM, ConfirmRequest(actor=CUSTOMER, rating=4, comment="谢谢")
    )
    final = await handle.result()
    assert final.status == "closed"
    assert final.close_reason == "confirmed"
    assert final.rating is not None
    assert final.rating.score == 4
    assert (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED
    assert await desk.actions(handle) == [
        "created",
        "assigned",
        "info_requested",
        "customer_replied",
        "resolved",
        "closed",
    ]
    ticket = await desk.projection(handle)
    assert ticket["status"] == "closed"
    assert ticket["rating"] == {"score": 4, "comment": "谢谢"}
    assert ticket["close_reason"] == "confirmed"
    agent_doc = await desk.db[collections.USERS].find_one({"_id": agent.id})
    assert agent_doc is not None
    assert agent_doc["load"] == []  # resolving freed the agent's slot


async def test_a_closed_ticket_rejects_every_update(desk: Desk) -> None:
    await seed_agents(desk.db)
    handle = await desk.file()
    await desk.settle(handle, 2)
    await handle.execute_update(
        UpdateName.CLOSE, CloseRequest(actor=ADMIN, reason=ManualCloseReason.INVALID, note="spam")
    )
    final = await handle.result()
    assert final.close_reason == "invalid"
    with pytest.raises((WorkflowUpdateFailedError, RPCError)):
        await handle.execute_update(
            UpdateName.REOPEN, ReopenRequest(actor=CUSTOMER, reason="please")
        )


async def test_resolved_ticket_closes_itself_after_72_hours(desk: Desk) -> None:
    await seed_agents(desk.db)
    handle = await desk.file()
    state = await desk.settle(handle, 2)
    agent = staff(state.assignee.id)  # type: ignore[union-attr]
    await handle.execute_update(UpdateName.RESOLVE, ResolveRequest(actor=agent, solution="ok"))
    await desk.skip(timedelta(hours=71))
    assert (await desk.state(handle)).status == "resolved"
    await desk.skip(timedelta(hours=2))
    final = await handle.result()
    assert final.close_reason == "auto_resolved"
    events = [e async for e in desk.db[collections.TICKET_EVENTS].find({"action": "closed"})]
    assert events[-1]["actor"]["role"] == Role.SYSTEM
    await asyncio.sleep(0.3)
    assert "auto_closed" in await desk.notified(handle)


async def test_awaiting_user_reminds_twice_then_closes_for_no_response(desk: Desk) -> None:
    await seed_agents(desk.db)
    handle = await desk.file()
    state = await desk.settle(handle, 2)
    agent = staff(state.assignee.id)  # type: ignore[union-attr]
    await handle.execute_update(UpdateName.REQUEST_INFO, RequestInfoRequest(actor=agent))
    await desk.skip(timedelta(hours=25))
    assert (await desk.state(handle)).reminders_sent == 1
    await desk.skip(timedelta(hours=24))
    assert (await desk.state(handle)).reminders_sent == 2
    await desk.skip(timedelta(hours=24))
    final = await handle.result()
    assert final.close_reason == "no_response"
    assert (await desk.actions(handle))[-3:] == ["reminder_sent", "reminder_sent", "closed"]
    await asyncio.sleep(0.3)
    assert (await desk.notified(handle)).count("reminder") == 2


async def test_account_operations_need_a_verified_identity(desk: Desk) -> None:
    await seed_agents(desk.db)
    handle = await desk.file(type="account", category="password_reset")
    state = await desk.settle(handle, 2)
    agent = staff(state.assignee.id)  # type: ignore[union-attr]
    operation = RecordOperationRequest(actor=agent, operation="reset_password", detail="via SMS")
    error = await rejected(handle.execute_update(UpdateName.RECORD_OPERATION, operation))
    assert error.type == "identity_not_verified"
    await handle.execute_update(
        UpdateName.VERIFY_IDENTITY,
        VerifyIdentityRequest(actor=agent, method="sms_code", passed=False),
    )
    error = await rejected(handle.execute_update(UpdateName.RECORD_OPERATION, operation))
    assert error.type == "identity_not_verified"
    await handle.execute_update(
        UpdateName.VERIFY_IDENTITY,
        VerifyIdentityRequest(actor=agent, method="id_card", passed=True),
    )
    await handle.execute_update(UpdateName.RECORD_OPERATION, operation)
    log = [entry async for entry in desk.db[collections.OPERATION_LOG].find({})]
    assert len(log) == 1
    assert log[0]["operation"] == "reset_password"
    assert log[0]["actor_id"] == agent.id
    assert log[0]["identity_method"] == "id_card"


async def test_manual_assign_by_admin_moves_the_agents_load(desk: Desk) -> None:
    await seed_agents(desk.db)
    handle = await desk.file()
    state = await desk.settle(handle, 2)
    before = state.assignee.id  # type: ignore[union-attr]
    target = "tech-1"
    error = await rejected(
        handle.execute_update(
            UpdateName.ASSIGN, AssignRequest(actor=staff("ag-acct"), agent_id=target)
        )
    )
    assert error.type == "not_permitted"
    await handle.execute_update(UpdateName.ASSIGN, AssignRequest(actor=ADMIN, agent_id=target))
    state = await desk.state(handle)
    assert state.assignee is not None
    assert state.assignee.id == target
    users = desk.db[collections.USERS]
    assert (await users.find_one({"_id": before}) or {})["load"] == []
    assert (await users.find_one({"_id": target}) or {})["load"] == [state.ticket_id]
    error = await rejected(
        handle.execute_update(UpdateName.ASSIGN, AssignRequest(actor=ADMIN, agent_id="nobody"))
    )
    assert error.type == "unknown_agent"


async def test_merging_closes_the_duplicate_and_links_both_ways(desk: Desk) -> None:
    await seed_agents(desk.db)
    original = await desk.file(title="VPN keeps dropping")
    duplicate = await desk.file(customer=OTHER_CUSTOMER, title="Lost connection again")
    await desk.settle(original, 2)
    await desk.settle(duplicate, 2)
    original_id = original.id.removeprefix("ticket-")
    await duplicate.execute_update(
        UpdateName.MERGE_INTO, MergeIntoRequest(actor=ADMIN, into_ticket_id=original_id)
    )
    merged = await duplicate.result()
    assert merged.close_reason == "duplicate"
    assert merged.merged_into == original_id
    state = await desk.settle(original, 3)
    assert state.duplicates == [merged.ticket_id]
    # (waiting for the duplicate's result lets time skip: later SLA events may follow)
    assert "duplicate_merged" in await desk.actions(original)


async def test_the_same_problem_filed_again_is_merged_automatically(desk: Desk) -> None:
    await seed_agents(desk.db)
    original = await desk.file(title="App crashes on start")
    await desk.settle(original, 2)
    again = await desk.file(title="app crashes on start!")
    merged = await again.result()
    assert merged.close_reason == "duplicate"
    assert merged.merged_into == original.id.removeprefix("ticket-")
    other = await desk.file(customer=OTHER_CUSTOMER, title="App crashes on start")
    assert (await desk.settle(other, 2)).status == "processing"  # another customer: not a dup


async def test_a_customer_filing_the_same_category_again_starts_at_level_one(
    desk: Desk,
) -> None:
    await seed_agents(desk.db)
    for title in ("First problem", "Second, different problem"):
        handle = await desk.file(title=title)
        assert (await desk.settle(handle, 2)).escalation_level == 0
    third = await desk.file(title="Yet another thing")
    state = await desk.settle(third, 3)
    assert state.escalation_level == 1
    assert state.group == "senior_support"
    assert state.assignee is not None
    assert state.assignee.id == "senior-1"
    assert await desk.actions(third) == ["created", "escalated", "assigned"]


async def test_a_long_conversation_continues_as_new_and_keeps_working(desk: Desk) -> None:
    await seed_agents(desk.db)
    handle = await desk.file(max_events_per_run=5)
    state = await desk.settle(handle, 2)
    agent = staff(state.assignee.id)  # type: ignore[union-attr]
    first_run = (await handle.describe()).run_id
    # like intake: address the ticket by workflow id, whichever run holds it now
    client_handle = desk.client.get_workflow_handle(handle.id, result_type=TicketState)
    for index in range(8):
        author = CUSTOMER if index % 2 else agent
        await update_ticket(
            desk.client,
            ticket_id_of(handle),
            UpdateName.ADD_MESSAGE,
            AddMessageRequest(actor=author, message_id=f"m{index}"),
        )
    for _ in range(100):  # the run continues as new once the last update has settled
        if (await client_handle.describe()).run_id != first_run:
            break
        await asyncio.sleep(0.05)
    assert (await client_handle.describe()).run_id != first_run
    state = await desk.state(client_handle)
    assert state.message_count == 8
    assert state.events_recorded == 10
    assert state.first_response_at is not None  # carried over from the first run
    ticket_id = ticket_id_of(handle)
    resolve = ResolveRequest(actor=agent, solution="done")
    await update_ticket(desk.client, ticket_id, UpdateName.RESOLVE, resolve)
    await update_ticket(desk.client, ticket_id, UpdateName.CONFIRM, ConfirmRequest(actor=CUSTOMER))
    final = await client_handle.result()
    assert final.status == "closed"
    seqs = [e["seq"] async for e in desk.db[collections.TICKET_EVENTS].find({}).sort("seq", 1)]
    assert seqs == list(range(12))  # one history across runs, no gap, no repeat


async def test_manual_escalation_and_collaborating_groups(desk: Desk) -> None:
    await seed_agents(desk.db)
    handle = await desk.file(priority="urgent", filed_by=staff("ag-tech-1"))
    state = await desk.settle(handle, 2)
    agent = staff(state.assignee.id)  # type: ignore[union-attr]
    await handle.execute_update(
        UpdateName.ESCALATE, EscalateRequest(actor=agent, level=2, reason="needs a code fix")
    )
    state = await desk.state(handle)
    assert state.escalation_level == 2
    assert state.group == "technical_team"
    assert state.assignee is not None
    assert state.assignee.id == "tech-1"
    error = await rejected(
        handle.execute_update(
            UpdateName.ESCALATE, EscalateRequest(actor=agent, level=1, reason="back down")
        )
    )
    assert error.type == "illegal_transition"
    await handle.execute_update(
        UpdateName.ADD_COLLABORATOR_GROUP,
        AddCollaboratorGroupRequest(actor=agent, group="senior_support"),
    )
    error = await rejected(
        handle.execute_update(
            UpdateName.ADD_COLLABORATOR_GROUP,
            AddCollaboratorGroupRequest(actor=agent, group="senior_support"),
        )
    )
    assert error.type == "illegal_transition"
    ticket = await desk.projection(handle)
    assert ticket["collaborator_groups"] == ["senior_support"]
    assert ticket["escalation_level"] == 2
    await asyncio.sleep(0.3)
    escalations = [
        entry async for entry in desk.db[collections.NOTIFICATIONS].find({"event": "escalated"})
    ]
    groups = [entry["audience"]["groups"] for entry in escalations]
    # urgent: management hears of the escalation too; the collaborator group of its own
    assert ["technical_team", "management"] in groups
    assert ["senior_support"] in groups
    old = await desk.db[collections.USERS].find_one({"_id": agent.id})
    assert old is not None
    assert old["load"] == []
