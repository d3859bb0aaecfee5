"""Every HTTP service answers /healthz while it runs and /readyz only when its
dependencies answer; otherwise 503 naming the dependency that failed."""

from collections.abc import Callable

import pytest
from fastapi import FastAPI

from services.intake.main import create_app as create_intake
from services.knowledge.main import create_app as create_knowledge
from services.notify.main import create_app as create_notify
from shared.settings import Settings
from tests.conftest import lifespan_client
from tests.intake_support import bearer

AppFactory = Callable[[Settings], FastAPI]

SERVICES: list[tuple[AppFactory, set[str]]] = [
    (create_intake, {"mongodb", "temporal"}),
    (create_knowledge, {"mongodb", "meilisearch"}),
    (create_notify, {"mongodb", "smtp", "temporal"}),
]

DEAD: dict[str, dict[str, object]] = {
    "mongodb": {"mongodb_url": "mongodb://127.0.0.1:1/?directConnection=true"},
    "temporal": {"temporal_address": "127.0.0.1:1"},
    "meilisearch": {"meili_url": "http://127.0.0.1:1"},
    "smtp": {"smtp_port": 1},
}


@pytest.mark.parametrize(("factory", "dependencies"), SERVICES)
async def test_ready_when_dependencies_answer(
    settings: Settings, factory: AppFactory, dependencies: set[str]
) -> None:
    async for client in lifespan_client(factory(settings), "http://service"):
        assert (await client.get("/healthz")).json() == {"status": "ok", "checks": {}}
        response = await client.get("/readyz")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "ready"
        assert body["checks"] == dict.fromkeys(dependencies, "ok")


@pytest.mark.parametrize(
    ("factory", "dead"),
    [(factory, dead) for factory, dependencies in SERVICES for dead in sorted(dependencies)],
)
async def test_not_ready_names_the_failing_dependency(
    settings: Settings, factory: AppFactory, dead: str
) -> None:
    broken = settings.model_copy(update={**DEAD[dead], "readiness_timeout_seconds": 1.0})
    async for client in lifespan_client(factory(broken), "http://service"):
        assert (await client.get("/healthz")).status_code == 200  # alive all the same
        response = await client.get("/readyz")
        assert response.status_code == 503
        error = response.json()["error"]
        assert error["code"] == "dependency_unavailable"
        assert error["details"]["failing"] == [dead]
        assert dead in error["message"]


async def test_each_service_publishes_its_openapi(settings: Settings) -> None:
    for factory, _ in SERVICES:
        async for client in lifespan_client(factory(settings), "http://service"):
            document = (await client.get("/openapi.json")).json()
            assert "/readyz" in document["paths"]
    async for client in lifespan_client(create_intake(settings), "http://intake"):
        paths = (await client.get("/openapi.json")).json()["paths"]
        assert "/v1/tickets" in paths
        assert "/v1/tickets/{ticket_id}" in paths
        for action in ("claim", "assign", "resolve", "confirm", "merge", "record-operation"):
            assert f"/v1/tickets/{{ticket_id}}/actions/{action}" in paths


async def test_filing_while_the_database_is_down_is_a_clear_503(settings: Settings) -> None:
    broken = settings.model_copy(update={**DEAD["mongodb"], "readiness_timeout_seconds": 0.2})
    async for client in lifespan_client(create_intake(broken), "http://intake", bearer(broken)):
        response = await client.post(
            "/v1/tickets",
            json={"type": "order", "category": "refund", "title": "退钱", "description": "x"},
        )
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "database_unavailable"
