"""What every HTTP service of the help desk has in common."""

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI

from shared.errors import install_error_handlers
from shared.health import health_router

VERSION = "0.1.0"

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def service_app(*, title: str, description: str, lifespan: Lifespan) -> FastAPI:
    """A FastAPI app with the shared error envelope and `/healthz` + `/readyz`."""
    app = FastAPI(title=title, version=VERSION, description=description, lifespan=lifespan)
    install_error_handlers(app)
    app.include_router(health_router())
    return app
