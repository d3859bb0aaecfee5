"""Staff account routes (admin): list, create, read, change, deactivate.

A deactivated account cannot log in; tokens it was issued before stay valid until they
expire (`access_token_minutes`).
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status

from services.intake.admin.agents import service
from services.intake.admin.agents.models import AgentCreate, AgentRead, AgentUpdate, StaffRole
from services.intake.admin.common import MAX_LIMIT, Page
from services.intake.admin.groups.service import check_groups_exist
from services.intake.deps import AdminUser, DbDep, get_admin
from shared import audit
from shared.clock import utcnow
from shared.mongo import Document

router = APIRouter(
    prefix="/v1/admin/agents", tags=["admin: agents"], dependencies=[Depends(get_admin)]
)

_AUDITED = ("name", "role", "groups", "skills", "capacity", "available", "language", "active")


def _read(agent: Document) -> AgentRead:
    return AgentRead(
        id=agent["_id"],
        email=agent.get("email", ""),
        name=agent.get("name", ""),
        role=agent["role"],
        groups=agent.get("groups", []),
        skills=agent.get("skills", []),
        capacity=int(agent.get("capacity") or 0),
        available=bool(agent.get("available", False)),
        language=agent.get("language", "zh-CN"),
        active=agent.get("active", True) is not False,
        open_tickets=len(agent.get("load", [])),
        created_at=agent.get("created_at"),
        updated_at=agent.get("updated_at"),
    )


@router.get("", response_model=Page[AgentRead])
async def list_agents(
    db: DbDep,
    role: StaffRole | None = None,
    group: Annotated[str | None, Query(max_length=50)] = None,
    active: bool | None = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[AgentRead]:
    """Staff accounts in creation order, by role, group and (in)activity."""
    agents, next_cursor = await service.list_agents(
        db=db, role=role, group=group, active=active, cursor=cursor, limit=limit
    )
    return Page[AgentRead](items=[_read(agent) for agent in agents], next_cursor=next_cursor)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=AgentRead)
async def create_agent(body: AgentCreate, request: Request, db: DbDep) -> AgentRead:
    """Create a staff account that can log in with its e-mail and password."""
    await check_groups_exist(db=db, keys=body.groups)
    agent = await service.create_agent(db=db, data=body, now=utcnow())
    audit.note(request, agent_id=agent["_id"], email=body.email, role=body.role.value)
    return _read(agent)


@router.get("/{agent_id}", response_model=AgentRead)
async def read_agent(agent_id: str, db: DbDep) -> AgentRead:
    """One staff account."""
    return _read(await service.get_agent(db=db, agent_id=agent_id))


async def _change(
    agent_id: str, changes: dict[str, Any], request: Request, db: DbDep, admin: AdminUser
) -> AgentRead:
    service.check_not_locking_out(actor_id=admin.id, agent_id=agent_id, changes=changes)
    before = await service.get_agent(db=db, agent_id=agent_id)
    if "groups" in changes:
        await check_groups_exist(db=db, keys=changes["groups"])
    settled = service.settled_changes(agent=before, changes=changes)
    after = await service.update_agent(db=db, agent_id=agent_id, changes=settled, now=utcnow())
    changed = [field for field in _AUDITED if field in settled]
    audit.note(
        request,
        before={field: before.get(field) for field in changed},
        after={field: after.get(field) for field in changed},
        password_changed="password" in settled,
    )
    return _read(after)


@router.patch("/{agent_id}", response_model=AgentRead)
async def update_agent(
    agent_id: str, body: AgentUpdate, request: Request, db: DbDep, admin: AdminUser
) -> AgentRead:
    """Change a staff account; `active: false` deactivates it (and makes it unavailable).
    The ticket load is the worker's and cannot be set."""
    return await _change(agent_id, body.changes(), request, db, admin)


@router.delete("/{agent_id}", response_model=AgentRead)
async def deactivate_agent(
    agent_id: str, request: Request, db: DbDep, admin: AdminUser
) -> AgentRead:
    """Deactivate a staff account (the same as PATCH `active: false`): the account and its
    history stay; it can no longer log in or be assigned tickets."""
    return await _change(agent_id, {"active": False}, request, db, admin)
