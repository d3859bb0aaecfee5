"""SLA targets per priority (SPEC E1): the defaults until an admin stores a policy."""

from datetime import datetime, timedelta

from pydantic import BaseModel, Field

from shared.enums import Priority


class SlaTarget(BaseModel):
    response_seconds: int = Field(gt=0)
    resolution_seconds: int = Field(gt=0)


class SlaPolicy(BaseModel):
    warning_share: float = Field(default=0.8, gt=0, lt=1)
    policies: dict[Priority, SlaTarget]

    def target(self, priority: Priority) -> SlaTarget:
        return self.policies[priority]


MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR

DEFAULT_SLA_POLICY = SlaPolicy(
    warning_share=0.8,
    policies={
        Priority.URGENT: SlaTarget(response_seconds=15 * MINUTE, resolution_seconds=4 * HOUR),
        Priority.HIGH: SlaTarget(response_seconds=2 * HOUR, resolution_seconds=1 * DAY),
        Priority.NORMAL: SlaTarget(response_seconds=1 * DAY, resolution_seconds=3 * DAY),
        Priority.LOW: SlaTarget(response_seconds=3 * DAY, resolution_seconds=7 * DAY),
    },
)


def due_at(start: datetime, target_seconds: int, paused_seconds: float = 0) -> datetime:
    """The deadline of a clock that started at `start`, extended by the time it was paused."""
    return start + timedelta(seconds=target_seconds + paused_seconds)
