"""Agent and customer actions on a ticket (B2–B5, C2, D1, A4): each one a workflow update.

`POST /v1/tickets/{id}/actions/{action}` checks who may ask and what the ticket must look
like in intake; the workflow's validator has the last word (an illegal transition is a 409
with its reason) and the answer is the ticket after the action.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, Field

from services.intake.deps import CurrentUser, DbDep, SettingsDep, TemporalDep
from services.intake.tickets import access, messages, reads, service
from services.intake.tickets.models import (
    AssignFields,
    ClaimFields,
    RequestInfoFields,
    TicketId,
    TicketRead,
)
from services.intake.tickets.workflow_calls import run_update
from shared import audit, collections
from shared.auth import Principal
from shared.clock import utcnow
from shared.enums import ApiKeyScope, Role, TicketStatus, Visibility
from shared.errors import ApiError
from shared.mongo import Database, Document
from shared.ticket_updates import (
    ASSIGNING_ROLES,
    STAFF_ROLES,
    ActingUser,
    AddCollaboratorGroupFields,
    AddCollaboratorGroupRequest,
    AssignRequest,
    ClaimRequest,
    CloseFields,
    CloseRequest,
    ConfirmFields,
    ConfirmRequest,
    EscalateFields,
    EscalateRequest,
    MergeIntoFields,
    MergeIntoRequest,
    RecordOperationFields,
    RecordOperationRequest,
    ReopenFields,
    ReopenRequest,
    RequestInfoRequest,
    ResolveFields,
    ResolveRequest,
    SetPriorityFields,
    SetPriorityRequest,
    UpdateName,
    VerifyIdentityFields,
    VerifyIdentityRequest,
)

router = APIRouter(prefix="/v1/tickets", tags=["ticket actions"])


@dataclass(frozen=True)
class Context:
    """What an action needs to build its workflow request."""

    db: Database
    principal: Principal
    actor: ActingUser
    ticket: Document


Build = Callable[[Context, Any], Awaitable[BaseModel]]


def acting_user(principal: Principal, ticket: Document) -> ActingUser:
    """Who the workflow sees: the caller, or for a client system the ticket's customer."""
    if principal.api_key_id is None:
        return principal.acting_user()
    submitter = ticket.get("submitter") or {}
    return ActingUser(
        id=submitter.get("id", ""), role=Role.CUSTOMER, name=submitter.get("name", "")
    )


def _with_actor(request_type: type[BaseModel]) -> Build:
    async def build(context: Context, body: BaseModel) -> BaseModel:
        return request_type.model_validate({**body.model_dump(), "actor": context.actor})

    return build


async def _assign(context: Context, body: AssignFields) -> BaseModel:
    agent = await context.db[collections.USERS].find_one(
        {"_id": body.agent_id, "role": {"$in": [role.value for role in STAFF_ROLES]}}
    )
    if agent is None or agent.get("active") is False:
        raise ApiError(422, "unknown_agent", f"No active agent with id '{body.agent_id}'.")
    return AssignRequest(actor=context.actor, agent_id=body.agent_id, agent_name=agent["name"])


async def _request_info(context: Context, body: RequestInfoFields) -> BaseModel:
    message_id = None
    if body.message:
        document = messages.new_message_document(
            ticket_id=context.ticket["_id"],
            author={"id": context.actor.id, "name": context.actor.name, "role": context.actor.role},
            visibility=Visibility.PUBLIC,
            body=body.message,
            attachment_ids=[],
            now=utcnow(),
        )
        await messages.insert_message(db=context.db, document=document)
        message_id = document["_id"]
    return RequestInfoRequest(actor=context.actor, message_id=message_id)


class MergeFields(MergeIntoFields):
    different_customer_reason: str | None = Field(
        default=None,
        min_length=3,
        max_length=500,
        description="Needed to merge into a ticket of another customer: why (audited).",
    )


async def _merge(context: Context, body: MergeFields) -> BaseModel:
    into = await service.find_ticket(db=context.db, ticket_id=body.into_ticket_id)
    original = access.visible(context.principal, into, body.into_ticket_id)
    if original["status"] == TicketStatus.CLOSED:
        raise ApiError(
            409, "ticket_closed", f"Ticket #{original['number']} is closed; merge into an open one."
        )
    ours = (context.ticket.get("submitter") or {}).get("id")
    theirs = (original.get("submitter") or {}).get("id")
    if ours != theirs and not body.different_customer_reason:
        # The original's customer would then follow this customer's conversation.
        raise ApiError(
            409,
            "merge_customers_differ",
            f"Ticket #{context.ticket['number']} and #{original['number']} were filed by "
            "different customers; give different_customer_reason to merge them anyway.",
            {"into_ticket_id": body.into_ticket_id},
        )
    # The reason stays in the audit entry of this request, with the rest of its body.
    return MergeIntoRequest(actor=context.actor, into_ticket_id=body.into_ticket_id)


@dataclass(frozen=True)
class Action:
    update: UpdateName
    body: type[BaseModel]
    build: Build
    customers_may: bool = False
    summary: str = ""
    # Staff roles allowed to ask (None: every staff role).
    roles: frozenset[Role] | None = None


ACTIONS: dict[str, Action] = {
    "claim": Action(
        UpdateName.CLAIM,
        ClaimFields,
        _with_actor(ClaimRequest),
        summary="Take a pending ticket from the queue.",
    ),
    "assign": Action(
        UpdateName.ASSIGN,
        AssignFields,
        _assign,
        summary="Give the ticket to an agent (managers, admins).",
        roles=ASSIGNING_ROLES,
    ),
    "request-info": Action(
        UpdateName.REQUEST_INFO,
        RequestInfoFields,
        _request_info,
        summary="Ask the customer; the SLA clocks pause.",
    ),
    "resolve": Action(
        UpdateName.RESOLVE,
        ResolveFields,
        _with_actor(ResolveRequest),
        summary="Give the solution; the customer confirms or reopens.",
    ),
    "reopen": Action(
        UpdateName.REOPEN,
        ReopenFields,
        _with_actor(ReopenRequest),
        customers_may=True,
        summary="Reopen a resolved ticket.",
    ),
    "confirm": Action(
        UpdateName.CONFIRM,
        ConfirmFields,
        _with_actor(ConfirmRequest),
        customers_may=True,
        summary="The customer confirms the solution and may rate it.",
    ),
    "escalate": Action(
        UpdateName.ESCALATE,
        EscalateFields,
        _with_actor(EscalateRequest),
        summary="Move the ticket up a level (D1).",
    ),
    "add-collaborator": Action(
        UpdateName.ADD_COLLABORATOR_GROUP,
        AddCollaboratorGroupFields,
        _with_actor(AddCollaboratorGroupRequest),
        summary="Let another group work the ticket too.",
    ),
    "set-priority": Action(
        UpdateName.SET_PRIORITY,
        SetPriorityFields,
        _with_actor(SetPriorityRequest),
        summary="Change the priority; SLA deadlines are recomputed.",
    ),
    "close": Action(
        UpdateName.CLOSE,
        CloseFields,
        _with_actor(CloseRequest),
        summary="Close as invalid, no action needed or duplicate.",
    ),
    "merge": Action(
        UpdateName.MERGE_INTO,
        MergeFields,
        _merge,
        summary="Close as a duplicate of another ticket.",
    ),
    "verify-identity": Action(
        UpdateName.VERIFY_IDENTITY,
        VerifyIdentityFields,
        _with_actor(VerifyIdentityRequest),
        summary="Record the identity check of an account ticket (A4).",
    ),
    "record-operation": Action(
        UpdateName.RECORD_OPERATION,
        RecordOperationFields,
        _with_actor(RecordOperationRequest),
        summary="Log an operation on the customer's account (A4).",
    ),
}


async def perform(
    *,
    name: str,
    action: Action,
    ticket_id: str,
    body: BaseModel,
    principal: Principal,
    request: Request,
    db: Database,
    temporal: Any,
    wait: float,
) -> TicketRead:
    """Check, send and answer one action."""
    principal.require_scope(ApiKeyScope.ACT_ON_TICKETS)
    ticket = access.visible(
        principal, await service.find_ticket(db=db, ticket_id=ticket_id), ticket_id
    )
    if not (principal.is_staff or action.customers_may):
        raise ApiError(403, "staff_only", f"Only agents may {name} a ticket.")
    if action.roles is not None and principal.role not in action.roles:
        raise ApiError(403, "not_permitted", f"A {principal.role} may not {name} a ticket.")
    access.ensure_open(ticket)
    context = Context(
        db=db, principal=principal, actor=acting_user(principal, ticket), ticket=ticket
    )
    update_request = await action.build(context, body)
    audit.note(request, action=name, body=body.model_dump(mode="json"))
    try:
        state = await run_update(
            temporal=temporal,
            ticket_id=ticket_id,
            update=action.update,
            request=update_request,
            wait=wait,
        )
    except ApiError as exc:
        message_id = getattr(update_request, "message_id", None)
        # Refused: its message will never be recorded. After a 503 the update may still
        # land, so the message stays (shown only once the history names it).
        if message_id and exc.status < 500:
            await messages.delete_message(db=db, message_id=message_id)
        raise
    return reads.ticket_after(ticket, state)


_OPTIONAL_BODY = Body(None)
_REQUIRED_BODY = Body(...)


def _route(name: str, action: Action) -> None:
    body_type = action.body
    # An action without required fields (claim, request-info) may be sent without a body.
    optional = not any(field.is_required() for field in body_type.model_fields.values())

    async def endpoint(
        ticket_id: TicketId,
        principal: CurrentUser,
        request: Request,
        db: DbDep,
        temporal: TemporalDep,
        settings: SettingsDep,
        body: body_type | None = _OPTIONAL_BODY if optional else _REQUIRED_BODY,  # type: ignore[valid-type]
    ) -> TicketRead:
        if body is None and not optional:
            raise ApiError(422, "validation_error", f"The {name} action needs a JSON body.")
        return await perform(
            name=name,
            action=action,
            ticket_id=ticket_id,
            body=body if body is not None else body_type(),
            principal=principal,
            request=request,
            db=db,
            temporal=temporal,
            wait=settings.workflow_update_timeout_seconds,
        )

    endpoint.__name__ = f"{name.replace('-', '_')}_ticket"
    router.add_api_route(
        f"/{{ticket_id}}/actions/{name}",
        endpoint,
        methods=["POST"],
        response_model=TicketRead,
        summary=action.summary,
        name=endpoint.__name__,
    )


for _name, _action in ACTIONS.items():
    _route(_name, _action)
