"""Intake app factory: `uvicorn --factory services.intake.main:create_app`."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI

from services.intake import orders
from services.intake.admin.agents.directory import router as agents_directory_router
from services.intake.admin.audit import service as audit_log_service
from services.intake.admin.views import router as admin_router
from services.intake.attachments import service as attachments_service
from services.intake.attachments.views import router as attachments_router
from services.intake.auth import service as auth_service
from services.intake.auth.views import router as auth_router
from services.intake.bulk import service as bulk_service
from services.intake.bulk.views import router as bulk_router
from services.intake.canned import service as canned_service
from services.intake.canned.views import router as canned_router
from services.intake.orders import MongoOrders
from services.intake.resources import IntakeResources, resources_of
from services.intake.saved_views import service as saved_views_service
from services.intake.saved_views.views import router as saved_views_router
from services.intake.stats.cache import PackCache
from services.intake.stats.views import router as stats_router
from services.intake.tickets import lifecycle, presence
from services.intake.tickets import service as tickets_service
from services.intake.tickets.actions import router as ticket_actions_router
from services.intake.tickets.conversation import router as conversation_router
from services.intake.tickets.feed import TicketFeed
from services.intake.tickets.stream import router as ticket_stream_router
from services.intake.tickets.views import router as tickets_router
from services.intake.users import service as users_service
from shared import audit, ratelimit
from shared.app import base_state, create_indexes, create_indexes_before_serving, service_app
from shared.body_limit import BodyLimit, LingeringClose
from shared.clock import utcnow
from shared.db_commands import step_context
from shared.ratelimit import RateLimit
from shared.settings import Settings
from shared.temporal import check_temporal, connect_temporal

log = logging.getLogger("helpdesk.intake")
# How much of a refused body is read and dropped so the client sees the answer: a few
# times the largest attachment (10 MiB by default); past it, the connection is closed.
LINGER_MAX_BYTES = 64 * 1024 * 1024

# JSON bodies: a description of 20,000 characters is about 80 KB even fully escaped.
MAX_JSON_BODY_BYTES = 1024 * 1024

# Every repository of intake that owns indexes (each function is idempotent).
INDEXES = (
    tickets_service.ensure_indexes,
    users_service.ensure_indexes,
    auth_service.ensure_indexes,
    audit.ensure_indexes,
    audit_log_service.ensure_indexes,
    attachments_service.ensure_indexes,
    canned_service.ensure_indexes,
    orders.ensure_indexes,
    presence.ensure_indexes,
    ratelimit.ensure_indexes,
    bulk_service.ensure_indexes,
    saved_views_service.ensure_indexes,
)


async def _prepare_and_sweep(app: FastAPI, stop: asyncio.Event, *, indexed: bool) -> None:
    """Create indexes once MongoDB answers (unless `indexed`), then keep sweeping for
    unstarted workflows."""
    settings: Settings = app.state.settings
    while not indexed and not stop.is_set():
        try:
            await create_indexes(app.state.db, INDEXES)
            break
        except Exception as exc:
            log.warning("could not create indexes yet, will retry: %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 2)
    resources = resources_of(app)
    await resources.stats_packs.warm(db=app.state.db, now=utcnow())
    await lifecycle.sweep_until(
        stop,
        temporal=resources.temporal,
        db=app.state.db,
        task_queue=settings.temporal_task_queue,
        interval=settings.workflow_sweep_interval_seconds,
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    """The intake HTTP app; settings are read from the environment when it starts."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with base_state(app, settings, process="intake"):
            resolved: Settings = app.state.settings
            db = app.state.db
            temporal = await connect_temporal(resolved, lazy=True)
            app.state.readiness_checks["temporal"] = lambda: check_temporal(
                temporal, resolved.readiness_timeout_seconds
            )
            app.state.intake = resources = IntakeResources(
                temporal=temporal,
                rate_limiter=RateLimit.per_second(
                    db,
                    name="requests",
                    rate=resolved.rate_limit_per_second,
                    burst=resolved.rate_limit_burst,
                ),
                login_limiter=RateLimit(
                    db, name="login", limit=resolved.login_attempts_per_minute, window=60
                ),
                login_address_limiter=RateLimit(
                    db,
                    name="login-from",
                    limit=resolved.login_failures_per_address_per_minute,
                    window=60,
                ),
                orders=MongoOrders(db),
                stats_packs=PackCache(resolved.stats_cache_entries),
                staff_accounts=auth_service.StaffAccounts(ttl=resolved.staff_account_cache_seconds),
                api_keys=auth_service.ApiKeys(ttl=resolved.staff_account_cache_seconds),
                ticket_feed=TicketFeed(db),
                started_marks=lifecycle.StartedMarks(),
            )
            indexed = await create_indexes_before_serving(db, INDEXES, patience=10)
            stop = asyncio.Event()
            background = asyncio.create_task(
                _prepare_and_sweep(app, stop, indexed=indexed), context=step_context("sweeper")
            )
            feed_task = asyncio.create_task(
                resources.ticket_feed.run(stop), context=step_context("ticket feed")
            )
            marks_task = asyncio.create_task(
                resources.started_marks.run(stop, db), context=step_context("started marks")
            )
            try:
                yield
            finally:
                # PyMongo's async API can swallow a cancellation that lands mid-operation;
                # the stop event ends the loop all the same once that operation returns.
                stop.set()
                for task in (background, feed_task, marks_task):
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

    app = service_app(
        title="Help desk — intake",
        description="Customers file and follow tickets; agents act on them; admins configure.",
        lifespan=lifespan,
    )
    app.add_middleware(audit.AuditLog)
    # A body over the cap is refused before anything reads it.
    app.add_middleware(BodyLimit, max_bytes=MAX_JSON_BODY_BYTES, exempt=("/v1/attachments",))
    # Outside it: whatever refused a body unread, the client can read why.
    app.add_middleware(LingeringClose, max_bytes=LINGER_MAX_BYTES)
    app.include_router(auth_router)
    app.include_router(ticket_stream_router)  # these two before /v1/tickets/{ticket_id}
    app.include_router(presence.router)
    app.include_router(tickets_router)
    app.include_router(canned_router)
    app.include_router(admin_router)
    app.include_router(agents_directory_router)
    app.include_router(attachments_router)
    app.include_router(conversation_router)
    app.include_router(ticket_actions_router)
    app.include_router(stats_router)
    app.include_router(bulk_router)
    app.include_router(saved_views_router)
    return app
