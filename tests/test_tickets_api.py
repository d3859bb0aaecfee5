"""The first vertical slice: filing a ticket stores it and starts its TicketWorkflow."""

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.worker import Worker

from services.intake.main import create_app
from shared import collections
from shared.mongo import Database
from shared.settings import Settings
from shared.tickets import STATE_QUERY, TicketState, ticket_workflow_id
from tests.conftest import lifespan_client
from tests.intake_support import bearer

NEW_TICKET = {
    "type": "technical",
    "category": "connection",
    "title": "  无法连接服务器  ",
    "description": "Since this morning the app says: connection refused.",
}


@pytest.fixture
async def intake(
    settings: Settings, db: Database, worker: Worker
) -> AsyncIterator[httpx.AsyncClient]:
    async for client in lifespan_client(create_app(settings), "http://intake", bearer(settings)):
        yield client


async def wait_for_history(intake: httpx.AsyncClient, ticket_id: str) -> dict[str, Any]:
    for _ in range(100):
        detail: dict[str, Any] = (await intake.get(f"/v1/tickets/{ticket_id}")).json()
        if len(detail["history"]) >= 1:
            return detail
        await asyncio.sleep(0.1)
    raise AssertionError("the workflow never recorded the ticket's creation")


async def test_filed_ticket_is_pending_with_a_running_workflow(
    intake: httpx.AsyncClient, temporal: Client
) -> None:
    response = await intake.post("/v1/tickets", json=NEW_TICKET)
    assert response.status_code == 201
    ticket = response.json()
    assert ticket["status"] == "pending"
    assert ticket["title"] == "无法连接服务器"  # trimmed
    assert ticket["priority"] == "normal"
    assert ticket["group"] == "frontline"
    assert ticket["escalation_level"] == 0
    assert ticket["assignee"] is None
    assert ticket["created_at"].endswith("Z")
    assert ticket["sla"]["state"] == "on_track"

    detail = await wait_for_history(intake, ticket["id"])
    assert detail["status"] == "pending"
    assert detail["number"] == ticket["number"]
    assert detail["created_at"] == ticket["created_at"]  # what was answered is what is stored
    # This database has no agents: it waits in the queue, a step customers are not shown.
    [created] = detail["history"]
    assert created["action"] == "created"
    assert created["to_status"] == "pending"
    assert created["actor"]["role"] == "customer"

    handle = temporal.get_workflow_handle(ticket_workflow_id(ticket["id"]))
    description = await handle.describe()
    assert description.status == WorkflowExecutionStatus.RUNNING
    state = await handle.query(STATE_QUERY, result_type=TicketState)
    assert state.status == "pending"
    assert state.ticket_id == ticket["id"]


async def test_sla_deadlines_follow_the_default_policy(intake: httpx.AsyncClient) -> None:
    ticket = (await intake.post("/v1/tickets", json={**NEW_TICKET, "priority": "high"})).json()
    created = datetime.fromisoformat(ticket["created_at"])
    response_due = datetime.fromisoformat(ticket["sla"]["response"]["due_at"])
    resolution_due = datetime.fromisoformat(ticket["sla"]["resolution"]["due_at"])
    assert response_due - created == timedelta(hours=2)
    assert resolution_due - created == timedelta(days=1)


async def test_numbers_are_unique_and_increasing(intake: httpx.AsyncClient) -> None:
    responses = await asyncio.gather(
        *(intake.post("/v1/tickets", json=NEW_TICKET) for _ in range(8))
    )
    numbers = [response.json()["number"] for response in responses]
    assert len(set(numbers)) == 8
    assert sorted(numbers) == list(range(min(numbers), min(numbers) + 8))


async def test_category_must_belong_to_type_and_nothing_is_stored(
    intake: httpx.AsyncClient, db: Database
) -> None:
    response = await intake.post("/v1/tickets", json={**NEW_TICKET, "category": "refund"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_category"
    assert "connection" in error["details"]["allowed"]
    assert await db[collections.TICKETS].count_documents({}) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**NEW_TICKET, "title": "   "}, "title"),
        ({k: v for k, v in NEW_TICKET.items() if k != "description"}, "description"),
        ({**NEW_TICKET, "priority": "whenever"}, "priority"),
        ({**NEW_TICKET, "type": {"$ne": None}}, "type"),
        ({**NEW_TICKET, "status": "closed"}, "status"),  # not the caller's to set
    ],
)
async def test_invalid_body_is_rejected_with_the_envelope(
    intake: httpx.AsyncClient, db: Database, body: dict[str, Any], field: str
) -> None:
    response = await intake.post("/v1/tickets", json=body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert any(field in entry["location"] for entry in error["details"]["fields"])
    assert await db[collections.TICKETS].count_documents({}) == 0


async def test_operator_like_input_is_stored_as_text(intake: httpx.AsyncClient) -> None:
    body = {**NEW_TICKET, "title": '{"$gt": ""}', "description": "$where: sleep(1000)"}
    ticket = (await intake.post("/v1/tickets", json=body)).json()
    detail = (await intake.get(f"/v1/tickets/{ticket['id']}")).json()
    assert detail["title"] == '{"$gt": ""}'
    assert detail["description"] == "$where: sleep(1000)"


@pytest.mark.parametrize("ticket_id", ["does-not-exist", "{'$ne': null}", "$gt"])
async def test_unknown_ticket_is_a_404(intake: httpx.AsyncClient, ticket_id: str) -> None:
    await intake.post("/v1/tickets", json=NEW_TICKET)  # one ticket exists; it must not match
    response = await intake.get(f"/v1/tickets/{ticket_id}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "ticket_not_found"
