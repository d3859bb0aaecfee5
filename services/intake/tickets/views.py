"""Ticket routes (API.md): file a ticket, read it."""

import logging

from fastapi import APIRouter, status
from temporalio.service import RPCError

from services.intake.deps import DbDep, SettingsDep, TemporalDep
from services.intake.tickets import lifecycle, service
from services.intake.tickets.models import TicketCreate, TicketDetail, TicketRead
from shared.clock import utcnow
from shared.mongo import Document
from shared.sla import DEFAULT_SLA_POLICY

log = logging.getLogger("helpdesk.intake.tickets")

router = APIRouter(prefix="/v1/tickets", tags=["tickets"])


def _read(document: Document) -> TicketRead:
    return TicketRead.model_validate({**document, "id": document["_id"]})


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TicketRead)
async def create_ticket(
    body: TicketCreate, db: DbDep, temporal: TemporalDep, settings: SettingsDep
) -> TicketRead:
    """File a ticket: it is stored, then its workflow starts and keeps it from here on."""
    service.check_category(data=body)
    ticket_id = service.new_ticket_id()
    number = await service.next_ticket_number(db=db)
    document = service.new_ticket_document(
        ticket_id=ticket_id,
        number=number,
        data=body,
        submitter=None,
        policy=DEFAULT_SLA_POLICY,
        now=utcnow(),
    )
    await service.insert_ticket(db=db, document=document)
    # The ticket is accepted once stored; if Temporal is unreachable now, the sweeper
    # starts its workflow when Temporal is back.
    try:
        await lifecycle.start_ticket_workflow(
            temporal=temporal, db=db, task_queue=settings.temporal_task_queue, document=document
        )
    except (RPCError, RuntimeError) as exc:  # RuntimeError: the client could not connect
        log.warning("ticket %s stored; workflow start deferred to the sweeper: %s", ticket_id, exc)
    return _read(document)


@router.get("/{ticket_id}", response_model=TicketDetail)
async def read_ticket(ticket_id: str, db: DbDep) -> TicketDetail:
    """The A2 detail of a ticket: its fields and its history."""
    document = await service.get_ticket(db=db, ticket_id=ticket_id)
    history = await service.get_history(db=db, ticket_id=ticket_id)
    return TicketDetail.model_validate(
        {
            **document,
            "id": document["_id"],
            "messages": [],
            "history": history,
            "submitter_profile": document.get("submitter"),
            "order": None,
        }
    )
