"""SLA clocks of TicketWorkflow on the time-skipping server: warnings and breaches fire by
timer, pauses extend deadlines, a reopen continues the resolution clock, a priority change
recomputes deadlines, and a breach escalates."""

import asyncio
from datetime import timedelta

import pytest

from shared import collections
from shared.enums import Role, Visibility
from shared.ticket_updates import (
    ActingUser,
    AddMessageRequest,
    ReopenRequest,
    RequestInfoRequest,
    ResolveRequest,
    SetPriorityRequest,
    UpdateName,
)
from shared.tickets import TicketState
from tests.lifecycle_support import CUSTOMER, Desk, seed_agents, staff


@pytest.fixture(autouse=True)
async def agents(desk: Desk) -> None:
    await seed_agents(desk.db)


def agent_of(state: TicketState) -> ActingUser:
    assert state.assignee is not None
    return staff(state.assignee.id)


async def test_warning_at_80_percent_then_breach_and_escalation(desk: Desk) -> None:
    handle = await desk.file(priority="high")  # response 2 h, resolution 1 day
    state = await desk.settle(handle, 2)
    assert state.escalation_level == 0
    await desk.skip(timedelta(minutes=90))
    assert (await desk.state(handle)).response.warned_at is None  # type: ignore[union-attr]
    await desk.skip(timedelta(minutes=7))  # 96 min = 80 % of 2 h
    warned = await desk.state(handle)
    assert warned.response is not None
    assert warned.response.warned_at is not None
    assert warned.response.breached_at is None
    assert (await desk.projection(handle))["sla"]["state"] == "at_risk"

    await desk.skip(timedelta(minutes=30))  # past 2 h
    breached = await desk.settle(handle, 6)
    assert breached.response is not None
    assert breached.response.breached_at is not None
    lag = breached.response.breached_at - breached.response.due_at()
    assert timedelta(0) <= lag < timedelta(seconds=1)
    # D2: a breach escalates one level, to senior support, and reassigns there
    assert breached.escalation_level == 1
    assert breached.group == "senior_support"
    assert breached.assignee is not None
    assert breached.assignee.id == "senior-1"
    actions = await desk.actions(handle)
    assert actions[:6] == [
        "created",
        "assigned",
        "sla_warning",
        "sla_breached",
        "escalated",
        "assigned",
    ]
    ticket = await desk.projection(handle)
    assert ticket["sla"]["state"] == "breached"
    assert ticket["sla"]["response"]["state"] == "breached"
    await asyncio.sleep(0.3)
    outbox = await desk.notified(handle)
    assert {"sla_warning", "sla_breach", "escalated"} <= set(outbox)


async def test_an_urgent_breach_goes_straight_to_management(desk: Desk) -> None:
    handle = await desk.file(priority="urgent", filed_by=staff("ag-tech-1"))  # response 15 min
    await desk.settle(handle, 2)
    await desk.skip(timedelta(minutes=16))
    state = await desk.settle(handle, 6)
    assert state.escalation_level == 3
    assert state.group == "management"
    assert state.assignee is not None
    assert state.assignee.id == "mgr-1"


async def test_the_first_public_agent_reply_meets_the_response_clock(desk: Desk) -> None:
    handle = await desk.file(priority="high")
    state = await desk.settle(handle, 2)
    agent = agent_of(state)
    await handle.execute_update(
        UpdateName.ADD_MESSAGE,
        AddMessageRequest(
            actor=ActingUser(id="system", role=Role.SYSTEM), message_id="auto", automatic=True
        ),
    )
    await handle.execute_update(
        UpdateName.ADD_MESSAGE,
        AddMessageRequest(actor=agent, message_id="note", visibility=Visibility.INTERNAL),
    )
    state = await desk.state(handle)
    assert state.first_response_at is None  # neither an auto-reply nor a note is a response
    await desk.skip(timedelta(minutes=30))
    await handle.execute_update(
        UpdateName.ADD_MESSAGE, AddMessageRequest(actor=agent, message_id="reply")
    )
    state = await desk.state(handle)
    assert state.first_response_at is not None
    assert state.response is not None
    assert state.response.stopped_at == state.first_response_at
    assert state.response.state() == "met"
    await desk.skip(timedelta(hours=3))  # past the 2 h target: no breach any more
    state = await desk.state(handle)
    assert state.response is not None
    assert state.response.breached_at is None
    ticket = await desk.projection(handle)
    assert ticket["sla"]["response"]["state"] == "met"
    assert ticket["sla"]["response"]["met_at"] is not None


async def test_waiting_on_the_customer_pauses_and_extends_both_deadlines(desk: Desk) -> None:
    handle = await desk.file(priority="normal")  # response 24 h, resolution 3 days
    state = await desk.settle(handle, 2)
    assert state.response is not None
    assert state.resolution is not None
    response_due = state.response.due_at()
    resolution_due = state.resolution.due_at()
    agent = agent_of(state)
    await desk.skip(timedelta(hours=1))
    await handle.execute_update(UpdateName.REQUEST_INFO, RequestInfoRequest(actor=agent))
    paused = await desk.state(handle)
    assert paused.response is not None
    assert paused.response.paused_since is not None
    assert (await desk.projection(handle))["sla"]["state"] == "paused"
    assert (await desk.projection(handle))["sla"]["paused"] is True

    await desk.skip(timedelta(hours=20))  # the customer takes 20 h to answer
    await handle.execute_update(
        UpdateName.ADD_MESSAGE, AddMessageRequest(actor=CUSTOMER, message_id="answer")
    )
    resumed = await desk.state(handle)
    assert resumed.status == "processing"
    assert resumed.response is not None
    assert resumed.resolution is not None
    pause = resumed.response.paused_seconds
    assert timedelta(hours=20) <= timedelta(seconds=pause) < timedelta(hours=20, seconds=5)
    assert resumed.response.due_at() == response_due + timedelta(seconds=pause)
    assert resumed.resolution.due_at() == resolution_due + timedelta(seconds=pause)
    # 1 h before the pause + 20 h paused + 22 h after: 23 h of working time, no breach yet
    await desk.skip(timedelta(hours=22))
    state = await desk.state(handle)
    assert state.response is not None
    assert state.response.breached_at is None
    await desk.skip(timedelta(hours=2))
    state = await desk.state(handle)
    assert state.response is not None
    assert state.response.breached_at is not None


async def test_a_reopen_continues_the_resolution_clock_where_it_stopped(desk: Desk) -> None:
    handle = await desk.file(priority="high")  # resolution 1 day
    state = await desk.settle(handle, 2)
    agent = agent_of(state)
    await desk.skip(timedelta(hours=10))
    await handle.execute_update(UpdateName.RESOLVE, ResolveRequest(actor=agent, solution="ok"))
    resolved = await desk.state(handle)
    assert resolved.resolution is not None
    worked = resolved.resolution.elapsed_seconds(resolved.resolution.stopped_at)  # type: ignore[arg-type]
    await desk.skip(timedelta(hours=30))  # resolved for 30 h: not counted
    await handle.execute_update(
        UpdateName.REOPEN, ReopenRequest(actor=CUSTOMER, reason="still broken")
    )
    reopened = await desk.state(handle)
    assert reopened.status == "processing"
    assert reopened.reopen_count == 1
    assert reopened.resolution is not None
    assert reopened.resolution.stopped_at is None
    now = await desk.env.get_current_time()
    elapsed = reopened.resolution.elapsed_seconds(now)
    assert abs(elapsed - worked) < 5  # continues from ~10 h, not from 40 h
    assert reopened.resolution.breached_at is None
    await desk.skip(timedelta(hours=15))  # 10 + 15 > 24 h of working time
    state = await desk.state(handle)
    assert state.resolution is not None
    assert state.resolution.breached_at is not None


async def test_a_priority_change_recomputes_the_deadlines(desk: Desk) -> None:
    handle = await desk.file(priority="low")  # response 3 days
    state = await desk.settle(handle, 2)
    assert state.response is not None
    agent = agent_of(state)
    await desk.db[collections.SETTINGS].insert_one(
        {
            "_id": "sla_policy",
            "warning_share": 0.5,
            "policies": {
                "urgent": {"response_seconds": 600, "resolution_seconds": 3600},
                "high": {"response_seconds": 3600, "resolution_seconds": 7200},
                "normal": {"response_seconds": 7200, "resolution_seconds": 14400},
                "low": {"response_seconds": 86400, "resolution_seconds": 172800},
            },
        }
    )
    await handle.execute_update(
        UpdateName.SET_PRIORITY,
        SetPriorityRequest(actor=agent, priority="urgent", reason="whole office is down"),
    )
    changed = await desk.state(handle)
    assert changed.priority == "urgent"
    assert changed.response is not None
    assert changed.response.target_seconds == 600  # the policy stored now, not the old one
    assert changed.response.due_at() == state.response.started_at + timedelta(seconds=600)
    events = [
        e async for e in desk.db[collections.TICKET_EVENTS].find({"action": "priority_changed"})
    ]
    assert events[0]["data"]["from"] == "low"
    assert events[0]["data"]["to"] == "urgent"
    await desk.skip(timedelta(minutes=11))
    breached = await desk.state(handle)
    assert breached.response is not None
    assert breached.response.warned_at is not None
    assert breached.response.breached_at is not None
    assert breached.escalation_level == 3
