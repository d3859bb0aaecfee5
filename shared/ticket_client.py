"""Sending updates to a ticket's workflow, as intake and tools do."""

import asyncio
import uuid

from pydantic import BaseModel
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from shared.ticket_updates import UpdateName
from shared.tickets import TicketState, ticket_workflow_id

ATTEMPTS = 3


async def update_ticket(
    client: Client,
    ticket_id: str,
    update: UpdateName,
    request: BaseModel,
    *,
    update_id: str | None = None,
) -> TicketState:
    """Run `update` on the ticket's current run and return the ticket's state after it.

    An update that reaches a run just as it continues as new fails with "already
    completed"; it is sent again to the new run. A rejection by the workflow's validator
    raises `WorkflowUpdateFailedError` with the reason as its cause. A caller that may
    send the same change again later (a retried bulk step) passes its own `update_id`.
    """
    handle = client.get_workflow_handle(ticket_workflow_id(ticket_id), result_type=TicketState)
    # One id for every attempt: the workflow applies an update id once.
    update_id = update_id or f"{update.value}-{uuid.uuid4().hex}"
    for attempt in range(1, ATTEMPTS + 1):
        try:
            state: TicketState = await handle.execute_update(
                update.value, request, id=update_id, result_type=TicketState
            )
            return state
        except RPCError as exc:
            if exc.status is not RPCStatusCode.NOT_FOUND or attempt == ATTEMPTS:
                raise
            description = await handle.describe()
            if description.status is not WorkflowExecutionStatus.RUNNING:
                raise
            await asyncio.sleep(0.05 * attempt)
    raise AssertionError("unreachable")
