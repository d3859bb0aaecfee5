"""Who sees which ticket (K2): customers their own, client systems the tickets they filed,
staff their groups' tickets, managers and admins all. Unseen tickets are 404, never 403."""

from typing import Any

from shared.auth import Principal
from shared.enums import TicketStatus
from shared.mongo import Document
from shared.refusals import Conflict, NotFound, Refusal


def ticket_scope(principal: Principal) -> dict[str, Any]:
    """The MongoDB filter of the tickets `principal` may see."""
    if principal.api_key_id is not None:
        return {"source.api_key_id": principal.api_key_id}
    if not principal.is_staff:
        return {"submitter.id": principal.id}
    if principal.sees_all_tickets:
        return {}
    groups = list(principal.groups)
    return {
        "$or": [
            {"group": {"$in": groups}},
            {"collaborator_groups": {"$in": groups}},
            {"assignee.id": principal.id},
        ]
    }


def can_see(principal: Principal, ticket: Document) -> bool:
    """Whether `principal` may see `ticket` (the same rule as `ticket_scope`)."""
    if principal.api_key_id is not None:
        return (ticket.get("source") or {}).get("api_key_id") == principal.api_key_id
    if not principal.is_staff:
        return (ticket.get("submitter") or {}).get("id") == principal.id
    if principal.sees_all_tickets:
        return True
    groups = set(principal.groups)
    assignee = ticket.get("assignee") or {}
    return (
        ticket.get("group") in groups
        or bool(groups.intersection(ticket.get("collaborator_groups") or []))
        or assignee.get("id") == principal.id
    )


def not_found(ticket_id: str) -> Refusal:
    return NotFound("ticket_not_found", f"No ticket with id '{ticket_id}'.")


def visible(principal: Principal, ticket: Document | None, ticket_id: str) -> Document:
    """`ticket` if `principal` may see it; a 404 otherwise (as if it did not exist)."""
    if ticket is None or not can_see(principal, ticket):
        raise not_found(ticket_id)
    return ticket


def ensure_open(ticket: Document) -> None:
    """409 `ticket_closed` for a closed ticket: read-only forever (K2)."""
    if ticket["status"] == TicketStatus.CLOSED:
        raise Conflict("ticket_closed", f"Ticket #{ticket['number']} is closed and read-only.")
