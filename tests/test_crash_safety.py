"""Nothing accepted is lost: a ticket answered with 201 survives the database being killed,
and a ticket filed while no worker runs is taken up when the worker returns."""

import asyncio
from pathlib import Path

from temporalio.client import Client

from devstack.servers import free_port, mongo_server, start_all, stop_all
from services.intake.main import create_app
from services.workflows.activities import ensure_indexes
from services.workflows.worker import build_worker
from shared.mongo import Database
from shared.settings import Settings, embedded_mongodb_url
from tests.conftest import REPO_ROOT, lifespan_client
from tests.intake_support import bearer
from tests.test_tickets_api import NEW_TICKET


async def test_accepted_tickets_survive_sigkill_of_the_database(
    tmp_path: Path, settings: Settings
) -> None:
    port = free_port()
    spec = mongo_server(port=port, storage=tmp_path / "mongo")
    own_db = settings.model_copy(update={"mongodb_url": embedded_mongodb_url(port)})
    [mongo] = await start_all([spec], tmp_path / "log", REPO_ROOT)
    try:
        accepted: list[dict[str, object]] = []
        async for intake in lifespan_client(create_app(own_db), "http://intake", bearer(own_db)):
            for index in range(20):
                response = await intake.post(
                    "/v1/tickets", json={**NEW_TICKET, "title": f"#{index}"}
                )
                assert response.status_code == 201
                accepted.append(response.json())
            mongo.kill()  # SIGKILL right after the last acknowledgement
    finally:
        stop_all([mongo])

    [restarted] = await start_all([spec], tmp_path / "log", REPO_ROOT)
    try:
        async for intake in lifespan_client(create_app(own_db), "http://intake", bearer(own_db)):
            for ticket in accepted:
                response = await intake.get(f"/v1/tickets/{ticket['id']}")
                assert response.status_code == 200, ticket
                assert response.json()["title"] == ticket["title"]
                assert response.json()["number"] == ticket["number"]
            # the number counter survived too: no number is handed out twice
            fresh = (await intake.post("/v1/tickets", json=NEW_TICKET)).json()
            assert fresh["number"] > max(int(str(t["number"])) for t in accepted)
    finally:
        stop_all([restarted])


async def test_a_ticket_filed_while_no_worker_runs_is_taken_up_later(
    settings: Settings, db: Database, temporal: Client
) -> None:
    async for intake in lifespan_client(create_app(settings), "http://intake", bearer(settings)):
        ticket = (await intake.post("/v1/tickets", json=NEW_TICKET)).json()
        await asyncio.sleep(1)
        detail = (await intake.get(f"/v1/tickets/{ticket['id']}")).json()
        assert detail["history"] == []  # no worker yet: nothing has run

        await ensure_indexes(db)
        async with build_worker(temporal, db, settings.temporal_task_queue):
            for _ in range(100):
                detail = (await intake.get(f"/v1/tickets/{ticket['id']}")).json()
                if detail["history"]:
                    break
                await asyncio.sleep(0.1)
        assert detail["history"][0]["action"] == "created"
