"""Router app factory: `uvicorn --factory services.router.main:create_app`.

In `make run` the browser talks to this one origin: the web app's files and, under /v1,
the three services, so there is no CORS and the session can be a cookie. In production an
ingress does the same routing (deploy/README.md)."""

import contextlib
import itertools
from collections.abc import AsyncIterator

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from services.router.proxy import forward
from services.router.routes import upstreams_of
from services.router.static import WebApp
from shared.errors import error_body
from shared.settings import Settings

ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
# An idle connection to a service is given up before the service gives it up (uvicorn
# closes one after 5 s): at the same 5 s, a request could go out on a connection being
# closed, and one with a body (a POST) cannot be sent again (proxy.py).
UPSTREAM_KEEPALIVE_SECONDS = 2.0


def create_app(settings: Settings | None = None) -> Starlette:
    resolved = settings or Settings()
    web = WebApp(resolved.web_dist_dir)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # No read timeout: a live stream stays open for as long as the page does.
        timeout = httpx.Timeout(connect=5.0, read=None, write=60.0, pool=10.0)
        limits = httpx.Limits(
            max_connections=1000,
            max_keepalive_connections=100,
            keepalive_expiry=UPSTREAM_KEEPALIVE_SECONDS,
        )
        async with httpx.AsyncClient(timeout=timeout, limits=limits) as client:
            app.state.client = client
            yield

    turns = itertools.count()  # requests take the processes of a service in turn

    async def api(request: Request) -> Response:
        upstreams = upstreams_of(request.url.path, resolved)
        if upstreams is None:
            return JSONResponse(error_body("not_found", "No such API."), status_code=404)
        return await forward(request, request.app.state.client, upstreams, next(turns))

    async def page(request: Request) -> Response:
        return web.page(request.url.path)

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        if web.built:
            return JSONResponse({"status": "ready"})
        return JSONResponse({"status": "web app not built"}, status_code=503)

    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/v1/{path:path}", api, methods=ALL_METHODS),
            Mount("/assets", app=web.assets()),
            Route("/{path:path}", page, methods=["GET", "HEAD"]),
        ],
        lifespan=lifespan,
    )
