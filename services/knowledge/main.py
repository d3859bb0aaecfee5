"""Knowledge app factory: `uvicorn --factory services.knowledge.main:create_app`."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI

from services.knowledge import indexing
from services.knowledge.articles import service as articles_service
from services.knowledge.articles.views import router as articles_router
from services.knowledge.deflection import service as deflection_service
from services.knowledge.deflection.recorder import EventRecorder
from services.knowledge.deflection.views import router as deflection_router
from services.knowledge.meili import MeiliGateway, SearchUnavailableError
from services.knowledge.search.views import router as search_router
from services.knowledge.solutions.views import router as solutions_router
from shared import ratelimit
from shared.app import base_state, create_indexes, create_indexes_before_serving, service_app
from shared.db_commands import step_context
from shared.ratelimit import RateLimit
from shared.settings import Settings
from shared.waiting import first_of

log = logging.getLogger("helpdesk.knowledge")

# How often the syncer looks for pending changes when nothing woke it.
SYNC_INTERVAL_SECONDS = 2.0
MAX_SYNC_BACKOFF_SECONDS = 30.0


# Every repository of knowledge that owns MongoDB indexes (each function is idempotent).
INDEXES = (
    indexing.ensure_mongo_indexes,
    deflection_service.ensure_indexes,
    articles_service.ensure_slug_index,
    ratelimit.ensure_indexes,
)


async def keep_index_in_step(app: FastAPI, stop: asyncio.Event, *, indexed: bool) -> None:
    """Set the indexes up (MongoDB's unless `indexed`), then push every pending change,
    retrying while Meilisearch or MongoDB is away (with backoff) until `stop` is set."""
    settings: Settings = app.state.settings
    meili: MeiliGateway = app.state.meili
    wake: asyncio.Event = app.state.sync_wake
    prepared = False
    backoff = SYNC_INTERVAL_SECONDS
    while not stop.is_set():
        try:
            if not indexed:
                await create_indexes(app.state.db, INDEXES)
                indexed = True
            if not prepared:
                await indexing.ensure_search_indexes(
                    meili=meili, prefix=settings.meili_index_prefix
                )
                prepared = True
            wake.clear()
            while await indexing.sync_pending(
                db=app.state.db, meili=meili, prefix=settings.meili_index_prefix
            ):
                pass
            backoff = SYNC_INTERVAL_SECONDS
        except (SearchUnavailableError, OSError) as exc:
            log.warning("search index not in step yet, will retry: %s", exc)
            backoff = min(backoff * 2, MAX_SYNC_BACKOFF_SECONDS)
        except Exception:
            log.exception("search index sync failed, will retry")
            backoff = min(backoff * 2, MAX_SYNC_BACKOFF_SECONDS)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(backoff):
                await first_of(stop, wake)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The knowledge HTTP app; settings are read from the environment when it starts."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with base_state(app, settings, process="knowledge"):
            resolved: Settings = app.state.settings
            app.state.meili = meili = MeiliGateway(resolved)
            app.state.readiness_checks["meilisearch"] = meili.healthy
            app.state.search_limiter = RateLimit.per_second(
                app.state.db,
                name="search",
                rate=resolved.search_rate_per_second,
                burst=resolved.search_rate_burst,
            )
            app.state.sync_wake = asyncio.Event()
            app.state.deflection = recorder = EventRecorder(app.state.db)
            indexed = await create_indexes_before_serving(app.state.db, INDEXES, patience=10)
            stop = asyncio.Event()
            syncer = asyncio.create_task(
                keep_index_in_step(app, stop, indexed=indexed), context=step_context("syncer")
            )
            writer = asyncio.create_task(recorder.run(stop), context=step_context("event writer"))
            try:
                yield
            finally:
                stop.set()  # PyMongo may swallow a cancellation mid-operation
                syncer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await syncer
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(writer, 10)  # the last batch of events
                await meili.close()

    app = service_app(
        title="Help desk — knowledge",
        description="FAQ and solutions search, suggestions before filing, deflection figures.",
        lifespan=lifespan,
    )
    for router in (search_router, articles_router, solutions_router, deflection_router):
        app.include_router(router)
    return app
