"""Webhook routes (admin): subscriptions per event type, their secrets and delivery logs.
How receivers verify a delivery is described in `services/notify/webhooks/signing.py`."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from services.notify.deps import AdminUser, DbDep, SettingsDep, SubscriptionsDep, get_admin
from services.notify.webhooks import service
from services.notify.webhooks.models import (
    DeliveryStatus,
    WebhookCreate,
    WebhookCreated,
    WebhookDeliveryPage,
    WebhookDeliveryRead,
    WebhookPage,
    WebhookRead,
    WebhookUpdate,
)
from shared.clock import utcnow
from shared.mongo import Document

MAX_LIMIT = 100

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], dependencies=[Depends(get_admin)])

# A plain string of bounded length: nothing the caller sends reaches MongoDB as an operator.
WebhookId = Annotated[str, Path(min_length=1, max_length=64)]
Cursor = Annotated[str | None, Query(max_length=500)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


def _read(document: Document) -> WebhookRead:
    return WebhookRead.model_validate({**document, "id": document["_id"]})


def _created(document: Document) -> WebhookCreated:
    return WebhookCreated.model_validate({**document, "id": document["_id"]})


def _delivery(document: Document) -> WebhookDeliveryRead:
    return WebhookDeliveryRead.model_validate({**document, "id": str(document["_id"])})


@router.post("", status_code=201, response_model=WebhookCreated)
async def create_webhook(
    body: WebhookCreate,
    db: DbDep,
    admin: AdminUser,
    subscriptions: SubscriptionsDep,
    settings: SettingsDep,
) -> WebhookCreated:
    """Subscribe a URL to events; `secret` is shown in this answer only."""
    created = await service.create_subscription(
        db=db,
        data=body,
        created_by=admin.id,
        now=utcnow(),
        allow_private=settings.webhook_allow_private_targets,
    )
    subscriptions.invalidate()
    return _created(created)


@router.get("", response_model=WebhookPage)
async def list_webhooks(db: DbDep, cursor: Cursor = None, limit: Limit = 50) -> WebhookPage:
    """Every subscription in creation order (never a secret)."""
    page, next_cursor = await service.list_subscriptions(db=db, cursor=cursor, limit=limit)
    return WebhookPage(items=[_read(document) for document in page], next_cursor=next_cursor)


@router.get("/{webhook_id}", response_model=WebhookRead)
async def read_webhook(webhook_id: WebhookId, db: DbDep) -> WebhookRead:
    """One subscription (never its secret)."""
    return _read(await service.get_subscription(db=db, webhook_id=webhook_id))


@router.patch("/{webhook_id}", response_model=WebhookRead)
async def update_webhook(
    webhook_id: WebhookId,
    body: WebhookUpdate,
    db: DbDep,
    subscriptions: SubscriptionsDep,
    settings: SettingsDep,
) -> WebhookRead:
    """Change the URL, events, description, or pause it (`active: false`)."""
    updated = await service.update_subscription(
        db=db,
        webhook_id=webhook_id,
        changes=body.changes(),
        now=utcnow(),
        allow_private=settings.webhook_allow_private_targets,
    )
    subscriptions.invalidate()
    return _read(updated)


@router.delete("/{webhook_id}", status_code=204)
async def delete_webhook(webhook_id: WebhookId, db: DbDep, subscriptions: SubscriptionsDep) -> None:
    """Delete a subscription; deliveries still pending for it are not sent."""
    await service.delete_subscription(db=db, webhook_id=webhook_id)
    subscriptions.invalidate()


@router.post("/{webhook_id}/rotate-secret", response_model=WebhookCreated)
async def rotate_webhook_secret(webhook_id: WebhookId, db: DbDep) -> WebhookCreated:
    """A new secret, shown in this answer only; the old one stops signing at once."""
    return _created(await service.rotate_secret(db=db, webhook_id=webhook_id, now=utcnow()))


@router.get("/{webhook_id}/deliveries", response_model=WebhookDeliveryPage)
async def list_webhook_deliveries(
    webhook_id: WebhookId,
    db: DbDep,
    status: Annotated[DeliveryStatus | None, Query()] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> WebhookDeliveryPage:
    """The delivery log: newest first, with attempts, last error and the receiver's status."""
    page, next_cursor = await service.list_deliveries(
        db=db, webhook_id=webhook_id, status=status, cursor=cursor, limit=limit
    )
    return WebhookDeliveryPage(
        items=[_delivery(document) for document in page], next_cursor=next_cursor
    )
