"""Each kind of refusal the domain raises answers with its own HTTP status, in the envelope."""

import asyncio

import httpx
import pytest
from fastapi import FastAPI

from shared import refusals
from shared.errors import STATUS_OF_REFUSAL, ApiError, install_error_handlers, status_of


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        (refusals.Malformed, 400),
        (refusals.NotAuthenticated, 401),
        (refusals.NotPermitted, 403),
        (refusals.NotFound, 404),
        (refusals.Conflict, 409),
        (refusals.UnsupportedMedia, 415),
        (refusals.Invalid, 422),
    ],
)
def test_each_kind_has_its_status(kind: type[refusals.Refusal], status: int) -> None:
    assert status_of(kind("some_code", "message")) == status


def test_every_kind_is_mapped() -> None:
    kinds = {
        cls
        for cls in vars(refusals).values()
        if isinstance(cls, type) and issubclass(cls, refusals.Refusal)
    }
    kinds.discard(refusals.Refusal)
    assert kinds == set(STATUS_OF_REFUSAL)


def test_an_http_refusal_keeps_its_own_status() -> None:
    assert status_of(ApiError(429, "rate_limited", "Slow down.")) == 429


def test_a_refusal_answers_in_the_envelope() -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/thing")
    async def thing() -> None:
        raise refusals.Conflict("ticket_closed", "Closed.", {"ticket_id": "t-1"})

    async def ask() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://desk") as client:
            return await client.get("/thing")

    answer = asyncio.run(ask())
    assert answer.status_code == 409
    assert answer.json() == {
        "error": {"code": "ticket_closed", "message": "Closed.", "details": {"ticket_id": "t-1"}}
    }
