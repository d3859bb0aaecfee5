"""Saved view routes: `/v1/saved-views` and the caller's `/v1/me/list-preferences`. Staff
only; a view is its owner's to change (an admin may also tidy shared ones)."""

from fastapi import APIRouter, Request, status

from services.intake.deps import DbDep, StaffUser
from services.intake.saved_views import service
from services.intake.saved_views.models import (
    ListPreferences,
    SavedViewCreate,
    SavedViewList,
    SavedViewRead,
    SavedViewUpdate,
)
from shared import audit
from shared.auth import Principal
from shared.clock import utcnow
from shared.mongo import Document

router = APIRouter(tags=["saved views"])


def _read(view: Document, user: Principal) -> SavedViewRead:
    return SavedViewRead.model_validate(
        {**view, "id": view["_id"], "mine": view["owner"]["id"] == user.id}
    )


@router.get("/v1/saved-views", response_model=SavedViewList)
async def list_views(staff: StaffUser, db: DbDep) -> SavedViewList:
    """The caller's views and those shared by colleagues, in the caller's order."""
    views = await service.visible_views(db=db, user=staff)
    return SavedViewList(items=[_read(view, staff) for view in views])


@router.post("/v1/saved-views", status_code=status.HTTP_201_CREATED, response_model=SavedViewRead)
async def create_view(
    body: SavedViewCreate, request: Request, staff: StaffUser, db: DbDep
) -> SavedViewRead:
    """Save the list's filters, sort and columns under a name (422 `too_many_views`)."""
    document = service.new_view_document(data=body, owner=staff, now=utcnow())
    await service.insert_view(db=db, document=document)
    audit.note(request, view_id=document["_id"], shared=body.shared)
    return _read(document, staff)


@router.get("/v1/saved-views/{view_id}", response_model=SavedViewRead)
async def read_view(view_id: str, staff: StaffUser, db: DbDep) -> SavedViewRead:
    return _read(await service.get_view(db=db, user=staff, view_id=view_id), staff)


@router.patch("/v1/saved-views/{view_id}", response_model=SavedViewRead)
async def update_view(
    view_id: str, body: SavedViewUpdate, request: Request, staff: StaffUser, db: DbDep
) -> SavedViewRead:
    """Change a view (403 `not_view_owner` for someone else's)."""
    view = await service.get_view(db=db, user=staff, view_id=view_id)
    service.check_may_change(view, staff)
    changes = body.changes()
    updated = await service.update_view(db=db, view_id=view_id, changes=changes, now=utcnow())
    audit.note(request, view_id=view_id, fields=sorted(changes))
    return _read(updated, staff)


@router.delete("/v1/saved-views/{view_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_view(view_id: str, request: Request, staff: StaffUser, db: DbDep) -> None:
    view = await service.get_view(db=db, user=staff, view_id=view_id)
    service.check_may_change(view, staff)
    await service.delete_view(db=db, view_id=view_id)
    audit.note(request, view_id=view_id)


@router.get("/v1/me/list-preferences", response_model=ListPreferences)
async def read_preferences(staff: StaffUser, db: DbDep) -> ListPreferences:
    """The caller's list columns (none: the defaults) and the order of their views."""
    return await service.preferences(db=db, user=staff)


@router.put("/v1/me/list-preferences", response_model=ListPreferences)
async def save_preferences(body: ListPreferences, staff: StaffUser, db: DbDep) -> ListPreferences:
    await service.save_preferences(db=db, user=staff, data=body, now=utcnow())
    return body
