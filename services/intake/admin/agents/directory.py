"""`GET /v1/agents`: the active staff as any agent may see them, for the assign picker (their
load shown) and mentions; no e-mail, skills or settings."""

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from services.intake.admin.agents import service
from services.intake.deps import DbDep, StaffUser
from shared.enums import Role

router = APIRouter(prefix="/v1/agents", tags=["agents"])
MAX_AGENTS = 200


class AgentBrief(BaseModel):
    id: str
    name: str
    role: Role
    groups: list[str]
    open_tickets: int
    capacity: int
    available: bool


class AgentDirectory(BaseModel):
    items: list[AgentBrief]


@router.get("", response_model=AgentDirectory)
async def list_staff(
    _: StaffUser,
    db: DbDep,
    group: Annotated[str | None, Query(max_length=50)] = None,
) -> AgentDirectory:
    """Active staff (of `group`, if given) with how many tickets each holds now."""
    agents, _cursor = await service.list_agents(
        db=db, role=None, group=group, active=True, cursor=None, limit=MAX_AGENTS
    )
    return AgentDirectory(
        items=[
            AgentBrief(
                id=agent["_id"],
                name=agent.get("name", ""),
                role=agent["role"],
                groups=agent.get("groups", []),
                open_tickets=len(agent.get("load", [])),
                capacity=int(agent.get("capacity") or 0),
                available=bool(agent.get("available", False)),
            )
            for agent in agents
        ]
    )
