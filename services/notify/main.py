"""Notify app factory: `uvicorn --factory services.notify.main:create_app`."""

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from shared.app import base_state, service_app
from shared.mail import check_smtp
from shared.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """The notify HTTP app; settings are read from the environment when it starts."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with base_state(app, settings):
            resolved: Settings = app.state.settings
            app.state.readiness_checks["smtp"] = lambda: check_smtp(resolved)
            yield

    return service_app(
        title="Help desk — notify",
        description="E-mail, signed webhooks and the in-app inbox for every ticket event.",
        lifespan=lifespan,
    )
