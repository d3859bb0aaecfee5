"""Filing a ticket, the one use case the route, the benchmarks and the tests all call: who
it is for, checked and stored (journaled) before anything else, then its workflow started.
A ticket is accepted once stored; when Temporal does not answer, intake's sweeper starts its
workflow later (services/intake/tickets/lifecycle.py)."""

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from temporalio.client import Client
from temporalio.service import RPCError

from services.intake.attachments.service import check_attachments, link_attachments
from services.intake.auth import service as auth_service
from services.intake.orders import OrderLookup, check_order_of
from services.intake.tickets import lifecycle, service
from services.intake.tickets.models import TicketCreate
from shared.auth import Principal
from shared.clock import utcnow
from shared.enums import Priority
from shared.mongo import Database, Document
from shared.refusals import Invalid, NotPermitted, Refusal
from shared.sla import DEFAULT_SLA_POLICY

log = logging.getLogger("helpdesk.intake.tickets")


# Starts a stored ticket's workflow: lifecycle.start_ticket_workflow, or a test's own.
WorkflowStarter = Callable[[Client, str, Document], Awaitable[None]]


async def _start_on(temporal: Client, task_queue: str, document: Document) -> None:
    await lifecycle.start_ticket_workflow(
        temporal=temporal, task_queue=task_queue, document=document
    )


@dataclass(frozen=True)
class FilingDesk:
    """What filing needs of the desk. The clock and the starter are the wall clock and
    Temporal's start; the tests on the time-skipping server give theirs."""

    db: Database
    temporal: Client
    task_queue: str
    orders: OrderLookup
    started_marks: lifecycle.StartedMarks | None = None
    clock: Callable[[], datetime] = utcnow
    starter: WorkflowStarter = _start_on


@dataclass(frozen=True)
class FiledTicket:
    document: Document  # as stored
    replayed: bool = False  # the same Idempotency-Key and body filed it before


async def file_ticket(
    desk: FilingDesk,
    *,
    principal: Principal,
    body: TicketCreate,
    idempotency_key: str | None = None,
    portal_session: str | None = None,
) -> FiledTicket:
    """File `body` as `principal`; the stored document. Bad input is a Refusal with its
    code, and nothing is stored then."""
    db = desk.db
    service.check_category(data=body)
    idempotency = None
    if idempotency_key:
        idempotency = {
            "key": f"{principal.id}:{idempotency_key}",
            "fingerprint": _fingerprint(principal, body),
        }
        existing = await service.find_by_idempotency_key(db=db, key=idempotency["key"])
        if existing is not None:
            return _replayed(existing, idempotency["fingerprint"])
    submitter, source = await _submitter(db=db, principal=principal, body=body, now=desk.clock())
    if body.order_id is not None:
        await check_order_of(desk.orders, order_id=body.order_id, customer_id=submitter["id"])
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
        now=desk.clock(),
        priority=_priority(principal, body),
        source=source,
        idempotency=idempotency,
    )
    if not await service.insert_new_ticket(db=db, document=document):
        # The same key raced in from a concurrent request: answer what it stored.
        assert idempotency is not None
        existing = await service.find_by_idempotency_key(db=db, key=idempotency["key"])
        assert existing is not None
        return _replayed(existing, idempotency["fingerprint"])
    if body.attachment_ids:
        try:
            await link_attachments(
                db=db, attachment_ids=body.attachment_ids, principal=principal, ticket_id=ticket_id
            )
        except Refusal as exc:  # linked elsewhere since the check: the ticket stands
            log.warning("ticket %s stored without attachments: %s", ticket_id, exc.details)
    await _start_workflow(desk, document)
    return FiledTicket(document=document)


async def _start_workflow(desk: FilingDesk, document: Document) -> None:
    """Start the stored ticket's workflow; if Temporal is unreachable, the sweeper will."""
    try:
        async with asyncio.timeout(lifecycle.START_TIMEOUT.total_seconds()):
            await desk.starter(desk.temporal, desk.task_queue, document)
        if desk.started_marks is not None:
            desk.started_marks.add(document["_id"])
    except (RPCError, RuntimeError, TimeoutError) as exc:  # RuntimeError: could not connect
        log.warning(
            "ticket %s stored; workflow start deferred to the sweeper: %s", document["_id"], exc
        )


async def _submitter(
    *, db: Database, principal: Principal, body: TicketCreate, now: datetime
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Who the ticket is for and through which channel it came."""
    if principal.api_key_id is not None:
        if body.customer is None:
            raise Invalid("customer_required", "A client system names the customer it files for.")
        check_customer_domain(principal, body.customer.email)
        customer = await auth_service.find_or_create_customer(db=db, ref=body.customer, now=now)
        source = {"channel": "api", "api_key_id": principal.api_key_id}
    elif principal.is_staff and body.customer is not None:
        customer = await auth_service.find_or_create_customer(db=db, ref=body.customer, now=now)
        source = {"channel": "agent", "filed_by": principal.id}
    elif body.customer is not None:
        raise Invalid("customer_not_allowed", "Customers file tickets for themselves only.")
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
        raise NotPermitted(
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


def _replayed(existing: Document, fingerprint: str) -> "FiledTicket":
    if existing["idempotency"]["fingerprint"] != fingerprint:
        raise Invalid(
            "idempotency_key_reused",
            "This Idempotency-Key was used with a different request body.",
            {"ticket_id": existing["_id"]},
        )
    return FiledTicket(document=existing, replayed=True)
