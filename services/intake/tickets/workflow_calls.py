"""Sending an agent's action to the ticket's workflow and turning its answer into HTTP:
a refusal by the workflow's validator keeps its stable code; Temporal being down or slow
is a 503 with Retry-After, never a hang."""

import asyncio
import logging

from pydantic import BaseModel
from temporalio.client import (
    Client,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError

from shared.errors import ApiError
from shared.ticket.vocabulary import RejectionCode
from shared.ticket_client import update_ticket
from shared.ticket_updates import UpdateName
from shared.tickets import TicketState

log = logging.getLogger("helpdesk.intake.workflow")

RETRY_AFTER_SECONDS = 5
# The HTTP status of each of the workflow's refusals.
STATUS_OF_CODE = {
    RejectionCode.ILLEGAL_TRANSITION: 409,
    RejectionCode.ALREADY_ASSIGNED: 409,
    RejectionCode.TICKET_CLOSED: 409,
    RejectionCode.IDENTITY_NOT_VERIFIED: 409,
    RejectionCode.NOT_PERMITTED: 403,
    RejectionCode.UNKNOWN_AGENT: 422,
}


def workflow_unavailable(reason: str) -> ApiError:
    return ApiError(
        503,
        "workflow_unavailable",
        "The ticket's workflow did not answer; nothing was changed. Try again shortly.",
        {"reason": reason},
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


async def run_update(
    *, temporal: Client, ticket_id: str, update: UpdateName, request: BaseModel, wait: float
) -> TicketState:
    """Run `update` on the ticket's workflow; its refusal or unavailability as an ApiError."""
    try:
        async with asyncio.timeout(wait):
            return await update_ticket(temporal, ticket_id, update, request)
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        if isinstance(cause, ApplicationError) and cause.type in set(RejectionCode):
            code = RejectionCode(cause.type)
            raise ApiError(STATUS_OF_CODE[code], code, cause.message) from exc
        log.error("update %s of ticket %s failed: %s", update, ticket_id, cause)
        raise ApiError(409, "action_failed", str(cause or exc)) from exc
    except TimeoutError as exc:
        raise workflow_unavailable("timeout") from exc
    except WorkflowUpdateRPCTimeoutOrCancelledError as exc:
        raise workflow_unavailable("timeout") from exc
    except RPCError as exc:
        raise workflow_unavailable(exc.status.name if exc.status else "rpc_error") from exc
    except RuntimeError as exc:  # the lazy client could not connect
        raise workflow_unavailable("unreachable") from exc
