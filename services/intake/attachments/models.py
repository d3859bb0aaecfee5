"""Attachment schemas of the HTTP API."""

from datetime import datetime

from pydantic import BaseModel

from shared.mongo import Document


class AttachmentRead(BaseModel):
    id: str
    filename: str
    content_type: str  # sniffed from the bytes, never the client's claim
    size: int
    sha256: str
    created_at: datetime


def attachment_read(document: Document) -> AttachmentRead:
    """The API's view of a stored attachment (its GridFS file document)."""
    return AttachmentRead.model_validate({**document["metadata"], "id": str(document["_id"])})
