"""A stored ticket always gets its workflow: when Temporal is down at filing time, the
sweeper starts it later; starting twice never makes two workflows."""

import asyncio
from datetime import datetime, timedelta

from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.worker import Worker

from services.intake.main import create_app
from services.intake.tickets import lifecycle
from services.workflows.activities import TicketActivities
from services.workflows.models import ProjectionWrite
from shared import collections
from shared.clock import utcnow
from shared.enums import TicketStatus
from shared.mongo import Database
from shared.settings import Settings
from shared.tickets import Actor, TicketEvent, ticket_workflow_id
from tests.conftest import Servers, lifespan_client
from tests.intake_support import bearer
from tests.test_tickets_api import NEW_TICKET


async def test_ticket_filed_while_temporal_is_down_is_accepted_then_swept(
    servers: Servers, settings: Settings, db: Database, temporal: Client, worker: Worker
) -> None:
    unreachable = settings.model_copy(update={"temporal_address": "127.0.0.1:1"})
    ticket: dict[str, object] = {}
    async for intake in lifespan_client(
        create_app(unreachable), "http://intake", bearer(unreachable)
    ):
        response = await intake.post("/v1/tickets", json=NEW_TICKET)
        assert response.status_code == 201
        ticket = response.json()
    stored = await db[collections.TICKETS].find_one({"_id": ticket["id"]})
    assert stored is not None
    assert stored["workflow"]["started"] is False

    # Pretend the grace period has passed, then sweep with Temporal reachable again.
    await db[collections.TICKETS].update_one(
        {"_id": ticket["id"]}, {"$set": {"created_at": utcnow() - timedelta(minutes=5)}}
    )
    swept = await lifecycle.sweep_once(
        temporal=temporal, db=db, task_queue=settings.temporal_task_queue
    )
    assert swept == 1
    handle = temporal.get_workflow_handle(ticket_workflow_id(str(ticket["id"])))
    assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
    stored = await db[collections.TICKETS].find_one({"_id": ticket["id"]})
    assert stored is not None
    assert stored["workflow"]["started"] is True
    # Nothing left to sweep.
    assert (
        await lifecycle.sweep_once(
            temporal=temporal, db=db, task_queue=settings.temporal_task_queue
        )
        == 0
    )


async def test_starting_a_ticket_workflow_twice_keeps_one_run(
    settings: Settings, db: Database, temporal: Client, worker: Worker
) -> None:
    async for intake in lifespan_client(create_app(settings), "http://intake", bearer(settings)):
        ticket = (await intake.post("/v1/tickets", json=NEW_TICKET)).json()
    stored = await db[collections.TICKETS].find_one({"_id": ticket["id"]})
    assert stored is not None
    handle = temporal.get_workflow_handle(ticket_workflow_id(ticket["id"]))
    first_run = (await handle.describe()).run_id
    await lifecycle.start_ticket_workflow(
        temporal=temporal, task_queue=settings.temporal_task_queue, document=stored
    )
    assert (await handle.describe()).run_id == first_run
    count = 0
    async for _ in temporal.list_workflows(f"WorkflowId = '{ticket_workflow_id(ticket['id'])}'"):
        count += 1
    assert count == 1


async def test_the_recorded_history_is_idempotent(
    settings: Settings, db: Database, temporal: Client, worker: Worker
) -> None:
    """A retried projection write (same event) leaves exactly one history entry."""
    async for intake in lifespan_client(create_app(settings), "http://intake", bearer(settings)):
        ticket = (await intake.post("/v1/tickets", json=NEW_TICKET)).json()
    event = TicketEvent(
        ticket_id=ticket["id"], seq=5, at=utcnow(), actor=Actor(role="system"), action="noted"
    )
    activities = TicketActivities(db, temporal)
    await activities.record_event(ProjectionWrite(event=event, projection={"status": "processing"}))
    await activities.record_event(ProjectionWrite(event=event, projection={"status": "processing"}))
    assert (
        await db[collections.TICKET_EVENTS].count_documents({"ticket_id": ticket["id"], "seq": 5})
        == 1
    )
    # an older event retried late does not move the projection back
    stale = event.model_copy(update={"seq": 1, "to_status": TicketStatus.CLOSED})
    await activities.record_event(ProjectionWrite(event=stale, projection={"status": "closed"}))
    stored = await db[collections.TICKETS].find_one({"_id": ticket["id"]})
    assert stored is not None
    assert stored["status"] == "processing"
    assert stored["last_event_seq"] == 5


async def test_projected_dates_are_stored_as_dates(
    settings: Settings, db: Database, temporal: Client, worker: Worker
) -> None:
    """Dates in the projection cross the JSON converter as strings; stored as strings they
    would not sort or compare with dates, so the ticket list and reports would be wrong."""
    async for intake in lifespan_client(create_app(settings), "http://intake", bearer(settings)):
        ticket = (await intake.post("/v1/tickets", json=NEW_TICKET)).json()
    for _ in range(100):
        stored = await db[collections.TICKETS].find_one({"_id": ticket["id"]})
        assert stored is not None
        if stored["last_event_seq"] >= 1:
            break
        await asyncio.sleep(0.1)
    assert stored is not None
    assert isinstance(stored["updated_at"], datetime)
    assert isinstance(stored["sla"]["response"]["due_at"], datetime)
    assert isinstance(stored["sla"]["resolution"]["due_at"], datetime)
