"""Attachment schemas of the HTTP API."""

from datetime import datetime

from pydantic import BaseModel


class AttachmentRead(BaseModel):
    id: str
    filename: str
    content_type: str  # sniffed from the bytes, never the client's claim
    size: int
    sha256: str
    created_at: datetime
