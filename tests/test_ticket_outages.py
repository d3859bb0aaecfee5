"""When Temporal or the worker does not answer, an action is a quick 503 with Retry-After
that changed nothing; never a hang, never a 500."""

import asyncio

from services.intake.main import create_app
from shared import collections
from shared.auth import Principal
from shared.mongo import Database
from shared.settings import Settings
from tests.conftest import lifespan_client
from tests.intake_support import NEW_TICKET, bearer, seed_people

AGENT = Principal(id="u-agent1", role="agent", name="Agent1", groups=("frontline",))


async def _file_and_act(settings: Settings, db: Database) -> tuple[int, dict[str, str], str]:
    async for intake in lifespan_client(create_app(settings), "http://intake", bearer(settings)):
        ticket = (await intake.post("/v1/tickets", json=NEW_TICKET)).json()
        response = await asyncio.wait_for(
            intake.post(
                f"/v1/tickets/{ticket['id']}/actions/verify-identity",
                json={"method": "sms", "passed": True},
                headers=bearer(settings, AGENT),
            ),
            timeout=30,
        )
        body = response.json()
        return response.status_code, dict(response.headers), body["error"]["code"]
    raise AssertionError("unreachable")


async def test_action_while_temporal_is_down_is_503(settings: Settings, db: Database) -> None:
    await seed_people(db)
    down = settings.model_copy(
        update={"temporal_address": "127.0.0.1:1", "workflow_update_timeout_seconds": 3.0}
    )
    status, headers, code = await _file_and_act(down, db)
    assert (status, code) == (503, "workflow_unavailable")
    assert headers["retry-after"].isdigit()


async def test_action_while_no_worker_runs_is_503_and_changes_nothing(
    settings: Settings, db: Database
) -> None:
    await seed_people(db)
    no_worker = settings.model_copy(update={"workflow_update_timeout_seconds": 1.0})
    status, headers, code = await _file_and_act(no_worker, db)
    assert (status, code) == (503, "workflow_unavailable")
    assert "retry-after" in headers
    assert await db[collections.TICKET_EVENTS].count_documents({}) == 0
