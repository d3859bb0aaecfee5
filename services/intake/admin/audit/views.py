"""Audit log route (admin): every change made through intake or notify, who made it,
how it ended. Read only: the log is written by `shared.audit` and nobody edits it."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.intake.admin.audit import service
from services.intake.admin.audit.models import AuditEntryRead, AuditMethod, AuditPage
from services.intake.admin.common import MAX_LIMIT
from services.intake.deps import DbDep, get_admin
from shared.errors import ApiError
from shared.mongo import Document

router = APIRouter(
    prefix="/v1/admin/audit-log", tags=["admin: audit log"], dependencies=[Depends(get_admin)]
)


def _read(entry: Document, names: dict[str, str]) -> AuditEntryRead:
    actor = entry.get("actor")
    if actor:
        actor = {**actor, "name": names.get(actor["id"])}
    return AuditEntryRead.model_validate({**entry, "id": str(entry["_id"]), "actor": actor})


@router.get("", response_model=AuditPage)
async def list_audit_log(
    db: DbDep,
    actor: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    path: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    method: AuditMethod | None = None,
    target: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    from_: Annotated[datetime | None, Query(alias="from")] = None,
    to: datetime | None = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> AuditPage:
    """Audit entries newest first. `actor` is a user id; `path` a piece of the request
    path (any case, e.g. `sla-policies`); `method` POST, PUT, PATCH or DELETE; `target`
    the id the path names; `from` (inclusive) and `to` (exclusive) bound the time."""
    if from_ is not None and to is not None and service.as_utc(from_) >= service.as_utc(to):
        raise ApiError(422, "invalid_period", "'from' must be before 'to'.")
    where = service.AuditFilter(
        actor_id=actor,
        path=path,
        method=method.value if method else None,
        target_id=target,
        start=from_,
        end=to,
    )
    entries, next_cursor = await service.list_entries(
        db=db, where=where, cursor=cursor, limit=limit
    )
    names = await service.actor_names(db=db, entries=entries)
    return AuditPage(items=[_read(entry, names) for entry in entries], next_cursor=next_cursor)
