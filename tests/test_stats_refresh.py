"""The statistics refresh: facts follow the event history incrementally, catch up after
downtime a page at a time, run from a Temporal schedule, and agree with the ticket
workflow's own SLA clocks."""

import asyncio
from datetime import timedelta
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker

from services.workflows.stats.refresh import refresh_ticket_stats
from services.workflows.stats.schedule import ensure_refresh_schedule, refresh_schedule_id
from shared import collections
from shared.clock import utcnow
from shared.enums import Role
from shared.mongo import Database
from shared.settings import Settings
from shared.stats.packs import decode
from shared.stats.state import STATE_ID
from shared.ticket_updates import (
    ActingUser,
    AddMessageRequest,
    RequestInfoRequest,
    ResolveRequest,
    UpdateName,
)
from tests.lifecycle_support import CUSTOMER, Desk, seed_agents, ticket_id_of
from tests.stats_support import History, record, write_histories
from tests.test_stats import AGENT1, d, histories


async def facts_of(db: Database, ticket_id: str) -> dict[str, Any]:
    facts = await db[collections.TICKET_STATS].find_one({"_id": ticket_id})
    assert facts is not None, ticket_id
    return facts


async def written_an_hour_ago(db: Database) -> None:
    """The seeded events as if recorded an hour ago (the refresh re-reads recent ones)."""
    await db[collections.TICKET_EVENTS].update_many(
        {}, {"$set": {"recorded_at": utcnow() - timedelta(hours=1)}}
    )


async def test_the_refresh_follows_new_events(db: Database) -> None:
    await write_histories(db, histories())
    await written_an_hour_ago(db)
    assert (await refresh_ticket_stats(db=db, now=utcnow())).tickets == 7
    assert (await facts_of(db, "t4"))["assignee_id"] is None

    t4 = History("t4", 4, d(5, 8), "退款还没到账")
    t4.assigned(d(5, 9), AGENT1)
    await record(db, t4.events[-1])
    outcome = await refresh_ticket_stats(db=db, now=utcnow())
    assert (outcome.tickets, outcome.caught_up) == (1, True)  # only the ticket that changed
    facts = await facts_of(db, "t4")
    assert facts["assignee_id"] == AGENT1
    assert facts["handled_by"] == [AGENT1]

    # a resolution on another day puts the ticket into that day's pack as well
    t4.resolved(d(6, 9), AGENT1)
    await record(db, t4.events[-1])
    await refresh_ticket_stats(db=db, now=utcnow())
    packed = await db[collections.STATS_DAYS].find_one({"_id": "2026-03-06"})
    assert packed is not None
    assert {entry["_id"] for entry in decode(packed["resolved"])} == {"t4"}
    [created] = [e for e in decode(packed["created"])]  # t6, filed that day, kept
    assert created["_id"] == "t6"
    march_5 = await db[collections.STATS_DAYS].find_one({"_id": "2026-03-05"})
    assert march_5 is not None
    [t4_packed] = decode(march_5["created"])
    assert [a["agent"] for a in t4_packed["assignments"]] == [AGENT1]
    assert len(t4_packed["resolutions"]) == 1


async def test_a_refresh_catches_up_a_page_at_a_time(db: Database) -> None:
    await write_histories(db, histories())
    await written_an_hour_ago(db)
    # the first refresh of an installation reads every ticket, resumably
    pages = [await refresh_ticket_stats(db=db, now=utcnow(), max_tickets=4) for _ in range(2)]
    assert [(p.tickets, p.caught_up) for p in pages] == [(4, False), (3, True)]
    assert await db[collections.TICKET_STATS].count_documents({}) == 7

    # downtime: three tickets changed meanwhile; a small page size needs three refreshes
    for ticket_id, number in (("t4", 4), ("t6", 6), ("t1", 1)):
        change = History(ticket_id, number, d(1, 0), "")
        change.events[0] = change.events[0].model_copy(
            update={"seq": 50, "action": "collaborator_added", "data": {"group": "technical_team"}}
        )
        await record(db, change.events[0])
    outcomes = []
    for _ in range(5):
        outcome = await refresh_ticket_stats(db=db, now=utcnow(), max_tickets=1)
        outcomes.append(outcome.caught_up)
        if outcome.caught_up:
            break
    assert outcomes == [False, False, True]
    for ticket_id in ("t4", "t6", "t1"):
        assert "technical_team" in (await facts_of(db, ticket_id))["groups"]


async def test_a_refresh_ends_when_more_than_a_page_share_one_instant(db: Database) -> None:
    await write_histories(db, histories())
    await written_an_hour_ago(db)
    await refresh_ticket_stats(db=db, now=utcnow())
    # An import recorded new events of all seven tickets at one instant.
    await db[collections.TICKET_EVENTS].update_many({}, {"$set": {"recorded_at": utcnow()}})
    outcomes = []
    for _ in range(5):
        outcome = await refresh_ticket_stats(db=db, now=utcnow(), max_tickets=2)
        outcomes.append((outcome.tickets, outcome.caught_up))
        if outcome.caught_up:
            break
    # A page up to that instant, then the instant's tickets all at once.
    assert outcomes == [(2, False), (7, True)]


async def test_the_schedule_refreshes_the_facts(
    db: Database, temporal: Client, worker: Worker, settings: Settings
) -> None:
    await write_histories(db, histories())
    queue = settings.temporal_task_queue
    await ensure_refresh_schedule(temporal, queue)
    await ensure_refresh_schedule(temporal, queue)  # every worker start asks: no error
    handle = temporal.get_schedule_handle(refresh_schedule_id(queue))
    try:
        for _ in range(200):  # it is triggered at once
            state = await db[collections.STATS_STATE].find_one({"_id": STATE_ID})
            if state and state.get("watermark"):
                break
            await asyncio.sleep(0.1)
        assert await db[collections.TICKET_STATS].count_documents({}) == 7
        description = await handle.describe()
        assert description.schedule.spec.intervals[0].every == timedelta(minutes=1)
    finally:
        await handle.delete()


async def test_facts_agree_with_the_workflows_clocks(desk: Desk) -> None:
    """A ticket driven through the real workflow with time skipping: the facts' working
    times are the workflow's own SLA clock times."""
    await seed_agents(desk.db)
    handle = await desk.file(priority="high")
    state = await desk.settle(handle, 2)  # created, assigned
    assert state.assignee is not None
    agent = ActingUser(id=state.assignee.id, role=Role.AGENT, name="agent")
    await desk.skip(timedelta(minutes=30))
    await handle.execute_update(
        UpdateName.ADD_MESSAGE, AddMessageRequest(actor=agent, message_id="m1")
    )
    await handle.execute_update(UpdateName.REQUEST_INFO, RequestInfoRequest(actor=agent))
    await desk.skip(timedelta(hours=2))  # waiting on the customer: not working time
    await handle.execute_update(
        UpdateName.ADD_MESSAGE, AddMessageRequest(actor=CUSTOMER, message_id="m2")
    )
    await desk.skip(timedelta(hours=1))
    await handle.execute_update(UpdateName.RESOLVE, ResolveRequest(actor=agent, solution="done"))
    state = await desk.state(handle)
    await desk.settle(handle, state.events_recorded)

    await refresh_ticket_stats(db=desk.db, now=utcnow())
    facts = await facts_of(desk.db, ticket_id_of(handle))
    assert state.response is not None
    assert state.resolution is not None
    response = facts["first_response"]
    # equal to the millisecond MongoDB keeps of the events' times (one at each end)
    assert abs(response["seconds"] - state.response.elapsed_seconds(utcnow())) <= 0.002
    assert response["by"] == agent.id
    [resolution] = facts["resolutions"]
    assert abs(resolution["seconds"] - state.resolution.elapsed_seconds(utcnow())) <= 0.002
    assert 5400 <= resolution["seconds"] < 5400 + 60  # 30 min + 1 h; the 2 h wait left out
    assert facts["breaches"] == {"response": None, "resolution": None}
