"""Several processes of each kind against the same servers, on this machine: what
`bench/scale.py` measures and `tests/test_scale_out.py` checks.

`scale_stack(copies)` starts the embedded servers on free ports, then `copies` processes
each of intake, knowledge, notify and the worker and the web router in front of them,
under `make run`'s supervisor (a killed process is started again). `Filer` is a client
system filing through every intake process in turn, each ticket with its own
Idempotency-Key, and asking again, on the next process, when one does not answer: so a
killed process may make it ask twice, and the desk must still keep the ticket once.
`consistency_checks` says whether what the copies did together holds: every acknowledged
ticket stored once with its workflow, every notification delivered once, one budget of
wrong passwords across intake processes, and an agent's presence seen through another
process."""

import asyncio
import contextlib
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.filing import FILING_ENV, prepare_desk, ticket_body
from devstack.chaos import WebhookCounter, check_everything, kill_in_turn, login, receiving
from devstack.servers import free_port
from devstack.stack import servers_on_free_ports, services, settings_environment, web_router
from devstack.supervisor import Supervisor
from shared import collections
from shared.mongo import Database, create_mongo_client, get_database
from shared.settings import DEV_JWT_SECRET, DEV_MEILI_MASTER_KEY, Environment, Settings

REPO_ROOT = Path(__file__).resolve().parent.parent
# One copy of each kind, killed in turn while the load runs (each is started again).
SECOND_COPIES = ("intake-2", "knowledge-2", "notify-2", "worker-2")
MAX_ASKS = 40  # a client system asks again at most this often per ticket
ASK_AGAIN_SECONDS = 0.25


@dataclass
class ScaleStack:
    settings: Settings
    db: Database
    supervisor: Supervisor
    key: str  # the client system's API key
    var: Path
    webhooks: WebhookCounter
    said: list[tuple[float, str]]

    @property
    def intake_urls(self) -> list[str]:
        return [self.settings.intake_url, *self.settings.router_intake_urls]


def _urls(copies: int) -> list[str]:
    return [f"http://127.0.0.1:{free_port()}" for _ in range(copies)]


@contextlib.asynccontextmanager
async def scale_stack(copies: int, *, quiet: bool = True) -> AsyncIterator[ScaleStack]:
    """The desk with `copies` processes of each kind, a client system's key and a webhook
    subscription to every event (to a receiver counting each delivery)."""
    said: list[tuple[float, str]] = []

    def say(line: str) -> None:
        said.append((time.monotonic(), line))
        if not quiet:
            print(line, flush=True)

    webhooks = WebhookCounter()
    with tempfile.TemporaryDirectory(prefix="helpdesk-scale-") as tmp:
        var = Path(tmp)
        ports, server_specs = servers_on_free_ports(var, DEV_MEILI_MASTER_KEY)
        intake, knowledge, notify = _urls(copies), _urls(copies), _urls(copies)
        values: dict[str, object] = {
            **ports.settings_values(),
            "environment": Environment.TEST.value,
            "mongodb_db": "scale",
            "intake_url": intake[0],
            "knowledge_url": knowledge[0],
            "notify_url": notify[0],
            "router_intake_urls": intake[1:],
            "router_knowledge_urls": knowledge[1:],
            "router_notify_urls": notify[1:],
            "web_url": f"http://127.0.0.1:{free_port()}",
            "web_dist_dir": str(REPO_ROOT / "web" / "dist"),
            "jwt_secret": DEV_JWT_SECRET,
            "webhook_allow_private_targets": True,  # the receiver is on this machine
            "workflow_sweep_interval_seconds": 5.0,
        }
        settings = Settings.model_validate(values)
        env = settings_environment(values) | FILING_ENV
        supervisor = Supervisor(var, REPO_ROOT, say=say)
        mongo = create_mongo_client(settings)
        try:
            await supervisor.start(server_specs)
            db = get_database(mongo, settings)
            key = await prepare_desk(db, settings)
            await supervisor.start(
                [*services(settings, env, workers=copies), web_router(settings, env)]
            )
            admin = {"Authorization": f"Bearer {await login(settings, 'admin@example.com')}"}
            async with httpx.AsyncClient(timeout=30) as http, receiving(webhooks) as hook_url:
                (
                    await http.post(
                        f"{settings.web_url}/v1/webhooks",
                        json={"url": hook_url, "events": ["*"]},
                        headers=admin,
                    )
                ).raise_for_status()
                yield ScaleStack(settings, db, supervisor, key, var, webhooks, said)
        finally:
            await mongo.close()
            await supervisor.stop()


@dataclass
class Filer:
    """A client system filing through every intake process in turn."""

    urls: list[str]
    key: str
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    acknowledged: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)  # the Idempotency-Key of each
    by_intake: Counter[str] = field(default_factory=Counter)
    seen: Counter[str] = field(default_factory=Counter)
    asked_again: int = 0
    given_up: int = 0
    _next: int = 0
    _clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)

    def _client(self, url: str) -> httpx.AsyncClient:
        if url not in self._clients:
            self._clients[url] = httpx.AsyncClient(
                base_url=url, headers={"X-API-Key": self.key}, timeout=30
            )
        return self._clients[url]

    async def file(self, index: int) -> None:
        """File ticket `index`, asking the next process again until one accepts it."""
        key = f"{self.tag}-{index}"
        for ask in range(MAX_ASKS):
            url = self.urls[self._next % len(self.urls)]
            self._next += 1
            try:
                response = await self._client(url).post(
                    "/v1/tickets",
                    json=ticket_body(index, self.tag),
                    headers={"Idempotency-Key": key},
                )
            except httpx.TransportError as exc:  # the process is away
                self.seen[f"no answer ({type(exc).__name__})"] += 1
            else:
                self.seen[str(response.status_code)] += 1
                if response.status_code in (200, 201):
                    self.acknowledged.append(response.json()["id"])
                    self.keys.append(key)
                    self.by_intake[url] += 1
                    return
                if response.status_code < 500 and response.status_code != 429:
                    response.raise_for_status()
            self.asked_again += ask == 0
            await asyncio.sleep(ASK_AGAIN_SECONDS)
        self.given_up += 1

    async def run(self, stop: asyncio.Event, *, concurrency: int, limit: int) -> float:
        """File with `concurrency` requests in flight until `stop` or `limit` tickets; the
        seconds it took."""
        indexes = iter(range(limit))
        started = time.perf_counter()

        async def lane() -> None:
            for index in indexes:
                if stop.is_set():
                    return
                await self.file(index)

        await asyncio.gather(*(lane() for _ in range(concurrency)))
        return time.perf_counter() - started

    async def close(self) -> None:
        for client in self._clients.values():
            await client.aclose()


async def kill_second_copies(
    stack: ScaleStack, *, between: float, victims: tuple[str, ...] = SECOND_COPIES
) -> list[dict[str, Any]]:
    """SIGKILL one copy of each kind in turn, `between` seconds apart; how long each was
    away until the supervisor had it serving again."""
    return await kill_in_turn(stack.supervisor, stack.said, victims=victims, between=between)


async def consistency_checks(stack: ScaleStack, filer: Filer) -> dict[str, object]:
    """What held across the copies (every bool True when all is well)."""
    settings, db = stack.settings, stack.db
    async with httpx.AsyncClient(timeout=30) as http:
        checks = await check_everything(
            settings, db, filer.acknowledged, stack.var, stack.webhooks, http
        )
        stored_of_run = await db[collections.TICKETS].count_documents(
            {"idempotency.key": {"$regex": f":{filer.tag}-"}}
        )
        checks |= {
            "tickets_acknowledged": len(filer.acknowledged),
            "tickets_stored_for_the_run": stored_of_run,
            "every_ticket_once": stored_of_run == len(set(filer.keys)) == len(filer.acknowledged)
            and len(set(filer.acknowledged)) == len(filer.acknowledged),
            "no_ticket_given_up": filer.given_up == 0,
            "filed_through_every_intake": len(filer.by_intake) == len(stack.intake_urls),
            **await _login_budget_is_shared(http, stack),
            **await _presence_is_shared(http, stack, filer.acknowledged[0]),
        }
    return checks


async def _login_budget_is_shared(http: httpx.AsyncClient, stack: ScaleStack) -> dict[str, bool]:
    """Wrong passwords for one account, alternating between intake processes, are refused
    after the one budget (LOGIN_ATTEMPTS_PER_MINUTE), not after one per process."""
    budget = stack.settings.login_attempts_per_minute
    codes = []
    for attempt in range(budget + 2):
        url = stack.intake_urls[attempt % len(stack.intake_urls)]
        response = await http.post(
            f"{url}/v1/auth/token",
            data={"username": "agent1@example.com", "password": f"wrong-{attempt}"},
        )
        codes.append(response.status_code)
    return {"one_login_budget_across_intakes": codes == [401] * budget + [429] * 2}


async def _presence_is_shared(
    http: httpx.AsyncClient, stack: ScaleStack, ticket_id: str
) -> dict[str, bool]:
    """An agent's presence on a ticket, told to one intake process, is seen through the
    last one."""
    first, last = stack.intake_urls[0], stack.intake_urls[-1]
    manager = {"Authorization": f"Bearer {await login(stack.settings, 'manager@example.com')}"}
    admin = {"Authorization": f"Bearer {await login(stack.settings, 'admin@example.com')}"}
    told = await http.put(
        f"{first}/v1/tickets/{ticket_id}/presence", json={"typing": True}, headers=manager
    )
    told.raise_for_status()
    seen = await http.get(
        f"{last}/v1/tickets/presence", params={"ticket_id": ticket_id}, headers=admin
    )
    seen.raise_for_status()
    viewers = seen.json()["items"]
    return {
        "presence_seen_through_another_intake": any(
            viewer.get("typing") and viewer.get("ticket_id") == ticket_id for viewer in viewers
        )
    }
