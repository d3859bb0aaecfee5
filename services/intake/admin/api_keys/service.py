"""API keys repository (admin side): store, list and revoke the keys of client systems.
Only a key's hash is stored (`auth.service.new_api_key`); reads never load it."""

from datetime import datetime

from services.intake.admin.common import find_page
from shared import collections
from shared.mongo import Database, Document, update_and_read
from shared.refusals import NotFound

_HIDDEN = {"secret_hash": 0}


async def insert_api_key(*, db: Database, document: Document) -> None:
    """Store a new key's document."""
    await db[collections.API_KEYS].insert_one(document)


async def list_api_keys(
    *, db: Database, revoked: bool | None, cursor: str | None, limit: int
) -> tuple[list[Document], str | None]:
    """A page of keys in id order, optionally only the revoked or the live ones."""
    query: Document = {}
    if revoked is not None:
        query["revoked_at"] = {"$ne": None} if revoked else None
    return await find_page(
        db[collections.API_KEYS], query, cursor=cursor, limit=limit, projection=_HIDDEN
    )


async def revoke_api_key(*, db: Database, key_id: str, now: datetime) -> Document:
    """Revoke a key (a key revoked already keeps its first revocation time)."""
    keys = db[collections.API_KEYS]
    revoked = await update_and_read(
        keys, {"_id": key_id, "revoked_at": None}, {"$set": {"revoked_at": now}}, projection=_HIDDEN
    )
    if revoked is None:
        revoked = await keys.find_one({"_id": key_id}, _HIDDEN)
    if revoked is None:
        raise NotFound("api_key_not_found", f"No API key with id '{key_id}'.")
    return revoked
