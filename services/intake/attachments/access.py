"""Who may download an attachment: its uploader until it is linked to a ticket, then whoever
may see that ticket (and no one if that ticket is gone); a file of an internal note, staff
only. Others get 404, never 403."""

from services.intake.tickets.access import can_see
from shared.auth import Principal
from shared.mongo import Document


def can_download(principal: Principal, attachment: Document, ticket: Document | None) -> bool:
    """Whether `principal` may download `attachment`, linked to `ticket` (None if unlinked)."""
    metadata = attachment["metadata"]
    if metadata.get("ticket_id") is None:
        return bool(metadata["uploaded_by"] == principal.id)
    if metadata.get("internal") and not principal.is_staff:
        return False
    return ticket is not None and can_see(principal, ticket)
