"""API key routes (admin): client systems file tickets for customers with these keys."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from services.intake.admin.api_keys import service
from services.intake.admin.common import MAX_LIMIT, Page
from services.intake.auth.models import ApiKeyCreate, ApiKeyCreated, ApiKeyRead
from services.intake.auth.service import new_api_key
from services.intake.deps import AdminUser, DbDep, ResourcesDep, get_admin
from shared import audit
from shared.clock import utcnow
from shared.errors import ApiError
from shared.mongo import Document

router = APIRouter(
    prefix="/v1/admin/api-keys", tags=["admin: API keys"], dependencies=[Depends(get_admin)]
)


def _read(document: Document) -> ApiKeyRead:
    return ApiKeyRead.model_validate({**document, "id": document["_id"]})


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ApiKeyCreated)
async def create_api_key(
    body: ApiKeyCreate, request: Request, db: DbDep, admin: AdminUser
) -> ApiKeyCreated:
    """Issue a key; `key` is shown in this answer only (send it as `X-API-Key`). Its scopes
    say what it may do, `customer_domains` for whom it may file, `expires_at` until when."""
    now = utcnow()
    if body.expires_at is not None and body.expires_at <= now:
        raise ApiError(422, "invalid_expiry", "An API key's expiry must be in the future.")
    document, key = new_api_key(
        name=body.name,
        created_by=admin.id,
        now=now,
        scopes=[scope.value for scope in body.scopes],
        customer_domains=body.customer_domains,
        expires_at=body.expires_at,
    )
    await service.insert_api_key(db=db, document=document)
    audit.note(
        request,
        api_key_id=document["_id"],
        name=body.name,
        scopes=document["scopes"],
        customer_domains=document["customer_domains"],
    )
    return ApiKeyCreated.model_validate({**document, "id": document["_id"], "key": key})


@router.get("", response_model=Page[ApiKeyRead])
async def list_api_keys(
    db: DbDep,
    revoked: bool | None = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[ApiKeyRead]:
    """Every key (never its secret), optionally only the revoked or the live ones."""
    keys, next_cursor = await service.list_api_keys(
        db=db, revoked=revoked, cursor=cursor, limit=limit
    )
    return Page[ApiKeyRead](items=[_read(key) for key in keys], next_cursor=next_cursor)


@router.delete("/{key_id}", response_model=ApiKeyRead)
async def revoke_api_key(
    key_id: str, request: Request, db: DbDep, resources: ResourcesDep
) -> ApiKeyRead:
    """Revoke a key: from now on it gets 401 `invalid_api_key` (idempotent)."""
    revoked = await service.revoke_api_key(db=db, key_id=key_id, now=utcnow())
    resources.api_keys.forget(key_id)
    audit.note(request, revoked_at=revoked["revoked_at"].isoformat())
    return _read(revoked)
