"""Message repository: the bodies of public replies and internal notes (F1).

A message is stored before the ticket's workflow records it; a message shows on the ticket
once an event of its history names it, so a message whose update was refused or cut off
never appears.
"""

from datetime import datetime
from typing import Any

from bson import ObjectId

from shared import collections
from shared.enums import Visibility
from shared.mongo import Database, Document


def new_message_document(
    *,
    ticket_id: str,
    author: dict[str, Any],
    visibility: Visibility,
    body: str,
    attachment_ids: list[str],
    now: datetime,
    canned_response_id: str | None = None,
) -> Document:
    """A message as stored (author: id, name, role)."""
    return {
        "_id": str(ObjectId()),
        "ticket_id": ticket_id,
        "author": author,
        "visibility": visibility.value,
        "body": body,
        "attachment_ids": attachment_ids,
        "canned_response_id": canned_response_id,
        "created_at": now,
    }


async def insert_message(*, db: Database, document: Document) -> None:
    """Store a message (journaled) before its workflow update is sent."""
    await db[collections.TICKET_MESSAGES].insert_one(document)


async def delete_message(*, db: Database, message_id: str) -> None:
    """Remove a message the ticket refused."""
    await db[collections.TICKET_MESSAGES].delete_one({"_id": message_id})


async def recorded_messages(
    *, db: Database, ticket_id: str, message_ids: set[str], public_only: bool
) -> list[Document]:
    """The ticket's messages that its history records, oldest first."""
    query: Document = {"ticket_id": ticket_id}
    if public_only:
        query["visibility"] = Visibility.PUBLIC.value
    cursor = db[collections.TICKET_MESSAGES].find(query).sort("created_at", 1)
    return [message async for message in cursor if message["_id"] in message_ids]
