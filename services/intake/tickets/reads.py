"""Ticket responses built from stored documents, with what a customer must never see
(internal notes, agent-only steps and fields) left out (K2)."""

from typing import Any

from services.intake.attachments.models import attachment_read
from services.intake.tickets.models import StaffView, TicketDetail, TicketRead
from shared.auth import Principal
from shared.clock import utcnow
from shared.mongo import Document
from shared.ticket.document import ticket_projection
from shared.ticket.vocabulary import TicketAction
from shared.tickets import TicketState

# History steps that are the desk's own business: a customer's history skips them.
STAFF_ONLY_ACTIONS = frozenset(
    {
        TicketAction.INTERNAL_NOTE,
        TicketAction.OPERATION_RECORDED,
        TicketAction.IDENTITY_VERIFIED,
        TicketAction.IDENTITY_CHECK_FAILED,
        TicketAction.QUEUED,
        TicketAction.SLA_WARNING,
        TicketAction.SLA_BREACHED,
        TicketAction.COLLABORATOR_ADDED,
        TicketAction.DUPLICATE_MERGED,
    }
)
STAFF_ONLY_DATA = frozenset({"strategy", "detail"})


def ticket_read(document: Document) -> TicketRead:
    return TicketRead.model_validate({**document, "id": document["_id"]})


def ticket_after(document: Document, state: TicketState) -> TicketRead:
    """The ticket as an update left it: the stored document with the workflow's state (the
    source of truth) projected over it, as its activity projects it; no second read."""
    if state.config is None:  # a ticket from before the lifecycle: its document is all
        return ticket_read(document)
    return ticket_read({**document, **ticket_projection(state, utcnow())})


def _history_for(principal: Principal, events: list[Document]) -> list[Document]:
    if principal.is_staff:
        return events
    return [
        {
            **event,
            "data": {k: v for k, v in event.get("data", {}).items() if k not in STAFF_ONLY_DATA},
            # Why an agent escalated, re-prioritised or closed is the desk's own note.
            "reason": event.get("reason") if event["actor"]["role"] == "customer" else None,
        }
        for event in events
        if event["action"] not in STAFF_ONLY_ACTIONS
    ]


def recorded_message_ids(events: list[Document]) -> set[str]:
    """Ids of the messages the ticket's history records."""
    return {
        str(event["data"]["message_id"])
        for event in events
        if event.get("data", {}).get("message_id")
    }


def shown_attachment_ids(document: Document, messages: list[Document]) -> set[str]:
    """The attachment ids of a ticket and of the messages its reader sees."""
    ids = set(document.get("attachment_ids") or [])
    for message in messages:
        ids.update(message.get("attachment_ids") or [])
    return ids


def ticket_detail(
    *,
    principal: Principal,
    document: Document,
    events: list[Document],
    messages: list[Document],
    submitter_profile: dict[str, Any] | None,
    order: dict[str, Any] | None,
    attachments: list[Document],
) -> TicketDetail:
    """The A2 view of a ticket for `principal`."""
    staff = None
    if principal.is_staff:
        staff = StaffView.model_validate(document)
    return TicketDetail.model_validate(
        {
            **document,
            "id": document["_id"],
            "messages": [{**message, "id": message["_id"]} for message in messages],
            "history": _history_for(principal, events),
            "submitter_profile": submitter_profile,
            "order": order,
            "attachments": [attachment_read(attachment) for attachment in attachments],
            "staff": staff,
        }
    )
