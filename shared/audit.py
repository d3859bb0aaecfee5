"""The audit log (K2): every request to intake or notify that changes something, who sent
it and how it ended."""

import logging
from typing import Any

from bson import ObjectId
from fastapi import Request
from pymongo import ASCENDING, DESCENDING
from pymongo.errors import PyMongoError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared import collections
from shared.auth import Principal
from shared.clock import utcnow
from shared.mongo import Database, Document

log = logging.getLogger("helpdesk.audit")

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def ensure_indexes(*, db: Database) -> None:
    """Indexes for reading the audit log by actor, by target and by time (idempotent)."""
    audit = db[collections.AUDIT_LOG]
    await audit.create_index([("actor.id", ASCENDING), ("at", DESCENDING)], name="actor_at")
    await audit.create_index([("target_id", ASCENDING), ("at", DESCENDING)], name="target_at")


def note(request: Request, **details: Any) -> None:
    """Add details (what changed) to the audit entry of the current request."""
    existing: dict[str, Any] = getattr(request.state, "audit", {})
    request.state.audit = {**existing, **details}


def audit_entry(request: Request, status: int) -> Document:
    """The audit entry of a finished request."""
    principal: Principal | None = getattr(request.state, "principal", None)
    route = request.scope.get("route")
    params: dict[str, Any] = request.path_params
    return {
        "_id": str(ObjectId()),
        "at": utcnow(),
        "method": request.method,
        "path": request.url.path,
        "route": getattr(route, "path", None),
        "status": status,
        "actor": (
            {"id": principal.id, "role": principal.role.value, "api_key_id": principal.api_key_id}
            if principal
            else None
        ),
        "client": request.client.host if request.client else None,
        "target_id": next(iter(params.values()), None),
        "details": getattr(request.state, "audit", {}),
    }


class AuditLog:
    """ASGI middleware: an audit entry for every request that may change something, written
    before the last byte of its answer leaves (a plain ASGI wrapper: no per-request task)."""

    def __init__(self, app: ASGIApp, *, only: tuple[str, ...] = ("/",)) -> None:
        self._app = app
        self._only = only  # path prefixes audited

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Presence (tickets/presence.py) changes nothing of the desk: who is looking now.
        path = str(scope.get("path", ""))
        if (
            scope["type"] != "http"
            or scope["method"] in READ_METHODS
            or path.endswith("/presence")
            or not path.startswith(self._only)
        ):
            await self._app(scope, receive, send)
            return
        status = 500

        async def send_and_audit(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                await _write(Request(scope), status)
            await send(message)

        await self._app(scope, receive, send_and_audit)


async def _write(request: Request, status: int) -> None:
    # A 503 means the database or Temporal is down: writing the entry would only wait.
    if status == 503:
        return
    db: Database = request.app.state.db
    try:
        await db[collections.AUDIT_LOG].insert_one(audit_entry(request, status))
    except PyMongoError as exc:  # the change itself stands; say so loudly
        log.error("audit entry not written for %s %s: %s", request.method, request.url, exc)
