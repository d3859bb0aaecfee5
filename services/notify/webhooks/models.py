"""Schemas of webhook subscriptions (SPEC J1) and of their delivery log."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.schemas import PatchBody
from shared.ticket.vocabulary import NotifyEvent

# The SPEC J2 events a subscription may name, as the ticket workflow spells them.
EVENTS: tuple[str, ...] = tuple(event.value for event in NotifyEvent)
ALL_EVENTS = "*"  # alone in `events`: every event, including ones added later
MAX_URL_LENGTH = 2000

Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
# Checked against EVENTS by the service (422 `invalid_events`); the cap only bounds the work.
EventList = Annotated[
    list[str],
    Field(
        min_length=1,
        max_length=len(EVENTS) + 1,
        description=f"Any of {', '.join(EVENTS)}; or ['*'] for every event.",
        examples=[["received", "resolved"], ["*"]],
    ),
]
# Checked by the service (422 `invalid_url`): http or https, at most MAX_URL_LENGTH chars.
Url = Annotated[str, Field(description="http:// or https:// address the events are POSTed to")]


class DeliveryStatus(StrEnum):
    """Where a delivery stands; written by the notify dispatcher."""

    PENDING = "pending"  # waiting for its (next) attempt
    SENDING = "sending"  # a dispatcher holds its lease and is sending it now
    SENT = "sent"  # the receiver answered 2xx
    FAILED = "failed"  # refused for good, or still failing after GIVE_UP_AFTER


class WebhookCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "url": "https://crm.example.com/hooks/helpdesk",
                "events": ["received", "resolved", "closed"],
                "description": "CRM sync",
            }
        },
    )

    url: Url
    events: EventList
    active: bool = True
    description: Description | None = None


class WebhookUpdate(PatchBody):
    """Fields left out stay; only `description` may be null (cleared)."""

    nullable: ClassVar[frozenset[str]] = frozenset({"description"})

    url: Url | None = None
    events: EventList | None = None
    active: bool | None = None
    description: Description | None = None


class WebhookRead(BaseModel):
    """A subscription as every read shows it: never its secret."""

    id: str
    url: str
    events: list[str]
    active: bool
    description: str | None = None
    created_at: datetime
    updated_at: datetime
    created_by: str | None = None


class WebhookCreated(WebhookRead):
    """The answer to create and to rotate-secret: the only time the secret is shown."""

    secret: str = Field(
        description="HMAC-SHA256 key of `X-Helpdesk-Signature`; store it now, it is not "
        "shown again (rotate it to get a new one)."
    )


class WebhookPage(BaseModel):
    items: list[WebhookRead]
    next_cursor: str | None


class WebhookDeliveryRead(BaseModel):
    """One event's delivery to a subscription, with how its attempts went."""

    id: str
    event: str
    ticket_id: str | None = None
    # A plain string: a status a newer dispatcher writes still reads.
    status: str
    attempts: int = 0
    last_error: str | None = None
    created_at: datetime
    last_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    next_attempt_at: datetime | None = None
    response_status: int | None = None


class WebhookDeliveryPage(BaseModel):
    items: list[WebhookDeliveryRead]
    next_cursor: str | None
