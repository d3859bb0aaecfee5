"""Schemas of canned responses (SPEC F2): reply templates with placeholders."""

from datetime import datetime
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from services.intake.admin.common import PatchBody
from services.intake.admin.groups.models import GroupKey
from shared.enums import Language

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
# One body per language, at least one; rendering falls back to the other language.
Bodies = Annotated[dict[Language, Text], Field(min_length=1)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Tags = Annotated[list[Tag], Field(max_length=20)]

PLACEHOLDER_HELP = "Placeholders: {{customer_name}}, {{ticket_number}}, {{agent_name}}."


def _unique(tags: list[str] | None) -> list[str] | None:
    return None if tags is None else list(dict.fromkeys(tags))


class CannedResponseCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "description": "`group` null makes it global (managers and admins only). "
            + PLACEHOLDER_HELP,
            "example": {
                "title": "Password reset steps",
                "body": {
                    "zh-CN": "{{customer_name}} 您好，工单 #{{ticket_number}}：请点击“忘记密码”。"
                    "—— {{agent_name}}",
                    "en": "Hello {{customer_name}}, about ticket #{{ticket_number}}: "
                    "use 'Forgot password'. — {{agent_name}}",
                },
                "group": "frontline",
                "tags": ["account", "password"],
            },
        },
    )

    title: Title
    body: Bodies
    group: GroupKey | None = None
    tags: Tags = Field(default_factory=list)

    _dedupe = field_validator("tags")(_unique)


class CannedResponseUpdate(PatchBody):
    """Fields left out stay; `body` replaces every language at once; `group` null makes
    it global (managers and admins only)."""

    nullable: ClassVar[frozenset[str]] = frozenset({"group"})

    title: Title | None = None
    body: Bodies | None = None
    group: GroupKey | None = None
    tags: Tags | None = None

    _dedupe = field_validator("tags")(_unique)


class CannedResponseRead(BaseModel):
    id: str
    title: str
    body: dict[str, str]
    group: str | None
    tags: list[str]
    created_by: str
    updated_by: str
    created_at: datetime
    updated_at: datetime


class CannedPreview(BaseModel):
    language: str
    body: str
