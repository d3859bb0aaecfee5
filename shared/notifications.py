"""What the ticket workflow hands to the notify service: one SPEC J2 event, its audience in
the product's terms, and a key that makes a repeated hand-over a no-op."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from shared.enums import StandardGroup

# The activity the notify service's worker runs, on the ticket task queue's notify queue,
# for tickets started between patches `ticket-notify-service-v1` and `ticket-steps-v1`
# (later ones put their events in the outbox with the step that made them).
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


def outbox_entry(notification: Notification) -> dict[str, Any]:
    """The notification as the worker stores it for notify in `notifications_outbox`."""
    return {
        "_id": notification.key,
        **notification.model_dump(mode="python", exclude={"key"}),
        "delivered_at": None,
    }


def from_outbox(entry: dict[str, Any]) -> Notification:
    return Notification.model_validate({**entry, "key": entry["_id"]})
