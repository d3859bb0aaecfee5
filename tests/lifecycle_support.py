"""Helpers for driving ticket workflows on the time-skipping server against real MongoDB."""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from services.intake.orders import MongoOrders
from services.intake.tickets.filing import FilingDesk, file_ticket
from services.intake.tickets.models import TicketCreate
from services.intake.tickets.service import ticket_start
from services.workflows.activities import ensure_indexes
from services.workflows.worker import build_worker
from shared import collections
from shared.auth import Principal
from shared.enums import Role
from shared.mongo import Database, Document
from shared.ticket_updates import ActingUser
from shared.tickets import STATE_QUERY, TICKET_WORKFLOW, TicketState, ticket_workflow_id
from tests.notify_support import accepting_notifications

CUSTOMER = ActingUser(id="cust-alice", role=Role.CUSTOMER, name="Alice")
OTHER_CUSTOMER = ActingUser(id="cust-bob", role=Role.CUSTOMER, name="Bob")
ADMIN = ActingUser(id="admin-1", role=Role.ADMIN, name="Admin")


def staff(agent_id: str, role: Role = Role.AGENT) -> ActingUser:
    return ActingUser(id=agent_id, role=role, name=agent_id)


AGENTS: list[Document] = [
    # frontline: two for technical (one busier), one for accounts, one for orders
    {"_id": "ag-tech-1", "skills": ["technical", "connection"], "groups": ["frontline"]},
    {"_id": "ag-tech-2", "skills": ["technical"], "groups": ["frontline"]},
    {"_id": "ag-acct", "skills": ["account", "password_reset"], "groups": ["frontline"]},
    {"_id": "ag-order", "skills": ["order"], "groups": ["frontline"]},
    {"_id": "senior-1", "role": "senior", "skills": ["technical"], "groups": ["senior_support"]},
    {"_id": "tech-1", "role": "tech", "skills": ["technical"], "groups": ["technical_team"]},
    {"_id": "mgr-1", "role": "manager", "skills": [], "groups": ["management"]},
]


async def seed_agents(db: Database, *, capacity: int = 5, available: bool = True) -> None:
    for agent in AGENTS:
        await db[collections.USERS].insert_one(
            {
                "role": "agent",
                "name": agent["_id"],
                "capacity": capacity,
                "available": available,
                "load": [],
                "email": f"{agent['_id']}@example.com",
                **agent,
            }
        )


def ticket_id_of(handle: WorkflowHandle[Any, Any]) -> str:
    return handle.id.removeprefix("ticket-")


@dataclass
class Desk:
    env: WorkflowEnvironment
    db: Database
    task_queue: str
    started: list[WorkflowHandle[Any, TicketState]] = field(default_factory=list)

    @property
    def client(self) -> Client:
        return self.env.client

    async def file(
        self,
        *,
        customer: ActingUser = CUSTOMER,
        filed_by: ActingUser | None = None,
        max_events_per_run: int | None = None,
        **fields: Any,
    ) -> WorkflowHandle[Any, TicketState]:
        """File a ticket through intake's filing use case, on the time-skipping server's
        clock: by the customer, or by `filed_by` (staff, who may set urgent) for them."""
        body = {
            "type": "technical",
            "category": "connection",
            "title": f"Cannot connect {uuid.uuid4().hex[:6]}",
            "description": "Connection refused since this morning.",
            **fields,
        }
        by = customer
        if filed_by is not None:
            by = filed_by
            body["customer"] = {"email": f"{customer.id}@example.com", "name": customer.name}
        now = await self.env.get_current_time()
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # as MongoDB keeps it

        async def start(temporal: Client, task_queue: str, document: Document) -> None:
            start = ticket_start(document=document).model_copy(
                update={"max_events_per_run": max_events_per_run}
            )
            await temporal.start_workflow(
                TICKET_WORKFLOW,
                start,
                id=ticket_workflow_id(document["_id"]),
                task_queue=task_queue,
            )

        filed = await file_ticket(
            FilingDesk(
                db=self.db,
                temporal=self.client,
                task_queue=self.task_queue,
                orders=MongoOrders(self.db),
                clock=lambda: now,
                starter=start,
            ),
            principal=Principal(id=by.id, role=by.role, name=by.name),
            body=TicketCreate.model_validate(body),
        )
        handle = self.client.get_workflow_handle(
            ticket_workflow_id(filed.document["_id"]), result_type=TicketState
        )
        self.started.append(handle)
        return handle

    async def state(self, handle: WorkflowHandle[Any, Any]) -> TicketState:
        state: TicketState = await handle.query(STATE_QUERY, result_type=TicketState)
        return state

    async def settle(self, handle: WorkflowHandle[Any, Any], events: int) -> TicketState:
        """Wait (real time, bounded) until the workflow has recorded `events` events."""
        for _ in range(200):
            state = await self.state(handle)
            if state.events_recorded >= events:
                return state
            await asyncio.sleep(0.05)
        raise AssertionError(f"only {state.events_recorded} of {events} events were recorded")

    async def skip(self, duration: timedelta) -> None:
        await self.env.sleep(duration)

    async def actions(self, handle: WorkflowHandle[Any, Any]) -> list[str]:
        events = self.db[collections.TICKET_EVENTS]
        cursor = events.find({"ticket_id": ticket_id_of(handle)}).sort("seq", 1)
        return [event["action"] async for event in cursor]

    async def projection(self, handle: WorkflowHandle[Any, Any]) -> Document:
        ticket = await self.db[collections.TICKETS].find_one(
            {"_id": handle.id.removeprefix("ticket-")}
        )
        assert ticket is not None
        return ticket

    async def notified(self, handle: WorkflowHandle[Any, Any]) -> list[str]:
        """The events notify accepted for the ticket, in order."""
        ticket_id = handle.id.removeprefix("ticket-")
        cursor = self.db[collections.NOTIFICATIONS].find({"ticket_id": ticket_id}).sort("at", 1)
        return [entry["event"] async for entry in cursor]


async def _without_pending_activities(handle: WorkflowHandle[Any, Any]) -> None:
    for _ in range(100):
        description = await handle.describe()
        if not description.raw_description.pending_activities:
            return
        await asyncio.sleep(0.05)


@asynccontextmanager
async def running_desk(env: WorkflowEnvironment, db: Database) -> AsyncIterator[Desk]:
    await ensure_indexes(db)
    task_queue = f"tickets-{uuid.uuid4().hex[:8]}"
    desk = Desk(env=env, db=db, task_queue=task_queue)
    async with (
        build_worker(env.client, db, task_queue),
        accepting_notifications(env.client, db, task_queue),
    ):
        try:
            yield desk
        finally:
            # A ticket left running would keep firing timers with no worker to take them,
            # and the time-skipping server does not skip time while work is outstanding.
            # Terminating one with an activity in flight leaves the test server unable to
            # skip time again, so let its activities finish first.
            for handle in desk.started:
                await _without_pending_activities(handle)
                with contextlib.suppress(RPCError):
                    await handle.terminate("test finished")
