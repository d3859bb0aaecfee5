"""Group routes (admin): the standard groups are always there; custom ones come and go."""

from fastapi import APIRouter, Depends, Request, status

from services.intake.admin.common import Page
from services.intake.admin.groups import service
from services.intake.admin.groups.models import GroupCreate, GroupRead, GroupUpdate
from services.intake.deps import DbDep, get_admin
from shared import audit
from shared.clock import utcnow
from shared.mongo import Document

router = APIRouter(
    prefix="/v1/admin/groups", tags=["admin: groups"], dependencies=[Depends(get_admin)]
)


def _read(document: Document) -> GroupRead:
    return GroupRead.model_validate({**document, "id": document["_id"]})


@router.get("", response_model=Page[GroupRead])
async def list_groups(db: DbDep) -> Page[GroupRead]:
    """Every group in one page (there are few): standard ones first, `next_cursor` null."""
    groups = await service.list_groups(db=db)
    return Page[GroupRead](items=[_read(group) for group in groups], next_cursor=None)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=GroupRead)
async def create_group(body: GroupCreate, request: Request, db: DbDep) -> GroupRead:
    """Create a custom group (409 `group_exists` if the key is taken)."""
    if body.manager_id is not None:
        await service.check_manager(db=db, user_id=body.manager_id)
    group = await service.create_group(db=db, data=body, now=utcnow())
    audit.note(request, group_id=body.id, created=body.model_dump(mode="json"))
    return _read(group)


@router.get("/{group_id}", response_model=GroupRead)
async def read_group(group_id: str, db: DbDep) -> GroupRead:
    """One group."""
    return _read(await service.get_group(db=db, key=group_id))


@router.patch("/{group_id}", response_model=GroupRead)
async def update_group(group_id: str, body: GroupUpdate, request: Request, db: DbDep) -> GroupRead:
    """Change a group's names, description, manager, or (custom groups only) level."""
    before = await service.get_group(db=db, key=group_id)
    changes = body.changes()
    if changes.get("manager_id") is not None:
        await service.check_manager(db=db, user_id=changes["manager_id"])
    after = await service.update_group(db=db, key=group_id, changes=changes, now=utcnow())
    audit.note(
        request,
        before={field: before.get(field) for field in changes},
        after={field: after.get(field) for field in changes},
    )
    return _read(after)


@router.delete("/{group_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_group(group_id: str, request: Request, db: DbDep) -> None:
    """Delete a custom group nobody is in (409 `group_in_use`, `standard_group`)."""
    deleted = await service.delete_group(db=db, key=group_id)
    audit.note(request, deleted={"id": group_id, "name": deleted.get("name")})
