"""Schemas of the in-app inbox (SPEC J1): one item per notification and user."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class InboxItemRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "id": "6650c0ffee0000000000abcd",
                "event": "replied",
                "ticket_id": "6650c0ffee00000000001234",
                "number": 1042,
                "title": "工单 #1042 有新回复",
                "body": "客服回复了您的工单：无法连接服务器",
                "created_at": "2025-05-24T08:30:00.123Z",
                "read_at": None,
            }
        }
    )

    id: str
    event: str
    ticket_id: str
    number: int
    title: str
    body: str
    created_at: datetime
    read_at: datetime | None


class InboxPage(BaseModel):
    """Unread items first, then read ones, each newest first; `unread` counts them all."""

    items: list[InboxItemRead]
    next_cursor: str | None
    unread: int


class InboxReadAll(BaseModel):
    marked: int
