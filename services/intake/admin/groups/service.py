"""Groups repository of intake. The worker keeps a `round_robin` counter in the standard
groups' documents (and may create them): only named fields are ever `$set` here."""

import contextlib
from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.intake.admin.groups.models import GroupCreate
from shared import collections
from shared.enums import LABELS, EscalationLevel, StandardGroup
from shared.mongo import Database, Document
from shared.refusals import Conflict, Invalid, NotFound, Refusal
from shared.ticket_updates import STAFF_ROLES

STANDARD_LEVELS = {
    StandardGroup.FRONTLINE: EscalationLevel.FRONTLINE,
    StandardGroup.SENIOR_SUPPORT: EscalationLevel.SENIOR_SUPPORT,
    StandardGroup.TECHNICAL_TEAM: EscalationLevel.TECHNICAL_TEAM,
    StandardGroup.MANAGEMENT: EscalationLevel.MANAGEMENT,
}
# Canned-response lists use `group=global` for the responses of no group.
RESERVED_KEYS = frozenset({"global"})
_FIELDS = ("name", "escalation_level", "description", "manager_id", "created_at", "updated_at")


def is_standard(key: str) -> bool:
    return key in STANDARD_LEVELS


def _standard_defaults(group: StandardGroup) -> Document:
    label = LABELS[group]
    return {
        "name": {"zh-CN": label.zh_cn, "en": label.en},
        "escalation_level": int(STANDARD_LEVELS[group]),
        "description": None,
        "manager_id": None,
    }


def _view(document: Document) -> Document:
    """A stored group as the API shows it (standard groups filled in with their defaults)."""
    key = str(document["_id"])
    base = _standard_defaults(StandardGroup(key)) if is_standard(key) else {}
    shown = {field: document[field] for field in _FIELDS if field in document}
    return {**base, **shown, "_id": key, "standard": is_standard(key)}


def not_found(key: str) -> Refusal:
    return NotFound("group_not_found", f"No group '{key}'.")


async def list_groups(*, db: Database) -> list[Document]:
    """Every group: the standard ones (in escalation order), then the custom ones by key."""
    standard = [group.value for group in STANDARD_LEVELS]
    stored = {d["_id"]: d async for d in db[collections.GROUPS].find({"_id": {"$in": standard}})}
    custom = db[collections.GROUPS].find({"_id": {"$nin": standard}}).sort("_id", 1)
    return [_view(stored.get(key, {"_id": key})) for key in standard] + [
        _view(document) async for document in custom
    ]


async def get_group(*, db: Database, key: str) -> Document:
    """One group, or 404 `group_not_found`."""
    document = await db[collections.GROUPS].find_one({"_id": key})
    if document is None and not is_standard(key):
        raise not_found(key)
    return _view(document or {"_id": key})


async def check_groups_exist(*, db: Database, keys: list[str]) -> None:
    """422 `unknown_group` unless every key names a standard or stored group."""
    custom = sorted({key for key in keys if not is_standard(key)})
    found = {d["_id"] async for d in db[collections.GROUPS].find({"_id": {"$in": custom}})}
    missing = [key for key in custom if key not in found]
    if missing:
        raise Invalid("unknown_group", "No such group.", {"groups": missing})


async def check_manager(*, db: Database, user_id: str) -> None:
    """422 `unknown_manager` unless the user is an active staff member."""
    user = await db[collections.USERS].find_one(
        {"_id": user_id, "role": {"$in": [role.value for role in STAFF_ROLES]}}
    )
    if user is None or user.get("active") is False:
        raise Invalid("unknown_manager", f"No active staff member '{user_id}'.")


async def create_group(*, db: Database, data: GroupCreate, now: datetime) -> Document:
    """Store a new custom group; 409 `group_exists` if the key is taken."""
    if data.id in RESERVED_KEYS:
        raise Invalid("reserved_group_key", f"'{data.id}' cannot name a group.")
    if is_standard(data.id):
        raise Conflict("group_exists", f"The group '{data.id}' exists already.")
    document: Document = {
        "_id": data.id,
        **data.model_dump(mode="json", exclude={"id"}),
        "created_at": now,
        "updated_at": now,
    }
    try:
        await db[collections.GROUPS].insert_one(document)
    except DuplicateKeyError as exc:
        raise Conflict("group_exists", f"The group '{data.id}' exists already.") from exc
    return _view(document)


async def update_group(
    *, db: Database, key: str, changes: dict[str, Any], now: datetime
) -> Document:
    """Set the changed fields of a group (a standard one is stored on first change)."""
    if not is_standard(key):
        updated = await db[collections.GROUPS].find_one_and_update(
            {"_id": key},
            {"$set": {**changes, "updated_at": now}},
            return_document=ReturnDocument.AFTER,
        )
        if updated is None:
            raise not_found(key)
        return _view(updated)
    group = StandardGroup(key)
    level = changes.get("escalation_level")
    if level is not None and level != STANDARD_LEVELS[group]:
        # The ticket workflow escalates level N to the standard group of level N.
        raise Invalid(
            "standard_group_level",
            "A standard group's escalation level is fixed.",
            {"group": key, "escalation_level": int(STANDARD_LEVELS[group])},
        )
    on_insert = {
        field: value for field, value in _standard_defaults(group).items() if field not in changes
    }
    update = {"$set": {**changes, "updated_at": now}, "$setOnInsert": on_insert}
    for _ in range(2):
        # The worker may create the same document concurrently (its counter upsert).
        with contextlib.suppress(DuplicateKeyError):
            updated = await db[collections.GROUPS].find_one_and_update(
                {"_id": key}, update, upsert=True, return_document=ReturnDocument.AFTER
            )
            if updated is not None:
                return _view(updated)
    raise Conflict("concurrent_update", "The group changed meanwhile; try again.")


async def delete_group(*, db: Database, key: str) -> Document:
    """Delete a custom group nobody is in; the deleted group."""
    if is_standard(key):
        raise Conflict("standard_group", f"The standard group '{key}' cannot be deleted.")
    document = await get_group(db=db, key=key)
    members = await db[collections.USERS].count_documents({"groups": key})
    if members:
        raise Conflict(
            "group_in_use",
            f"{members} user(s) are in '{key}'; move them to another group first.",
            {"members": members},
        )
    result = await db[collections.GROUPS].delete_one({"_id": key})
    if result.deleted_count == 0:
        raise not_found(key)
    return document
