"""Staff accounts repository of intake (the `users` collection, staff roles only).

`load` (the tickets an agent holds) belongs to the worker's assignment and is never
written here; `password_hash` is written here but never read back (projected out).
"""

import asyncio
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from services.intake.admin.agents.models import AgentCreate
from services.intake.admin.common import find_page
from services.intake.users.service import hash_password
from shared import collections
from shared.enums import Role
from shared.mongo import Database, Document, update_and_read
from shared.refusals import Conflict, NotFound, Refusal
from shared.ticket_updates import STAFF_ROLES

_STAFF = {"role": {"$in": sorted(role.value for role in STAFF_ROLES)}}
_HIDDEN = {"password_hash": 0}


def not_found(agent_id: str) -> Refusal:
    return NotFound("agent_not_found", f"No staff account with id '{agent_id}'.")


def _email_taken(email: str) -> Refusal:
    return Conflict("email_taken", "Another account uses this e-mail.", {"email": email})


async def list_agents(
    *,
    db: Database,
    role: str | None,
    group: str | None,
    active: bool | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Document], str | None]:
    """A page of staff accounts in id order, filtered by role, group and activity."""
    query: Document = {**_STAFF}
    if role is not None:
        query["role"] = role
    if group is not None:
        query["groups"] = group
    if active is True:
        query["active"] = {"$ne": False}  # accounts from before the flag count as active
    elif active is False:
        query["active"] = False
    return await find_page(
        db[collections.USERS], query, cursor=cursor, limit=limit, projection=_HIDDEN
    )


async def get_agent(*, db: Database, agent_id: str) -> Document:
    """A staff account, or 404 `agent_not_found` (customers included)."""
    agent = await db[collections.USERS].find_one({"_id": agent_id, **_STAFF}, _HIDDEN)
    if agent is None:
        raise not_found(agent_id)
    return agent


async def create_agent(*, db: Database, data: AgentCreate, now: datetime) -> Document:
    """Store a new staff account with a hashed password; 409 `email_taken`."""
    users = db[collections.USERS]
    if await users.find_one({"email": data.email}, {"_id": 1}) is not None:
        raise _email_taken(data.email)
    document: Document = {
        "_id": str(ObjectId()),
        **data.model_dump(mode="json", exclude={"password"}),
        "active": True,
        "load": [],
        # argon2 is deliberately slow: keep it off the event loop.
        "password_hash": await asyncio.to_thread(hash_password, data.password),
        "created_at": now,
        "updated_at": now,
    }
    try:
        await users.insert_one(document)
    except DuplicateKeyError as exc:  # the unique e-mail index: created concurrently
        raise _email_taken(data.email) from exc
    del document["password_hash"]
    return document


def check_not_locking_out(*, actor_id: str, agent_id: str, changes: dict[str, Any]) -> None:
    """An admin may not deactivate or demote their own account (409 `own_account`)."""
    if actor_id != agent_id:
        return
    if changes.get("active") is False or changes.get("role", Role.ADMIN.value) != Role.ADMIN:
        raise Conflict("own_account", "Admins cannot deactivate or demote their own account.")


def settled_changes(*, agent: Document, changes: dict[str, Any]) -> dict[str, Any]:
    """The fields to store: a deactivated account is also unavailable for assignment."""
    settled = dict(changes)
    active = settled.get("active", agent.get("active", True))
    if active is False:
        if settled.get("available") is True:
            raise Conflict(
                "agent_inactive", "A deactivated account cannot be available; activate it."
            )
        settled["available"] = False
    return settled


async def update_agent(
    *, db: Database, agent_id: str, changes: dict[str, Any], now: datetime
) -> Document:
    """Set the given fields of a staff account (a `password` is stored hashed)."""
    fields = dict(changes)
    if "password" in fields:
        fields["password_hash"] = await asyncio.to_thread(hash_password, fields.pop("password"))
    agent = await update_and_read(
        db[collections.USERS],
        {"_id": agent_id, **_STAFF},
        {"$set": {**fields, "updated_at": now}},
        projection=_HIDDEN,
    )
    if agent is None:
        raise not_found(agent_id)
    return agent
