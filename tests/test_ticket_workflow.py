"""TicketWorkflow on the time-skipping test server (days pass in milliseconds), with its
activities writing to the real MongoDB; and replay of recorded histories, so that a change
to the workflow that would break running tickets fails here."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.client import WorkflowExecutionStatus, WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from devstack.servers import VENV_BIN
from services.workflows.activities import ensure_indexes
from services.workflows.ticket_workflow import TicketWorkflow
from services.workflows.worker import build_worker
from shared import collections
from shared.clock import utcnow
from shared.mongo import Database
from shared.tickets import TICKET_WORKFLOW, Actor, TicketStart, TicketState, ticket_workflow_id

HISTORIES = Path(__file__).parent / "histories"


@pytest.fixture(scope="session")
async def time_skipping() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=str(VENV_BIN / "temporal-test-server"),
    )
    try:
        yield env
    finally:
        await env.shutdown()


def a_ticket() -> TicketStart:
    return TicketStart(
        ticket_id=uuid.uuid4().hex[:24],
        number=7,
        type="account",
        category="password_reset",
        priority="high",
        submitter=Actor(id="customer-1", role="customer"),
        created_at=utcnow(),
    )


async def test_a_new_ticket_stays_pending_and_its_creation_is_recorded(
    time_skipping: WorkflowEnvironment, db: Database
) -> None:
    await ensure_indexes(db)
    start = a_ticket()
    await db[collections.TICKETS].insert_one(
        {"_id": start.ticket_id, "status": "pending", "last_event_seq": -1}
    )
    task_queue = f"tickets-{uuid.uuid4().hex[:8]}"
    async with build_worker(time_skipping.client, db, task_queue):
        handle = await time_skipping.client.start_workflow(
            TICKET_WORKFLOW, start, id=ticket_workflow_id(start.ticket_id), task_queue=task_queue
        )
        await time_skipping.sleep(timedelta(days=30))
        state = await handle.query(TicketWorkflow.state)
        assert isinstance(state, TicketState)
        assert state.status == "pending"
        assert state.events_recorded == 1
        assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING

    [event] = await db[collections.TICKET_EVENTS].find({"ticket_id": start.ticket_id}).to_list()
    assert event["_id"] == f"{start.ticket_id}:0"
    assert event["action"] == "created"
    assert event["actor"] == {"id": "customer-1", "role": "customer"}
    assert event["data"]["category"] == "password_reset"
    ticket = await db[collections.TICKETS].find_one({"_id": start.ticket_id})
    assert ticket is not None
    assert ticket["last_event_seq"] == 0


def recorded_histories() -> list[Path]:
    return sorted(HISTORIES.glob("*.json"))


@pytest.mark.parametrize("path", recorded_histories(), ids=lambda path: path.stem)
async def test_recorded_histories_replay(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, await asyncio.to_thread(path.read_text))
    replayer = Replayer(workflows=[TicketWorkflow], data_converter=pydantic_data_converter)
    await replayer.replay_workflow(history)


def test_there_is_a_history_to_replay() -> None:
    assert recorded_histories(), "tests/histories/ must hold at least one recorded history"
