"""Schemas of the audit log as admins read it (SPEC K2): who changed what, and when."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel


class AuditMethod(StrEnum):
    """The methods the audit log records (reads change nothing and are not audited)."""

    POST = "POST"
    PUT = "PUT"
    PATCH = "PATCH"
    DELETE = "DELETE"


class AuditActor(BaseModel):
    id: str
    role: str
    api_key_id: str | None = None
    # The account's name as it is now (None if the account is gone).
    name: str | None = None


class AuditEntryRead(BaseModel):
    id: str
    at: datetime
    method: str
    path: str
    route: str | None = None
    status: int
    # None: a request nobody was authenticated for (a failed login, say).
    actor: AuditActor | None = None
    client: str | None = None
    target_id: str | None = None
    details: dict[str, Any]


class AuditPage(BaseModel):
    items: list[AuditEntryRead]
    next_cursor: str | None
