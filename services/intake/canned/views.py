"""Canned response routes (SPEC F2): staff read them all; who writes is in `access`."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from services.intake.admin.common import MAX_LIMIT, Page
from services.intake.admin.groups.service import check_groups_exist
from services.intake.canned import access, service
from services.intake.canned.models import (
    CannedPreview,
    CannedResponseCreate,
    CannedResponseRead,
    CannedResponseUpdate,
)
from services.intake.deps import DbDep, StaffUser
from shared import audit
from shared.clock import utcnow
from shared.enums import Language
from shared.mongo import Document

router = APIRouter(prefix="/v1/canned-responses", tags=["canned responses"])


def _read(canned: Document) -> CannedResponseRead:
    return CannedResponseRead.model_validate({**canned, "id": canned["_id"]})


@router.get("", response_model=Page[CannedResponseRead])
async def list_canned_responses(
    staff: StaffUser,
    db: DbDep,
    group: Annotated[list[str] | None, Query(max_length=20)] = None,
    lang: Language | None = None,
    tag: Annotated[str | None, Query(max_length=50)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[CannedResponseRead]:
    """Canned responses in creation order. `group` (repeatable; `global` for those of no
    group) and `lang` (has a body in it) filter; `q` searches titles."""
    found, next_cursor = await service.list_canned_responses(
        db=db, groups=group or [], language=lang, tag=tag, q=q, cursor=cursor, limit=limit
    )
    return Page[CannedResponseRead](items=[_read(c) for c in found], next_cursor=next_cursor)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CannedResponseRead)
async def create_canned_response(
    body: CannedResponseCreate, request: Request, staff: StaffUser, db: DbDep
) -> CannedResponseRead:
    """Save a reply template (422 `unknown_placeholder` for a placeholder not listed)."""
    access.check_group(staff, body.group)
    service.check_placeholders(bodies=body.body)
    if body.group is not None:
        await check_groups_exist(db=db, keys=[body.group])
    document = service.new_canned_document(data=body, created_by=staff.id, now=utcnow())
    await service.insert_canned_response(db=db, document=document)
    audit.note(request, canned_response_id=document["_id"], group=body.group)
    return _read(document)


@router.get("/{canned_response_id}", response_model=CannedResponseRead)
async def read_canned_response(
    canned_response_id: str, staff: StaffUser, db: DbDep
) -> CannedResponseRead:
    """One canned response."""
    return _read(await service.get_canned_response(db=db, canned_response_id=canned_response_id))


@router.get("/{canned_response_id}/preview", response_model=CannedPreview)
async def preview_canned_response(
    canned_response_id: str,
    staff: StaffUser,
    db: DbDep,
    lang: Language | None = None,
    ticket_number: Annotated[int | None, Query(ge=1)] = None,
    customer_name: Annotated[str | None, Query(max_length=200)] = None,
) -> CannedPreview:
    """The body as it would be sent by the caller (`lang` defaults to the caller's);
    placeholders without a value are shown as written."""
    canned = await service.get_canned_response(db=db, canned_response_id=canned_response_id)
    language, text = service.pick_body(canned, lang or staff.language)
    values = {"agent_name": staff.name}
    if ticket_number is not None:
        values["ticket_number"] = str(ticket_number)
    if customer_name is not None:
        values["customer_name"] = customer_name
    return CannedPreview(language=language, body=service.fill_placeholders(text, values))


@router.patch("/{canned_response_id}", response_model=CannedResponseRead)
async def update_canned_response(
    canned_response_id: str,
    body: CannedResponseUpdate,
    request: Request,
    staff: StaffUser,
    db: DbDep,
) -> CannedResponseRead:
    """Change a canned response (its author, a manager or an admin)."""
    before = await service.get_canned_response(db=db, canned_response_id=canned_response_id)
    access.check_owner(staff, before)
    changes = body.changes()
    if "group" in changes:
        access.check_group(staff, changes["group"])
        if changes["group"] is not None:
            await check_groups_exist(db=db, keys=[changes["group"]])
    if "body" in changes:
        service.check_placeholders(bodies=changes["body"])
    after = await service.update_canned_response(
        db=db,
        canned_response_id=canned_response_id,
        changes=changes,
        updated_by=staff.id,
        now=utcnow(),
    )
    audit.note(
        request,
        before={field: before.get(field) for field in changes},
        after={field: after.get(field) for field in changes},
    )
    return _read(after)


@router.delete("/{canned_response_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_canned_response(
    canned_response_id: str, request: Request, staff: StaffUser, db: DbDep
) -> None:
    """Delete a canned response (its author, a manager or an admin)."""
    canned = await service.get_canned_response(db=db, canned_response_id=canned_response_id)
    access.check_owner(staff, canned)
    await service.delete_canned_response(db=db, canned_response_id=canned_response_id)
    audit.note(request, deleted={"title": canned["title"], "group": canned.get("group")})
