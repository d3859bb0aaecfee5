"""Knowledge app factory: `uvicorn --factory services.knowledge.main:create_app`."""

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from shared.app import service_app
from shared.mongo import create_mongo_client, get_database, ping
from shared.search import check_meili, create_meili_client
from shared.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """The knowledge HTTP app; settings are read from the environment when it starts."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = resolved = settings or Settings()
        mongo = create_mongo_client(resolved)
        app.state.db = db = get_database(mongo, resolved)
        app.state.meili = meili = create_meili_client(resolved)
        app.state.readiness_checks = {
            "mongodb": lambda: ping(db),
            "meilisearch": lambda: check_meili(meili),
        }
        try:
            yield
        finally:
            await mongo.close()

    return service_app(
        title="Help desk — knowledge",
        description="FAQ and solutions search, suggestions before filing, deflection figures.",
        lifespan=lifespan,
    )
