"""The whole local stack as process specs, derived from the settings (one source of truth:
the URLs the services connect to are the ports the embedded servers listen on)."""

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from pymongo.uri_parser import parse_uri
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from devstack.servers import (
    Probe,
    ProcessSpec,
    free_port,
    http_probe,
    meili_server,
    mongo_server,
    smtp_sink,
    temporal_server,
)
from shared.settings import Settings, embedded_mongodb_url

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class DevstackSettings(Settings):
    """The service settings plus where the local stack keeps its data."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    devstack_var_dir: Path = Path("var")
    devstack_temporal_ui_port: int | None = 8233
    # How many processes of intake, knowledge, notify and the worker (`make run COPIES=2`):
    # copy n of a service listens 10 × (n - 1) ports above the first.
    devstack_copies: int = Field(default=1, ge=1, le=8)

    def with_copies(self) -> "DevstackSettings":
        """These settings with the router's further URLs of each copy beyond the first."""
        if self.devstack_copies == 1:
            return self

        def more(url: str) -> list[str]:
            host, port = _url_port(url)
            return [f"http://{host}:{port + 10 * n}" for n in range(1, self.devstack_copies)]

        return self.model_copy(
            update={
                "router_intake_urls": more(self.intake_url),
                "router_knowledge_urls": more(self.knowledge_url),
                "router_notify_urls": more(self.notify_url),
            }
        )


def _url_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.hostname is None or parts.port is None:
        raise ValueError(f"{url!r} must name a host and a port")
    return parts.hostname, parts.port


def _mongo_host_port(url: str) -> tuple[str, int]:
    host, port = parse_uri(url)["nodelist"][0]
    return host, port


def _temporal_host_port(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host, int(port)


def embedded_servers(settings: DevstackSettings) -> list[ProcessSpec]:
    """The embedded servers for every dependency the settings place on loopback; a
    dependency pointed at another host is used as it is."""
    var = settings.devstack_var_dir
    specs: list[ProcessSpec] = []
    host, port = _mongo_host_port(settings.mongodb_url)
    if host in LOOPBACK:
        specs.append(mongo_server(port=port, storage=var / "mongo"))
    host, port = _temporal_host_port(settings.temporal_address)
    if host in LOOPBACK:
        specs.append(
            temporal_server(
                port=port,
                ui_port=settings.devstack_temporal_ui_port,
                db_file=var / "temporal.db",
                namespace=settings.temporal_namespace,
            )
        )
    host, port = _url_port(settings.meili_url)
    if host in LOOPBACK:
        specs.append(
            meili_server(
                port=port,
                data_dir=var / "meili",
                master_key=settings.meili_master_key.get_secret_value(),
            )
        )
    if settings.smtp_host in LOOPBACK:
        specs.append(smtp_sink(port=settings.smtp_port, maildir=var / "mail"))
    return specs


def _uvicorn(
    name: str, factory: str, url: str, env: Mapping[str, str], probe_path: str = "/readyz"
) -> ProcessSpec:
    _, port = _url_port(url)
    return ProcessSpec(
        name=name,
        argv=[
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            factory,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        port=port,
        probe=http_probe(f"{url}{probe_path}"),
        env=env,
    )


def worker_probe(settings: Settings) -> Probe:
    """Ready once the worker polls the ticket task queue."""

    async def probe() -> bool:
        client = await Client.connect(
            settings.temporal_address, namespace=settings.temporal_namespace
        )
        response = await client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=settings.temporal_namespace,
                task_queue=TaskQueue(name=settings.temporal_task_queue),
                task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
            )
        )
        return len(response.pollers) > 0

    return probe


def services(
    settings: Settings, env: Mapping[str, str] | None = None, *, workers: int = 1
) -> list[ProcessSpec]:
    """The help desk's own processes, with `env` added to their environment (the settings
    of a stack other than the default one): `workers` workers, and a copy of intake,
    knowledge and notify for each further URL the router spreads their requests over
    (`router_*_urls`) that lies on this machine."""
    env = env or {}
    return [
        *(
            ProcessSpec(
                name="worker" if n == 1 else f"worker-{n}",
                argv=[sys.executable, "-m", "services.workflows.worker"],
                port=None,
                # (ready once any worker polls: a second one cannot be told apart)
                probe=worker_probe(settings),
                env=env,
            )
            for n in range(1, workers + 1)
        ),
        *_copies("intake", "services.intake.main:create_app", settings.intake_url,
                 settings.router_intake_urls, env),
        *_copies("knowledge", "services.knowledge.main:create_app", settings.knowledge_url,
                 settings.router_knowledge_urls, env),
        *_copies("notify", "services.notify.main:create_app", settings.notify_url,
                 settings.router_notify_urls, env),
    ]  # fmt: skip


def _copies(
    name: str, factory: str, url: str, more: list[str], env: Mapping[str, str]
) -> list[ProcessSpec]:
    """A service's process at `url`, then `name-2`, `name-3`… at those of `more` that lie
    on this machine."""
    return [
        _uvicorn(name, factory, url, env),
        *(
            _uvicorn(f"{name}-{n}", factory, extra, env)
            for n, extra in enumerate(more, start=2)
            if _url_port(extra)[0] in LOOPBACK
        ),
    ]


def web_router(settings: Settings, env: Mapping[str, str] | None = None) -> ProcessSpec:
    """The web app's one origin (services/router); up once it answers, built app or not
    (`make run` builds it first)."""
    return _uvicorn(
        "router", "services.router.main:create_app", settings.web_url, env or {}, "/healthz"
    )


def settings_environment(values: Mapping[str, object]) -> dict[str, str]:
    """Settings as the environment variables a process reads them from (lists and
    mappings as JSON, as pydantic-settings reads them)."""
    return {
        key.upper(): json.dumps(value) if isinstance(value, list | dict) else str(value)
        for key, value in values.items()
    }


def process_environment(settings: Settings) -> dict[str, str]:
    """The environment that gives a child process exactly `settings` (secrets included;
    unset optional ones left out)."""
    values = json.loads(settings.model_dump_json()) | {
        "meili_master_key": settings.meili_master_key.get_secret_value(),
        "jwt_secret": settings.jwt_secret.get_secret_value(),
    }
    return {key: value for key, value in settings_environment(values).items() if value != "None"}


@dataclass(frozen=True)
class ServerPorts:
    mongo: int
    temporal: int
    meili: int
    smtp: int

    def settings_values(self) -> dict[str, object]:
        """The settings that point a process at these servers."""
        return {
            "mongodb_url": embedded_mongodb_url(self.mongo),
            "temporal_address": f"127.0.0.1:{self.temporal}",
            "meili_url": f"http://127.0.0.1:{self.meili}",
            "smtp_port": self.smtp,
        }


def servers_on_free_ports(
    var: Path, meili_master_key: str
) -> tuple[ServerPorts, list[ProcessSpec]]:
    """The four embedded servers on free ports with their data in `var`, for a stack of
    one's own (tests, benchmarks) beside a running `make run`. Temporal runs headless."""
    ports = ServerPorts(
        mongo=free_port(), temporal=free_port(), meili=free_port(), smtp=free_port()
    )
    specs = [
        mongo_server(port=ports.mongo, storage=var / "mongo"),
        temporal_server(port=ports.temporal, ui_port=None, db_file=var / "temporal.db"),
        meili_server(port=ports.meili, data_dir=var / "meili", master_key=meili_master_key),
        smtp_sink(port=ports.smtp, maildir=var / "mail"),
    ]
    return ports, specs
