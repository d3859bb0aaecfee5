"""Schemas of the run-time configuration an admin changes (API.md Administration).

Reads answer with the stored shapes themselves (`shared.sla.SlaPolicy`,
`shared.desk_config.DeskSettings`): API.md names their fields as they are. Updates are
partial and get their own schemas with upper bounds, since a timer months away is a typo
and a big enough one overflows the workflow's datetime arithmetic.
"""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.desk_config import AssignmentStrategy
from shared.enums import Priority, TicketType
from shared.sla import DAY

MAX_SECONDS = 365 * DAY

Seconds = Annotated[int, Field(gt=0, le=MAX_SECONDS)]


class SlaTargetBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    response_seconds: Seconds
    resolution_seconds: Seconds

    @model_validator(mode="after")
    def _response_first(self) -> "SlaTargetBody":
        if self.response_seconds > self.resolution_seconds:
            raise ValueError("response_seconds cannot exceed resolution_seconds")
        return self


class SlaPolicyUpdate(BaseModel):
    """Merged over the stored policy: priorities left out keep their targets, a missing
    warning_share keeps the current one."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "warning_share": 0.75,
                "policies": {"urgent": {"response_seconds": 600, "resolution_seconds": 7200}},
            }
        },
    )

    warning_share: float | None = Field(default=None, gt=0, lt=1, allow_inf_nan=False)
    policies: dict[Priority, SlaTargetBody] = Field(default_factory=dict)


class RepeatEscalationUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    count: int | None = Field(default=None, ge=2, le=100)
    window_seconds: Seconds | None = None


class AutoAnswerUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool | None = None
    min_score: float | None = Field(default=None, ge=0.0, le=1.0)
    max_articles: int | None = Field(default=None, ge=1, le=5)


class DeskSettingsUpdate(BaseModel):
    """Any subset of the settings; `repeat_escalation`, `assignment` and `auto_answer` merge
    key by key. Reminders must be ascending and come before the awaiting_user auto-close."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "awaiting_user_reminder_seconds": [43200, 86400],
                "assignment": {"order": "round_robin"},
            }
        },
    )

    awaiting_user_reminder_seconds: list[Seconds] | None = Field(default=None, max_length=10)
    awaiting_user_autoclose_seconds: Seconds | None = None
    resolved_autoclose_seconds: Seconds | None = None
    duplicate_window_seconds: Annotated[int, Field(ge=0, le=MAX_SECONDS)] | None = None
    repeat_escalation: RepeatEscalationUpdate | None = None
    assignment: dict[TicketType, AssignmentStrategy] | None = None
    assignment_retry_seconds: Seconds | None = None
    auto_answer: AutoAnswerUpdate | None = None
