"""What the ticket workflow hands to the notify service: one SPEC J2 event, its audience in
the product's terms, and a key that makes a repeated hand-over a no-op."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from shared.enums import StandardGroup

# The activities the notify service's worker runs, on the ticket task queue's notify queue:
# one event (tickets started before steps were batched), or every event of one step.
ACCEPT_NOTIFICATION = "accept_notification"
ACCEPT_NOTIFICATIONS = "accept_notifications"


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


class TicketFace(BaseModel):
    """The ticket as the notification's people see it, and who is around it, as the
    workflow held it when the event happened (notify then reads no ticket)."""

    number: int
    title: str
    status: str
    priority: str
    type: str | None
    category: str | None
    group: str
    submitter_id: str | None
    assignee_id: str | None
    collaborator_groups: list[str] = Field(default_factory=list)

    def as_document(self) -> dict[str, Any]:
        """In the shape of a stored ticket, as notify reads one."""
        return {
            **self.model_dump(exclude={"submitter_id", "assignee_id"}),
            "submitter": {"id": self.submitter_id} if self.submitter_id else None,
            "assignee": {"id": self.assignee_id} if self.assignee_id else None,
        }


class Notification(BaseModel):
    """One SPEC J2 event to deliver; `key` makes a retried hand-over a no-op."""

    key: str
    ticket_id: str
    event: str
    at: datetime
    audience: Audience
    data: dict[str, Any] = Field(default_factory=dict)
    # None from workflows of before it was sent: notify reads the ticket then.
    ticket: TicketFace | None = None


class NotificationBatch(BaseModel):
    """The events of one step of a ticket, handed over at once."""

    notifications: list[Notification]
