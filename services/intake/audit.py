"""The audit log (K2): every request that changes something, who sent it and how it ended."""

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bson import ObjectId
from fastapi import FastAPI, Request, Response
from pymongo import ASCENDING, DESCENDING
from pymongo.errors import PyMongoError

from shared import collections
from shared.auth import Principal
from shared.clock import utcnow
from shared.mongo import Database, Document

log = logging.getLogger("helpdesk.intake.audit")

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


def install_audit_log(app: FastAPI) -> None:
    """Write an audit entry for every request to `app` that may change something."""

    @app.middleware("http")
    async def _audit(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        # A 503 means the database or Temporal is down: writing the entry would only wait.
        if request.method not in READ_METHODS and response.status_code != 503:
            db: Database = request.app.state.db
            try:
                await db[collections.AUDIT_LOG].insert_one(
                    audit_entry(request, response.status_code)
                )
            except PyMongoError as exc:  # the change itself stands; say so loudly
                log.error("audit entry not written for %s %s: %s", request.method, request.url, exc)
        return response
