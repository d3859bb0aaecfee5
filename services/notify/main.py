"""Notify app factory: `uvicorn --factory services.notify.main:create_app`."""

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from shared.app import service_app
from shared.mail import check_smtp
from shared.mongo import create_mongo_client, get_database, ping
from shared.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """The notify HTTP app; settings are read from the environment when it starts."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = resolved = settings or Settings()
        mongo = create_mongo_client(resolved)
        app.state.db = db = get_database(mongo, resolved)
        app.state.readiness_checks = {
            "mongodb": lambda: ping(db),
            "smtp": lambda: check_smtp(resolved),
        }
        try:
            yield
        finally:
            await mongo.close()

    return service_app(
        title="Help desk — notify",
        description="E-mail, signed webhooks and the in-app inbox for every ticket event.",
        lifespan=lifespan,
    )
