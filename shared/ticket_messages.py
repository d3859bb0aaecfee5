"""The stored shape of a ticket's message, written by intake (people) and by the ticket
workflow's activities (automatic replies)."""

from datetime import datetime
from typing import Any

from bson import ObjectId

from shared.enums import Visibility
from shared.mongo import Document


def new_message_document(
    *,
    ticket_id: str,
    author: dict[str, Any],
    visibility: Visibility,
    body: str,
    attachment_ids: list[str],
    now: datetime,
    canned_response_id: str | None = None,
    message_id: str | None = None,
) -> Document:
    """A message as stored (author: id, name, role); a new id unless `message_id`."""
    return {
        "_id": message_id or str(ObjectId()),
        "ticket_id": ticket_id,
        "author": author,
        "visibility": visibility.value,
        "body": body,
        "attachment_ids": attachment_ids,
        "canned_response_id": canned_response_id,
        "created_at": now,
    }
