"""Message repository: the bodies of public replies and internal notes (F1).

A message is stored before the ticket's workflow records it; a message shows on the ticket
once an event of its history names it, so a message whose update was refused or cut off
never appears.
"""

from shared import collections
from shared.enums import Visibility
from shared.mongo import Database, Document
from shared.ticket_messages import new_message_document as new_message_document


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
