"""What the ticket workflow hands to the notify service: one SPEC J2 event, its audience in
the product's terms, and a key that makes a repeated hand-over a no-op."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from shared.enums import StandardGroup

# The activity the notify service's worker runs, on the ticket task queue's notify queue.
ACCEPT_NOTIFICATION = "accept_notification"


def notify_task_queue(ticket_task_queue: str) -> str:
    """The notify worker's task queue, next to the ticket workers' (tests get their own)."""
    return f"{ticket_task_queue}-notify"


class Audience(BaseModel):
    """Who a notification is for, in the product's terms; notify resolves addresses."""

    customer: bool = False
    assignee: bool = False
    collaborators: bool = False
    group_manager: bool = False
    groups: list[StandardGroup] = Field(default_factory=list)


class Notification(BaseModel):
    """One SPEC J2 event to deliver; `key` makes a retried hand-over a no-op."""

    key: str
    ticket_id: str
    event: str
    at: datetime
    audience: Audience
    data: dict[str, Any] = Field(default_factory=dict)
