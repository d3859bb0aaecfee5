"""Schemas of staff accounts (agents, senior agents, technical team, managers, admins)."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from services.intake.admin.common import PatchBody
from services.intake.admin.groups.models import GroupKey
from services.intake.auth.models import Email
from shared.enums import Category, Language, Role, TicketType


class StaffRole(StrEnum):
    AGENT = Role.AGENT.value
    SENIOR = Role.SENIOR.value
    TECH = Role.TECH.value
    MANAGER = Role.MANAGER.value
    ADMIN = Role.ADMIN.value


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Password = Annotated[str, Field(min_length=8, max_length=256)]
# A skill is a ticket type or a category (SPEC A3): the `skills` strategy matches either.
Skill = TicketType | Category
Groups = Annotated[list[GroupKey], Field(max_length=20)]
Skills = Annotated[list[Skill], Field(max_length=40)]
# How many open tickets automatic assignment gives the agent; 0 means no limit.
Capacity = Annotated[int, Field(ge=0, le=1000)]


def _unique(values: list[str] | None) -> list[str] | None:
    return None if values is None else list(dict.fromkeys(values))


class AgentCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "email": "agent5@example.com",
                "name": "陈静 Chen Jing",
                "role": "agent",
                "groups": ["frontline"],
                "skills": ["order", "refund"],
                "capacity": 8,
                "language": "zh-CN",
                "password": "a long passphrase",
            }
        },
    )

    email: Email
    name: Name
    role: StaffRole = StaffRole.AGENT
    groups: Groups = Field(default_factory=list)
    skills: Skills = Field(default_factory=list)
    capacity: Capacity = 10
    available: bool = True
    language: Language = "zh-CN"
    password: Password

    _dedupe = field_validator("groups", "skills")(_unique)


class AgentUpdate(PatchBody):
    """Fields left out stay as they are. `active: false` deactivates the account (no more
    logins, no more automatic assignment); `password` sets a new one."""

    name: Name | None = None
    role: StaffRole | None = None
    groups: Groups | None = None
    skills: Skills | None = None
    capacity: Capacity | None = None
    available: bool | None = None
    language: Language | None = None
    active: bool | None = None
    password: Password | None = None

    _dedupe = field_validator("groups", "skills")(_unique)


class AgentRead(BaseModel):
    id: str
    email: str
    name: str
    role: Role
    groups: list[str]
    skills: list[str]
    capacity: int
    available: bool
    language: str
    active: bool
    # How many tickets the agent holds now (its assignment load).
    open_tickets: int
    created_at: datetime | None = None
    updated_at: datetime | None = None
