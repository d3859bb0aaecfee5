"""What every HTTP service of the help desk has in common."""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import Depends, FastAPI, Request

from shared.db_commands import name_step, step, tally_from_env, tally_written
from shared.errors import install_error_handlers
from shared.health import ReadinessCheck, health_router
from shared.mongo import Database, create_mongo_client, get_database, ping
from shared.settings import Settings
from shared.slow_requests import SlowRequestLog

VERSION = "0.1.0"

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]
# A repository's idempotent index setup, called as `setup(db=db)`.
IndexSetup = Callable[..., Awaitable[None]]

log = logging.getLogger("helpdesk")


def service_app(*, title: str, description: str, lifespan: Lifespan) -> FastAPI:
    """A FastAPI app with the shared error envelope, `/healthz` + `/readyz`, and slow
    requests logged."""
    app = FastAPI(
        title=title,
        version=VERSION,
        description=description,
        lifespan=lifespan,
        dependencies=[Depends(_step_of_route)],
    )
    install_error_handlers(app)
    app.add_middleware(SlowRequestLog)
    app.include_router(health_router())
    return app


async def _step_of_route(request: Request) -> None:
    """While the MongoDB command tally is on, the commands of a request (its audit entry
    included) count for its route, e.g. `POST /v1/tickets/{ticket_id}/actions/claim`. A
    dependency, so the route is known; it runs in the request's own task."""
    if getattr(request.app.state, "db_tally", None) is not None:
        route = request.scope.get("route")
        name_step(f"{request.method} {getattr(route, 'path', request.url.path)}")


@asynccontextmanager
async def base_state(
    app: FastAPI, settings: Settings | None, *, process: str
) -> AsyncIterator[Database]:
    """Settings (read from the environment now unless given), the database, and a readiness
    check of it, on `app.state`; the client closes when the app stops. `process` names the
    service in the MongoDB command tally, when a benchmark asks for one."""
    app.state.settings = resolved = settings or Settings()
    app.state.db_tally = tally = tally_from_env()
    client = create_mongo_client(resolved, [tally] if tally else [])
    app.state.db = db = get_database(client, resolved)
    checks: dict[str, ReadinessCheck] = {"mongodb": lambda: ping(db)}
    app.state.readiness_checks = checks
    try:
        async with tally_written(tally, process):
            yield db
    finally:
        await client.close()


async def create_indexes(db: Database, setups: Sequence[IndexSetup]) -> None:
    """Run every index setup (each is idempotent)."""
    with step("startup"):
        for setup in setups:
            await setup(db=db)


async def create_indexes_before_serving(
    db: Database, setups: Sequence[IndexSetup], *, patience: float
) -> bool:
    """Create the indexes before the first request when MongoDB answers within `patience`
    seconds; False leaves them to the service's retry loop, so a service still starts while
    MongoDB is away. Before serving, because SecantusDB can deadlock when an index build
    and a journaled insert that creates the same collection run at once."""
    try:
        async with asyncio.timeout(patience):
            await create_indexes(db, setups)
    except Exception as exc:
        log.warning("indexes not created before serving, will retry: %s", exc)
        return False
    return True
