"""Ticket routes (API.md): file a ticket, list tickets, read one."""

import asyncio
import hashlib
import logging
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response, status
from temporalio.service import RPCError

from services.intake.attachments.service import (
    check_attachments,
    link_attachments,
    ticket_attachments,
)
from services.intake.auth import service as auth_service
from services.intake.deps import CurrentUser, DbDep, SettingsDep, TemporalDep
from services.intake.orders import check_order_of
from services.intake.tickets import access, lifecycle, listing, messages, queries, reads, service
from services.intake.tickets.models import TicketCreate, TicketDetail, TicketPage, TicketRead
from shared import audit
from shared.auth import Principal
from shared.clock import utcnow
from shared.enums import ApiKeyScope, Category, Priority, SlaState, TicketStatus, TicketType
from shared.errors import ApiError
from shared.mongo import Database, Document
from shared.sla import DEFAULT_SLA_POLICY

log = logging.getLogger("helpdesk.intake.tickets")

router = APIRouter(prefix="/v1/tickets", tags=["tickets"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Same key and body: the same ticket, however often it is sent.",
    ),
]


async def _submitter(
    *, db: Database, principal: Principal, body: TicketCreate
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Who the ticket is for and through which channel it came."""
    if principal.api_key_id is not None:
        if body.customer is None:
            raise ApiError(
                422, "customer_required", "A client system names the customer it files for."
            )
        check_customer_domain(principal, body.customer.email)
        customer = await auth_service.find_or_create_customer(
            db=db, ref=body.customer, now=utcnow()
        )
        source = {"channel": "api", "api_key_id": principal.api_key_id}
    elif principal.is_staff and body.customer is not None:
        customer = await auth_service.find_or_create_customer(
            db=db, ref=body.customer, now=utcnow()
        )
        source = {"channel": "agent", "filed_by": principal.id}
    elif body.customer is not None:
        raise ApiError(422, "customer_not_allowed", "Customers file tickets for themselves only.")
    else:
        return (
            {"id": principal.id, "name": principal.name, "email": principal.email},
            {"channel": "agent" if principal.is_staff else "web"},
        )
    person = {
        "id": customer["_id"],
        "name": customer.get("name", ""),
        "email": customer.get("email"),
    }
    return person, source


def check_customer_domain(principal: Principal, email: str | None) -> None:
    """403 `customer_domain_not_allowed` when a client system limited to some e-mail
    domains files for a customer outside them (or one known by no e-mail)."""
    allowed = principal.api_key_domains
    if not allowed:
        return
    domain = email.rsplit("@", 1)[1].lower() if email and "@" in email else None
    if domain not in allowed:
        raise ApiError(
            403,
            "customer_domain_not_allowed",
            "This API key files only for customers of its e-mail domains.",
            {"customer_domains": list(allowed)},
        )


def _priority(principal: Principal, body: TicketCreate) -> Priority:
    """Agents set the priority; a customer's choice is a suggestion, and urgent (service
    down, security hole, data loss) is for an agent to confirm."""
    if principal.is_staff or body.priority is not Priority.URGENT:
        return body.priority
    return Priority.HIGH


def _fingerprint(principal: Principal, body: TicketCreate) -> str:
    return hashlib.sha256(f"{principal.id}\n{body.model_dump_json()}".encode()).hexdigest()


def _replay(existing: Document, fingerprint: str, response: Response) -> TicketRead:
    if existing["idempotency"]["fingerprint"] != fingerprint:
        raise ApiError(
            422,
            "idempotency_key_reused",
            "This Idempotency-Key was used with a different request body.",
            {"ticket_id": existing["_id"]},
        )
    response.headers["Idempotent-Replayed"] = "true"
    return reads.ticket_read(existing)


PortalSession = Annotated[
    str | None,
    Header(
        alias="X-Portal-Session",
        max_length=100,
        description="The portal's session id: a ticket filed after searching the FAQ (H3).",
    ),
]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TicketRead)
async def create_ticket(
    body: TicketCreate,
    principal: CurrentUser,
    request: Request,
    response: Response,
    db: DbDep,
    temporal: TemporalDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
    portal_session: PortalSession = None,
) -> TicketRead:
    """File a ticket: it is stored (journaled), then its workflow starts and keeps it."""
    principal.require_scope(ApiKeyScope.FILE_TICKETS)
    service.check_category(data=body)
    idempotency = None
    if idempotency_key:
        idempotency = {
            "key": f"{principal.id}:{idempotency_key}",
            "fingerprint": _fingerprint(principal, body),
        }
        existing = await service.find_by_idempotency_key(db=db, key=idempotency["key"])
        if existing is not None:
            return _replay(existing, idempotency["fingerprint"], response)
    submitter, source = await _submitter(db=db, principal=principal, body=body)
    if body.order_id is not None:
        await check_order_of(
            request.app.state.orders, order_id=body.order_id, customer_id=submitter["id"]
        )
    if portal_session:
        source = {**source, "session": portal_session}
    ticket_id = service.new_ticket_id()
    if body.attachment_ids:  # checked now, linked once the ticket is stored
        await check_attachments(
            db=db, attachment_ids=body.attachment_ids, principal=principal, ticket_id=ticket_id
        )
    number = await service.next_ticket_number(db=db)
    document = service.new_ticket_document(
        ticket_id=ticket_id,
        number=number,
        data=body,
        submitter=submitter,
        policy=DEFAULT_SLA_POLICY,
        now=utcnow(),
        priority=_priority(principal, body),
        source=source,
        idempotency=idempotency,
    )
    if not await service.insert_new_ticket(db=db, document=document):
        # The same key raced in from a concurrent request: answer what it stored.
        assert idempotency is not None
        existing = await service.find_by_idempotency_key(db=db, key=idempotency["key"])
        assert existing is not None
        return _replay(existing, idempotency["fingerprint"], response)
    audit.note(request, ticket_id=ticket_id, number=number)
    if body.attachment_ids:
        try:
            await link_attachments(
                db=db, attachment_ids=body.attachment_ids, principal=principal, ticket_id=ticket_id
            )
        except ApiError as exc:  # linked elsewhere since the check: the ticket stands
            log.warning("ticket %s stored without attachments: %s", ticket_id, exc.details)
    # Accepted once stored; if Temporal is unreachable, the sweeper starts the workflow.
    try:
        async with asyncio.timeout(lifecycle.START_TIMEOUT.total_seconds()):
            await lifecycle.start_ticket_workflow(
                temporal=temporal, task_queue=settings.temporal_task_queue, document=document
            )
        marks: lifecycle.StartedMarks = request.app.state.started_marks
        marks.add(ticket_id)
    except (RPCError, RuntimeError, TimeoutError) as exc:  # RuntimeError: could not connect
        log.warning("ticket %s stored; workflow start deferred to the sweeper: %s", ticket_id, exc)
    return reads.ticket_read(document)


@router.get("", response_model=TicketPage)
async def list_tickets(
    principal: CurrentUser,
    db: DbDep,
    status: Annotated[list[TicketStatus], Query()] = [],  # noqa: B006 - FastAPI copies it
    type: Annotated[list[TicketType], Query()] = [],  # noqa: B006
    category: Annotated[list[Category], Query()] = [],  # noqa: B006
    priority: Annotated[list[Priority], Query()] = [],  # noqa: B006
    sla_state: Annotated[list[SlaState], Query()] = [],  # noqa: B006
    assignee: Annotated[str | None, Query(max_length=64, description="id, or none")] = None,
    submitter: Annotated[str | None, Query(max_length=64)] = None,
    group: Annotated[str | None, Query(max_length=64)] = None,
    escalation_level: Annotated[int | None, Query(ge=0, le=3)] = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    updated_from: datetime | None = None,
    updated_to: datetime | None = None,
    q: Annotated[str | None, Query(max_length=200, description="text in title/description")] = None,
    sort: queries.TicketSort = queries.TicketSort.CREATED_DESC,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> TicketPage:
    """Tickets the caller may see (customers: their own; agents: their groups'), filtered."""
    principal.require_scope(ApiKeyScope.READ_TICKETS)
    filters = queries.TicketFilters(
        status=status,
        type=type,
        category=category,
        priority=priority,
        sla_state=sla_state,
        assignee=principal.id if assignee == "me" else assignee,
        submitter=submitter,
        group=group,
        escalation_level=escalation_level,
        created_from=created_from,
        created_to=created_to,
        updated_from=updated_from,
        updated_to=updated_to,
        q=q,
    )
    conditions = listing.Conditions(matches=listing.text_matcher(q) if q else None)
    for clause in (access.ticket_scope(principal), *queries.filter_clauses(filters)):
        conditions.add(clause)
    path, direction = queries.sort_spec(sort)
    after = queries.decode_cursor(cursor) if cursor else None
    documents = await service.list_tickets(
        db=db, conditions=conditions, page=listing.Page(path, direction, after, limit)
    )
    next_cursor = None
    if len(documents) > limit:
        documents = documents[:limit]
        last = documents[-1]
        next_cursor = queries.encode_cursor(_value_at(last, path), last["_id"])
    return TicketPage(items=[reads.ticket_read(d) for d in documents], next_cursor=next_cursor)


def _value_at(document: Document, path: str) -> Any:
    value: Any = document
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


@router.get("/{ticket_id}", response_model=TicketDetail)
async def read_ticket(
    ticket_id: service.TicketId, principal: CurrentUser, request: Request, db: DbDep
) -> TicketDetail:
    """The A2 detail: fields, conversation, history, SLA, submitter, related order."""
    principal.require_scope(ApiKeyScope.READ_TICKETS)
    document = access.visible(
        principal, await service.find_ticket(db=db, ticket_id=ticket_id), ticket_id
    )
    events = await service.get_history(db=db, ticket_id=ticket_id)
    conversation = await messages.recorded_messages(
        db=db,
        ticket_id=ticket_id,
        message_ids=reads.recorded_message_ids(events),
        public_only=not principal.is_staff,
    )
    profile = await service.submitter_profile(
        db=db, submitter=document.get("submitter"), full=principal.is_staff
    )
    order = None
    if document.get("order_id"):
        order = await request.app.state.orders.find_order(document["order_id"])
        submitter_id = (document.get("submitter") or {}).get("id")
        if order and not principal.is_staff and order.get("customer_id") != submitter_id:
            order = None  # a customer sees their own orders only
    attachments = await ticket_attachments(
        db=db,
        ticket_id=ticket_id,
        attachment_ids=reads.shown_attachment_ids(document, conversation),
    )
    return reads.ticket_detail(
        principal=principal,
        document=document,
        events=events,
        messages=conversation,
        submitter_profile=profile,
        order=order,
        attachments=attachments,
    )
