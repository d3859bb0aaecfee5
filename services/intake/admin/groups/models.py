"""Schemas of agent groups (SPEC D1): the four standard groups and custom ones."""

from datetime import datetime
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.intake.admin.common import PatchBody
from shared.enums import EscalationLevel, Language

GroupKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,49}$")]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
# Both languages: every label of the product is bilingual.
GroupName = Annotated[dict[Language, Label], Field(min_length=2)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
UserId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class GroupCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "id": "billing",
                "name": {"zh-CN": "账务组", "en": "Billing"},
                "escalation_level": 0,
            }
        },
    )

    id: GroupKey
    name: GroupName
    escalation_level: EscalationLevel = EscalationLevel.FRONTLINE
    description: Description | None = None
    manager_id: UserId | None = None


class GroupUpdate(PatchBody):
    """Fields left out stay; `description` and `manager_id` may be null (cleared)."""

    nullable: ClassVar[frozenset[str]] = frozenset({"description", "manager_id"})

    name: GroupName | None = None
    escalation_level: EscalationLevel | None = None
    description: Description | None = None
    manager_id: UserId | None = None


class GroupRead(BaseModel):
    id: str
    name: dict[str, str]
    escalation_level: int
    description: str | None = None
    manager_id: str | None = None
    standard: bool
    created_at: datetime | None = None
    updated_at: datetime | None = None
