"""Ticket routes (API.md): file a ticket, list tickets, read one."""

import logging
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response, status

from services.intake.attachments.service import (
    ticket_attachments,
)
from services.intake.deps import CurrentUser, DbDep, ResourcesDep, SettingsDep
from services.intake.tickets import access, filing, listing, messages, queries, reads, service
from services.intake.tickets.models import (
    TicketCreate,
    TicketDetail,
    TicketId,
    TicketPage,
    TicketRead,
)
from shared import audit
from shared.enums import ApiKeyScope, Category, Priority, SlaState, TicketStatus, TicketType
from shared.mongo import Document

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
    resources: ResourcesDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
    portal_session: PortalSession = None,
) -> TicketRead:
    """File a ticket: it is stored (journaled), then its workflow starts and keeps it."""
    principal.require_scope(ApiKeyScope.FILE_TICKETS)
    filed = await filing.file_ticket(
        filing.FilingDesk(
            db=db,
            temporal=resources.temporal,
            task_queue=settings.temporal_task_queue,
            orders=resources.orders,
            started_marks=resources.started_marks,
        ),
        principal=principal,
        body=body,
        idempotency_key=idempotency_key,
        portal_session=portal_session,
    )
    if filed.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    else:
        audit.note(request, ticket_id=filed.document["_id"], number=filed.document["number"])
    return reads.ticket_read(filed.document)


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
    ticket_id: TicketId, principal: CurrentUser, db: DbDep, resources: ResourcesDep
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
        order = await resources.orders.find_order(document["order_id"])
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
