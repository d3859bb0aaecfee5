"""Schemas of per-user notification preferences (SPEC J2): channels muted per event."""

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.ticket.vocabulary import NotifyEvent


class Channel(StrEnum):
    """The channels a person can mute (webhooks belong to client systems, not people)."""

    EMAIL = "email"
    INAPP = "inapp"


EVENTS: tuple[str, ...] = tuple(event.value for event in NotifyEvent)
CHANNELS: tuple[str, ...] = tuple(channel.value for channel in Channel)

Channels = Annotated[list[Channel], Field(max_length=len(CHANNELS) * 2)]
Muted = dict[NotifyEvent, Channels]


class PreferencesUpdate(BaseModel):
    """Replaces all your mutes: an event left out (or with `[]`) is delivered everywhere."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"example": {"muted": {"reminder": ["email"], "replied": ["inapp"]}}},
    )

    muted: Muted

    @field_validator("muted")
    @classmethod
    def _canonical(cls, muted: Muted) -> Muted:
        # Stored in a fixed order, without repeats or empty lists: reads compare equal.
        return {
            event: [channel for channel in Channel if channel in muted[event]]
            for event in NotifyEvent
            if muted.get(event)
        }


class PreferencesRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "muted": {"reminder": ["email"]},
                "events": list(EVENTS),
                "channels": list(CHANNELS),
            }
        }
    )

    muted: dict[str, list[str]]
    events: list[str] = Field(default_factory=lambda: list(EVENTS))
    channels: list[str] = Field(default_factory=lambda: list(CHANNELS))
