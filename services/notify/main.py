"""Notify app factory: `uvicorn --factory services.notify.main:create_app`.

The process serves the inbox, preferences and webhook routes, and runs notify's own
Temporal worker (which accepts the ticket workflows' events), the dispatcher (which sends
e-mails and webhooks) and the drain of the interim outbox."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
from fastapi import FastAPI
from temporalio.worker import Worker

from services.notify.activities import NotifyActivities
from services.notify.deliveries import service as deliveries_service
from services.notify.deliveries.dispatcher import Dispatcher, email_backoff
from services.notify.deliveries.service import Channel
from services.notify.email.send import send_email
from services.notify.inbox import service as inbox_service
from services.notify.inbox.hub import InboxHub
from services.notify.inbox.views import router as inbox_router
from services.notify.outbox import drain_outbox
from services.notify.preferences.views import router as preferences_router
from services.notify.webhooks import service as webhooks_service
from services.notify.webhooks.service import SubscriptionCache
from services.notify.webhooks.views import router as webhooks_router
from shared import audit
from shared.app import base_state, create_indexes, create_indexes_before_serving, service_app
from shared.clock import utcnow
from shared.db_commands import step_context
from shared.mail import check_smtp
from shared.mongo import Document
from shared.notifications import notify_task_queue
from shared.settings import Settings
from shared.temporal import check_temporal, connect_temporal

log = logging.getLogger("helpdesk.notify")

INDEXES = (
    audit.ensure_indexes,
    deliveries_service.ensure_indexes,
    inbox_service.ensure_indexes,
    webhooks_service.ensure_indexes,
)
# How often an empty outbox is looked at again: an indexed read of nothing, 0.3 ms.
OUTBOX_POLL_SECONDS = 0.25
EMAIL_GIVE_UP_AFTER = timedelta(hours=24)


def build_dispatcher(app: FastAPI) -> Dispatcher:
    settings: Settings = app.state.settings
    http: httpx.AsyncClient = app.state.http

    async def email(delivery: Document) -> int | None:
        await send_email(settings=settings, delivery=delivery)
        return None

    async def webhook(delivery: Document) -> int | None:
        return await webhooks_service.send_webhook(
            http=http,
            db=app.state.db,
            delivery=delivery,
            now=utcnow(),
            allow_private=settings.webhook_allow_private_targets,
        )

    return Dispatcher(
        db=app.state.db,
        senders={Channel.EMAIL: email, Channel.WEBHOOK: webhook},
        backoff={Channel.EMAIL: email_backoff, Channel.WEBHOOK: webhooks_service.retry_delay},
        give_up_after={
            Channel.EMAIL: EMAIL_GIVE_UP_AFTER,
            Channel.WEBHOOK: webhooks_service.GIVE_UP_AFTER,
        },
        concurrency=settings.notify_senders,
    )


async def _run_worker(app: FastAPI, activities: NotifyActivities, stop: asyncio.Event) -> None:
    """Poll the notify task queue, reconnecting while Temporal is away."""
    settings: Settings = app.state.settings
    while not stop.is_set():
        try:
            # A worker needs a connected client (the app's is lazy, for readiness).
            client = await connect_temporal(settings)
            worker = Worker(
                client,
                task_queue=notify_task_queue(settings.temporal_task_queue),
                activities=[activities.accept_notification],
                # Bounded: a burst of 2,000 events accepted 100 at a time overloaded
                # SecantusDB until accepts timed out and were retried (bench/notify.py).
                max_concurrent_activities=settings.notify_senders,
            )
            async with worker:
                await stop.wait()
        except Exception as exc:
            log.warning("notify worker stopped, restarting: %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 2)


async def _drain_outbox(
    app: FastAPI, activities: NotifyActivities, stop: asyncio.Event, *, indexed: bool
) -> None:
    while not stop.is_set():
        try:
            if not indexed:
                await create_indexes(app.state.db, INDEXES)
                indexed = True
            if await drain_outbox(db=app.state.db, activities=activities):
                continue
        except Exception as exc:
            log.warning("outbox not drained, will retry: %s", exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), OUTBOX_POLL_SECONDS)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The notify HTTP app; settings are read from the environment when it starts."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with (
            base_state(app, settings, process="notify"),
            httpx.AsyncClient(timeout=10.0) as http,
        ):
            resolved: Settings = app.state.settings
            app.state.readiness_checks["smtp"] = lambda: check_smtp(resolved)
            app.state.inbox_hub = InboxHub()
            app.state.http = http
            app.state.temporal = temporal = await connect_temporal(resolved, lazy=True)
            app.state.readiness_checks["temporal"] = lambda: check_temporal(
                temporal, resolved.readiness_timeout_seconds
            )
            indexed = await create_indexes_before_serving(app.state.db, INDEXES, patience=10)
            app.state.dispatcher = dispatcher = build_dispatcher(app)
            app.state.webhook_subscriptions = subscriptions = SubscriptionCache()
            activities = NotifyActivities(
                db=app.state.db,
                hub=app.state.inbox_hub,
                settings=resolved,
                dispatcher=dispatcher,
                subscriptions=subscriptions,
            )
            stop = asyncio.Event()
            tasks = [
                asyncio.create_task(dispatcher.run(stop)),
                asyncio.create_task(_run_worker(app, activities, stop)),
                asyncio.create_task(
                    _drain_outbox(app, activities, stop, indexed=indexed),
                    context=step_context("outbox"),
                ),
            ]
            try:
                yield
            finally:
                stop.set()  # PyMongo may swallow a cancellation mid-operation
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 15)
                for task in tasks:
                    task.cancel()

    app = service_app(
        title="Help desk — notify",
        description="E-mail, signed webhooks and the in-app inbox for every ticket event.",
        lifespan=lifespan,
    )
    # Changes of who gets what, and where events are sent, as intake audits its own (the
    # inbox's read marks are each user's own business).
    app.add_middleware(audit.AuditLog, only=("/v1/webhooks", "/v1/preferences"))
    for router in (inbox_router, preferences_router, webhooks_router):
        app.include_router(router)
    return app
