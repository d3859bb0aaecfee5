"""`POST /v1/tickets/{id}/messages` (F1, F2): public replies and internal notes, optionally
from a canned response, with attachments. A customer's reply on an awaiting_user ticket
resumes it (the workflow does that)."""

from fastapi import APIRouter, Request, status
from pydantic import BaseModel

from services.intake.attachments.service import link_attachments
from services.intake.canned.service import render_canned_response
from services.intake.deps import CurrentUser, DbDep, SettingsDep, TemporalDep
from services.intake.tickets import access, messages, reads, service
from services.intake.tickets.actions import acting_user
from services.intake.tickets.models import MessageCreate, MessageRead, TicketId, TicketRead
from services.intake.tickets.workflow_calls import run_update
from shared import audit
from shared.clock import utcnow
from shared.enums import ApiKeyScope, Visibility
from shared.errors import ApiError
from shared.ticket_updates import AddMessageRequest, UpdateName

router = APIRouter(prefix="/v1/tickets", tags=["tickets"])


class MessagePosted(BaseModel):
    message: MessageRead
    ticket: TicketRead


@router.post(
    "/{ticket_id}/messages", status_code=status.HTTP_201_CREATED, response_model=MessagePosted
)
async def post_message(
    ticket_id: TicketId,
    body: MessageCreate,
    principal: CurrentUser,
    request: Request,
    db: DbDep,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> MessagePosted:
    """Add a public reply or an internal note; answers the message and the ticket after it."""
    principal.require_scope(ApiKeyScope.ACT_ON_TICKETS)
    ticket = access.visible(
        principal, await service.find_ticket(db=db, ticket_id=ticket_id), ticket_id
    )
    if not principal.is_staff and body.visibility is not Visibility.PUBLIC:
        raise ApiError(403, "staff_only", "Internal notes are for agents only.")
    if not principal.is_staff and body.canned_response_id is not None:
        raise ApiError(403, "staff_only", "Canned responses are for agents only.")
    access.ensure_open(ticket)
    actor = acting_user(principal, ticket)
    text = body.body
    if body.canned_response_id is not None:
        submitter = ticket.get("submitter") or {}
        # A public reply speaks the customer's language; an internal note the agent's.
        language = principal.language
        if body.visibility is Visibility.PUBLIC:
            language = await service.language_of(db=db, user_id=submitter.get("id"))
        text = await render_canned_response(
            db=db,
            canned_response_id=body.canned_response_id,
            language=language,
            customer_name=submitter.get("name") or "",
            ticket_number=ticket["number"],
            agent_name=principal.name,
        )
    assert text is not None  # MessageCreate requires a body or a canned response
    if body.attachment_ids:
        await link_attachments(
            db=db,
            attachment_ids=body.attachment_ids,
            principal=principal,
            ticket_id=ticket_id,
            internal=body.visibility is Visibility.INTERNAL,
        )
    document = messages.new_message_document(
        ticket_id=ticket_id,
        author={"id": actor.id, "name": actor.name, "role": actor.role.value},
        visibility=body.visibility,
        body=text,
        attachment_ids=body.attachment_ids,
        now=utcnow(),
        canned_response_id=body.canned_response_id,
    )
    await messages.insert_message(db=db, document=document)
    audit.note(request, message_id=document["_id"], visibility=body.visibility.value)
    try:
        state = await run_update(
            temporal=temporal,
            ticket_id=ticket_id,
            update=UpdateName.ADD_MESSAGE,
            request=AddMessageRequest(
                actor=actor, message_id=document["_id"], visibility=body.visibility
            ),
            wait=settings.workflow_update_timeout_seconds,
        )
    except ApiError as exc:
        # Refused: it will never be recorded. After a 503 the update may still land, so
        # the message stays (shown only once the history names it).
        if exc.status < 500:
            await messages.delete_message(db=db, message_id=document["_id"])
        raise
    return MessagePosted(
        message=MessageRead.model_validate({**document, "id": document["_id"]}),
        ticket=reads.ticket_after(ticket, state),
    )
