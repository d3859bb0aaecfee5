"""Real servers for the suite: SecantusDB, the Temporal dev server, Meilisearch and the SMTP
sink, started once per session on free ports so a running `make run` does not matter."""

import contextlib
import uuid
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from fastapi import FastAPI
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from devstack.servers import VENV_BIN, RunningProcess, start_all, stop_all
from devstack.stack import ServerPorts, servers_on_free_ports
from services.workflows.activities import ensure_indexes as ensure_event_indexes
from services.workflows.worker import build_worker
from shared.mongo import Database, create_mongo_client, get_database
from shared.settings import Environment, Settings
from shared.temporal import connect_temporal
from tests.lifecycle_support import Desk, running_desk

if TYPE_CHECKING:
    from tests.intake_support import Api
    from tests.knowledge_support import Knowledge

REPO_ROOT = Path(__file__).resolve().parent.parent
MEILI_KEY = "test-master-key-0123456789"


@dataclass(frozen=True)
class Servers:
    ports: ServerPorts
    var: Path
    processes: tuple[RunningProcess, ...]

    def settings(self, **overrides: object) -> Settings:
        """Settings pointing at these servers, with a database and task queue of its own."""
        values: dict[str, object] = {
            **self.ports.settings_values(),
            "environment": Environment.TEST,
            "mongodb_db": f"test_{uuid.uuid4().hex[:12]}",
            "meili_master_key": MEILI_KEY,
            # a task queue of the test's own: no other test's worker picks up its workflows
            "temporal_task_queue": f"tickets-{uuid.uuid4().hex[:8]}",
            "workflow_sweep_interval_seconds": 3600.0,  # tests call the sweeper themselves
        }
        values.update(overrides)
        return Settings.model_validate(values)

    @property
    def maildir(self) -> Path:
        return self.var / "mail"

    @property
    def smtp_port(self) -> int:
        return self.ports.smtp


@pytest.fixture(scope="session")
async def servers(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Servers]:
    var = tmp_path_factory.mktemp("stack")
    ports, specs = servers_on_free_ports(var, MEILI_KEY)
    processes = await start_all(specs, var / "log", REPO_ROOT)
    try:
        yield Servers(ports=ports, var=var, processes=tuple(processes))
    finally:
        stop_all(processes)


@pytest.fixture
def settings(servers: Servers) -> Settings:
    return servers.settings()


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    client = create_mongo_client(settings)
    database = get_database(client, settings)
    try:
        yield database
    finally:
        await client.drop_database(settings.mongodb_db)
        await client.close()


@pytest.fixture
async def temporal(settings: Settings) -> Client:
    return await connect_temporal(settings)


@pytest.fixture
async def worker(temporal: Client, db: Database, settings: Settings) -> AsyncIterator[Worker]:
    """A ticket worker on a task queue of the test's own, writing to the test's database."""
    from tests.notify_support import accepting_notifications

    await ensure_event_indexes(db)
    running = build_worker(temporal, db, settings.temporal_task_queue)
    async with running, accepting_notifications(temporal, db, settings.temporal_task_queue):
        yield running


@pytest.fixture
async def time_skipping() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping test server of the test's own: timers of days fire in milliseconds.
    (Shared between tests it stops skipping once a workflow was terminated with an activity
    in flight, so every test gets a fresh one; it starts in about a second.)"""
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=str(VENV_BIN / "temporal-test-server"),
    )
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture
async def desk(time_skipping: WorkflowEnvironment, db: Database) -> AsyncIterator[Desk]:
    """A ticket worker on the time-skipping server, writing to the test's database."""
    async with running_desk(time_skipping, db) as running:
        yield running


async def lifespan_client(
    app: FastAPI, base_url: str, headers: dict[str, str] | None = None
) -> AsyncGenerator[httpx.AsyncClient, None]:
    """An HTTP client for `app` (sending `headers`), with the app's lifespan run around it."""
    # An unhandled error is a 500 response the test can assert on, as a real server sends.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url=base_url, headers=headers) as client,
    ):
        yield client


@pytest.fixture
async def api(settings: Settings, db: Database, worker: Worker) -> AsyncIterator["Api"]:
    """The intake API with a ticket worker behind it and the test people seeded."""
    from tests.intake_support import running_api

    async with contextlib.aclosing(running_api(settings, db)) as apis:
        async for running in apis:
            yield running


@pytest.fixture
async def knowledge(settings: Settings, db: Database) -> AsyncIterator["Knowledge"]:
    """The knowledge service on indexes of the test's own."""
    from tests.knowledge_support import running_knowledge

    async with contextlib.aclosing(running_knowledge(settings, db)) as services:
        async for running in services:
            yield running
