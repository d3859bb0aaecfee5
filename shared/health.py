"""Liveness and readiness endpoints shared by every HTTP service."""

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from shared.errors import error_body

ReadinessCheck = Callable[[], Awaitable[object]]


class Health(BaseModel):
    status: str
    checks: dict[str, str] = {}


async def run_checks(checks: Mapping[str, ReadinessCheck], seconds_each: float) -> dict[str, str]:
    """Run every check at once; map each dependency to "ok" or the reason it failed."""

    async def one(check: ReadinessCheck) -> str:
        try:
            await asyncio.wait_for(check(), seconds_each)
        except TimeoutError:
            return f"no answer within {seconds_each:g}s"
        except Exception as exc:  # any failure means "not ready"; its text says why
            return f"{type(exc).__name__}: {exc}"[:300]
        return "ok"

    results = await asyncio.gather(*(one(check) for check in checks.values()))
    return dict(zip(checks, results, strict=True))


def health_router() -> APIRouter:
    """`/healthz` answers while the process runs; `/readyz` checks `app.state.readiness_checks`."""
    router = APIRouter(tags=["health"])

    @router.get("/healthz", response_model=Health)
    async def healthz() -> Health:
        return Health(status="ok")

    @router.get("/readyz", response_model=Health, responses={503: {"description": "not ready"}})
    async def readyz(request: Request) -> Health | JSONResponse:
        checks: Mapping[str, ReadinessCheck] = request.app.state.readiness_checks
        timeout: float = request.app.state.settings.readiness_timeout_seconds
        results = await run_checks(checks, timeout)
        failing = sorted(name for name, result in results.items() if result != "ok")
        if failing:
            return JSONResponse(
                error_body(
                    "dependency_unavailable",
                    f"Not ready: {', '.join(failing)} did not answer.",
                    {"failing": failing, "checks": results},
                ),
                status_code=503,
            )
        return Health(status="ready", checks=results)

    return router
