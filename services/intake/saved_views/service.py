"""Saved views repository: reads by owner or by the shared flag, writes by `_id`."""

from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING

from services.intake.saved_views.models import (
    MAX_VIEWS_PER_USER,
    ListPreferences,
    SavedViewCreate,
)
from shared import collections
from shared.auth import Principal
from shared.enums import Role
from shared.mongo import Database, Document, update_and_read
from shared.refusals import Invalid, NotFound, NotPermitted

# More than any desk shares; the list is read whole, so it is bounded.
MAX_LISTED = 1000


async def ensure_indexes(*, db: Database) -> None:
    views = db[collections.SAVED_VIEWS]
    await views.create_index([("owner.id", ASCENDING), ("_id", ASCENDING)], name="owner_id")
    await views.create_index([("shared", ASCENDING), ("_id", ASCENDING)], name="shared_id")


def new_view_document(*, data: SavedViewCreate, owner: Principal, now: datetime) -> Document:
    return {
        "_id": str(ObjectId()),
        "owner": {"id": owner.id, "name": owner.name},
        **data.model_dump(mode="json"),
        "created_at": now,
        "updated_at": now,
    }


async def insert_view(*, db: Database, document: Document) -> None:
    """422 `too_many_views` past the per-user limit."""
    owned = await db[collections.SAVED_VIEWS].count_documents({"owner.id": document["owner"]["id"]})
    if owned >= MAX_VIEWS_PER_USER:
        raise Invalid(
            "too_many_views",
            f"A user keeps at most {MAX_VIEWS_PER_USER} views; delete one first.",
            {"limit": MAX_VIEWS_PER_USER},
        )
    await db[collections.SAVED_VIEWS].insert_one(document)


async def visible_views(*, db: Database, user: Principal) -> list[Document]:
    """The user's own views and those others share, ordered as the user ordered them."""
    views = db[collections.SAVED_VIEWS]
    own = [view async for view in views.find({"owner.id": user.id}).sort("_id", 1)]
    shared = [
        view
        async for view in views.find({"shared": True}).sort("_id", 1).limit(MAX_LISTED)
        if view["owner"]["id"] != user.id
    ]
    ordered = (await preferences(db=db, user=user)).view_order
    order = {view_id: n for n, view_id in enumerate(ordered)}
    return sorted([*own, *shared], key=lambda view: order.get(view["_id"], len(order)))


async def get_view(*, db: Database, user: Principal, view_id: str) -> Document:
    """A view the user may see (404 `view_not_found` otherwise)."""
    view = await db[collections.SAVED_VIEWS].find_one({"_id": view_id})
    if view is None or (view["owner"]["id"] != user.id and not view["shared"]):
        raise NotFound("view_not_found", "No such view.")
    return view


def check_may_change(view: Document, user: Principal) -> None:
    """Its owner changes a view; an admin may also change or remove a shared one."""
    if view["owner"]["id"] != user.id and user.role is not Role.ADMIN:
        raise NotPermitted("not_view_owner", "Only the view's owner may change it.")


async def update_view(
    *, db: Database, view_id: str, changes: dict[str, Any], now: datetime
) -> Document:
    updated = await update_and_read(
        db[collections.SAVED_VIEWS], {"_id": view_id}, {"$set": {**changes, "updated_at": now}}
    )
    if updated is None:
        raise NotFound("view_not_found", "No such view.")
    return updated


async def delete_view(*, db: Database, view_id: str) -> None:
    await db[collections.SAVED_VIEWS].delete_one({"_id": view_id})


async def preferences(*, db: Database, user: Principal) -> ListPreferences:
    stored = await db[collections.LIST_PREFERENCES].find_one(
        {"_id": user.id}, {"_id": 0, "updated_at": 0}
    )
    return ListPreferences.model_validate(stored or {})


async def save_preferences(
    *, db: Database, user: Principal, data: ListPreferences, now: datetime
) -> None:
    await db[collections.LIST_PREFERENCES].update_one(
        {"_id": user.id},
        {"$set": {**data.model_dump(mode="json"), "updated_at": now}},
        upsert=True,
    )
