"""Slow requests leave a warning naming the route and how long it took; quick ones none."""

import asyncio
import logging

import httpx
import pytest
from fastapi import FastAPI

from shared import slow_requests
from shared.slow_requests import SlowRequestLog


def app_with_a_slow_route() -> FastAPI:
    app = FastAPI()
    app.add_middleware(SlowRequestLog)

    @app.get("/v1/tickets/{ticket_id}")
    async def slow(ticket_id: str) -> dict[str, str]:
        await asyncio.sleep(0.2)
        return {"id": ticket_id}

    @app.get("/quick")
    async def quick() -> dict[str, str]:
        return {}

    return app


async def test_a_slow_request_is_logged_with_its_route_and_a_quick_one_is_not(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(slow_requests, "SLOW_SECONDS", 0.1)
    transport = httpx.ASGITransport(app=app_with_a_slow_route())
    with caplog.at_level(logging.WARNING, logger="helpdesk.slow"):
        async with httpx.AsyncClient(transport=transport, base_url="http://desk") as client:
            assert (await client.get("/quick")).status_code == 200
            assert (await client.get("/v1/tickets/secret-id?q=private")).status_code == 200
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 1
    assert messages[0].startswith("slow request: GET /v1/tickets/{ticket_id} answered 200 after")
    assert "secret-id" not in messages[0]
    assert "private" not in messages[0]
