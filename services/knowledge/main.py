"""Knowledge app factory: `uvicorn --factory services.knowledge.main:create_app`."""

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from shared.app import base_state, service_app
from shared.search import check_meili, create_meili_client
from shared.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """The knowledge HTTP app; settings are read from the environment when it starts."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with base_state(app, settings):
            app.state.meili = meili = create_meili_client(app.state.settings)
            app.state.readiness_checks["meilisearch"] = lambda: check_meili(meili)
            yield

    return service_app(
        title="Help desk — knowledge",
        description="FAQ and solutions search, suggestions before filing, deflection figures.",
        lifespan=lifespan,
    )
