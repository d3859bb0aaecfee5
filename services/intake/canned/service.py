"""Canned responses repository (SPEC F2) and their rendering.

Rendering is plain text substitution of the three known placeholders, in one pass: a
value (a customer's name, say) that contains `{{...}}` is never expanded again.
"""

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING

from services.intake.admin.common import find_page
from services.intake.canned.models import CannedResponseCreate
from shared import collections
from shared.enums import Language
from shared.mongo import Database, Document, update_and_read
from shared.refusals import Invalid, NotFound, Refusal

PLACEHOLDERS = ("customer_name", "ticket_number", "agent_name")
# No nested quantifiers over the same characters: matching stays linear on hostile bodies.
PLACEHOLDER = re.compile(r"\{\{([^{}]*)\}\}")
LANGUAGES: tuple[Language, ...] = ("zh-CN", "en")
GLOBAL = "global"  # the `group` filter value of responses that belong to no group


async def ensure_indexes(*, db: Database) -> None:
    """Indexes of the canned responses lists (idempotent)."""
    await db[collections.CANNED_RESPONSES].create_index(
        [("group", ASCENDING), ("_id", ASCENDING)], name="group_id"
    )


def check_placeholders(*, bodies: Mapping[Language, str]) -> None:
    """422 `unknown_placeholder` if a body uses a placeholder that rendering cannot fill."""
    unknown = sorted(
        {
            name
            for text in bodies.values()
            for name in (found.strip() for found in PLACEHOLDER.findall(text))
            if name not in PLACEHOLDERS
        }
    )
    if unknown:
        raise Invalid(
            "unknown_placeholder",
            f"Unknown placeholder(s): {', '.join(unknown)}.",
            {"unknown": unknown, "allowed": list(PLACEHOLDERS)},
        )


def fill_placeholders(text: str, values: Mapping[str, str]) -> str:
    """`text` with each placeholder that has a value replaced; the others left as written."""
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1).strip(), match.group(0)), text)


def pick_body(canned: Document, language: str) -> tuple[str, str]:
    """(language, body): the body in `language`, else in another language it has."""
    bodies: dict[str, str] = canned.get("body") or {}
    for candidate in (language, *LANGUAGES):
        if bodies.get(candidate):
            return candidate, bodies[candidate]
    raise Invalid("canned_response_empty", "This canned response has no body.")


def not_found(canned_response_id: str) -> Refusal:
    return NotFound(
        "canned_response_not_found", f"No canned response with id '{canned_response_id}'."
    )


def new_canned_document(*, data: CannedResponseCreate, created_by: str, now: datetime) -> Document:
    """A new canned response's document."""
    return {
        "_id": str(ObjectId()),
        **data.model_dump(mode="json"),
        "created_by": created_by,
        "updated_by": created_by,
        "created_at": now,
        "updated_at": now,
    }


async def insert_canned_response(*, db: Database, document: Document) -> None:
    """Store a new canned response."""
    await db[collections.CANNED_RESPONSES].insert_one(document)


async def get_canned_response(*, db: Database, canned_response_id: str) -> Document:
    """A canned response, or 404 `canned_response_not_found`."""
    canned = await db[collections.CANNED_RESPONSES].find_one({"_id": canned_response_id})
    if canned is None:
        raise not_found(canned_response_id)
    return canned


async def list_canned_responses(
    *,
    db: Database,
    groups: list[str],
    language: Language | None,
    tag: str | None,
    q: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Document], str | None]:
    """A page of canned responses in creation order. `groups` may name `global`."""
    query: Document = {}
    if groups:
        query["group"] = {"$in": [None if group == GLOBAL else group for group in groups]}
    if language is not None:
        query[f"body.{language}"] = {"$exists": True}
    if tag is not None:
        query["tags"] = tag
    if q and q.strip():
        # User text is matched literally: escaped, never a pattern or an operator.
        query["title"] = {"$regex": re.escape(q.strip()), "$options": "i"}
    return await find_page(db[collections.CANNED_RESPONSES], query, cursor=cursor, limit=limit)


async def update_canned_response(
    *,
    db: Database,
    canned_response_id: str,
    changes: dict[str, Any],
    updated_by: str,
    now: datetime,
) -> Document:
    """Set the given fields of a canned response."""
    canned = await update_and_read(
        db[collections.CANNED_RESPONSES],
        {"_id": canned_response_id},
        {"$set": {**changes, "updated_by": updated_by, "updated_at": now}},
    )
    if canned is None:
        raise not_found(canned_response_id)
    return canned


async def delete_canned_response(*, db: Database, canned_response_id: str) -> None:
    """Delete a canned response."""
    result = await db[collections.CANNED_RESPONSES].delete_one({"_id": canned_response_id})
    if result.deleted_count == 0:
        raise not_found(canned_response_id)


async def render_canned_response(
    *,
    db: Database,
    canned_response_id: str,
    language: str,
    customer_name: str,
    ticket_number: int,
    agent_name: str,
) -> str:
    """The response's body in `language` (else the other one) with its placeholders filled;
    404 `canned_response_not_found`."""
    canned = await get_canned_response(db=db, canned_response_id=canned_response_id)
    _, body = pick_body(canned, language)
    values = {
        "customer_name": customer_name,
        "ticket_number": str(ticket_number),
        "agent_name": agent_name,
    }
    return fill_placeholders(body, values)
