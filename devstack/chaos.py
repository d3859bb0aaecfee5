"""`make chaos`: the desk under fault injection, bounded in time and load.

The whole stack runs under `make run`'s supervisor on free ports. While a client system
files tickets and a manager replies to some of them, each process in turn (the worker,
intake, knowledge, notify, MongoDB, Temporal, Meilisearch) is killed with SIGKILL, and
the supervisor starts it again. Afterwards the run checks that every acknowledged ticket
exists with its workflow, that every SLA timer due has fired, that every notification
was delivered and none twice (e-mails counted by Message-ID, webhook deliveries by id; an
e-mail in flight at notify's kill is sent again with its Message-ID, and reported),
and that search answers again with its index caught up. What clients saw is counted:
answers by status, 503s with and without Retry-After, refused connections while intake
was away. Figures in bench/results/chaos.json; the exit code says whether every check held.
"""

import asyncio
import contextlib
import email
import json
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from temporalio.service import RPCError

from bench.common import REPO_ROOT, write_result
from bench.filing import FILING_ENV, prepare_desk, ticket_body, wait_settled
from devstack.seed import DEMO_PASSWORD
from devstack.servers import free_port
from devstack.stack import servers_on_free_ports, services, settings_environment
from devstack.supervisor import Supervisor
from shared import collections
from shared.clock import utcnow
from shared.mongo import create_mongo_client, get_database
from shared.settings import DEV_JWT_SECRET, DEV_MEILI_MASTER_KEY, Environment, Settings
from shared.temporal import connect_temporal
from shared.tickets import ticket_workflow_id

VICTIMS = ("worker", "intake", "knowledge", "notify", "mongodb", "temporal", "meilisearch")
SECONDS_BETWEEN_KILLS = float(os.environ.get("CHAOS_SECONDS_BETWEEN_KILLS", "15"))
FILE_EVERY_SECONDS = 0.5  # the client system's pace
RESPONSE_SECONDS = 90  # every priority's first-response target: the timers fire in the run
SETTLE_LIMIT_SECONDS = 900


class WebhookCounter:
    """A receiver that counts each delivery id it is sent (a real one dedupes on it)."""

    def __init__(self) -> None:
        self.ids: Counter[str] = Counter()

    async def hook(self, request: Request) -> Response:
        await request.body()
        self.ids[request.headers.get("x-helpdesk-delivery", "")] += 1
        return Response(status_code=204)


@contextlib.asynccontextmanager
async def receiving(counter: WebhookCounter) -> AsyncIterator[str]:
    port = free_port()
    app = Starlette(routes=[Route("/hook", counter.hook, methods=["POST"])])
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
            await asyncio.sleep(0.05)
        yield f"http://127.0.0.1:{port}/hook"
    finally:
        server.should_exit = True
        await task


class Client:
    """The load: tickets filed by a client system, replies by a manager; what they saw."""

    def __init__(self, settings: Settings, key: str, manager_token: str) -> None:
        self.http = httpx.AsyncClient(base_url=settings.intake_url, timeout=30)
        self.key = {"X-API-Key": key}
        self.manager = {"Authorization": f"Bearer {manager_token}"}
        self.acknowledged: list[str] = []
        self.seen: Counter[str] = Counter()
        self.server_errors: list[str] = []

    def note(self, response: httpx.Response) -> None:
        status = response.status_code
        if status == 503:
            self.seen["503 with Retry-After" if "retry-after" in response.headers else "503"] += 1
        else:
            self.seen[str(status)] += 1
        if status >= 500 and status != 503:
            self.server_errors.append(
                f"{status} {response.request.url.path}: {response.text[:200]}"
            )

    async def run(self, stop: asyncio.Event) -> None:
        index = 0
        while not stop.is_set():
            index += 1
            try:
                filed = await self.http.post(
                    "/v1/tickets", json=ticket_body(index, "chaos"), headers=self.key
                )
                self.note(filed)
                if filed.status_code == 201:
                    self.acknowledged.append(filed.json()["id"])
                if index % 3 == 0 and self.acknowledged:
                    replied = await self.http.post(
                        f"/v1/tickets/{self.acknowledged[-2 if len(self.acknowledged) > 1 else -1]}"
                        "/messages",
                        json={"body": "我们正在处理。", "visibility": "public"},
                        headers=self.manager,
                    )
                    self.note(replied)
            except httpx.TransportError as exc:  # intake itself away
                self.seen[f"no answer ({type(exc).__name__})"] += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), FILE_EVERY_SECONDS)


async def login(settings: Settings, email_address: str) -> str:
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(
            f"{settings.intake_url}/v1/auth/token",
            data={"username": email_address, "password": DEMO_PASSWORD},
        )
        response.raise_for_status()
        token: str = response.json()["access_token"]
        return token


def mail_message_ids(maildir: Path) -> Counter[str]:
    ids: Counter[str] = Counter()
    for path in (maildir / "new").glob("*"):
        message = email.message_from_bytes(path.read_bytes())
        ids[str(message.get("Message-ID", path.name))] += 1
    return ids


async def kill_in_turn(
    supervisor: Supervisor,
    said: list[tuple[float, str]],
    *,
    victims: tuple[str, ...] = VICTIMS,
    between: float = SECONDS_BETWEEN_KILLS,
) -> list[dict[str, Any]]:
    """SIGKILL each of `victims` in turn, `between` seconds apart; how long each was away
    until the supervisor said it was serving again."""
    kills: list[dict[str, Any]] = []
    for name in victims:
        await asyncio.sleep(between)
        process = next(p for p in supervisor.processes if p.spec.name == name)
        killed_at = time.monotonic()
        os.kill(process.pid, signal.SIGKILL)
        back_at = None
        for _ in range(1200):  # at most two minutes
            back = [
                at
                for at, line in said
                if at > killed_at and line.startswith(f"{name} is serving again")
            ]
            if back:
                back_at = back[0]
                break
            await asyncio.sleep(0.1)
        kills.append(
            {
                "process": name,
                "seconds_away": None if back_at is None else round(back_at - killed_at, 1),
            }
        )
        # (the worker counts as back once it polls; for a minute the killed one's poller is
        # still listed, so its figure is when it was started again)
        print(f"killed {name}: back after {kills[-1]['seconds_away']} s", flush=True)
    return kills


async def main() -> dict[str, object]:
    said: list[tuple[float, str]] = []

    def say(line: str) -> None:
        said.append((time.monotonic(), line))
        print(line, flush=True)

    counter = WebhookCounter()
    with tempfile.TemporaryDirectory(prefix="helpdesk-chaos-") as tmp:
        var = Path(tmp)
        ports, server_specs = servers_on_free_ports(var, DEV_MEILI_MASTER_KEY)
        values: dict[str, object] = {
            **ports.settings_values(),
            "environment": Environment.TEST.value,
            "mongodb_db": "chaos",
            "intake_url": f"http://127.0.0.1:{free_port()}",
            "knowledge_url": f"http://127.0.0.1:{free_port()}",
            "notify_url": f"http://127.0.0.1:{free_port()}",
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
            await supervisor.start(services(settings, env))
            admin = {"Authorization": f"Bearer {await login(settings, 'admin@example.com')}"}
            async with httpx.AsyncClient(timeout=30) as http, receiving(counter) as hook_url:
                policies = (
                    await http.get(f"{settings.intake_url}/v1/admin/sla-policies", headers=admin)
                ).json()["policies"]
                short = {
                    priority: {**policy, "response_seconds": RESPONSE_SECONDS}
                    for priority, policy in policies.items()
                }
                (
                    await http.put(
                        f"{settings.intake_url}/v1/admin/sla-policies",
                        json={"policies": short},
                        headers=admin,
                    )
                ).raise_for_status()
                (
                    await http.post(
                        f"{settings.notify_url}/v1/webhooks",
                        json={"url": hook_url, "events": ["*"]},
                        headers=admin,
                    )
                ).raise_for_status()
                client = Client(settings, key, await login(settings, "manager@example.com"))
                stop_supervising, stop_load = asyncio.Event(), asyncio.Event()
                supervising = asyncio.create_task(supervisor.supervise(stop_supervising))
                load = asyncio.create_task(client.run(stop_load))
                started = time.monotonic()
                kills = await kill_in_turn(supervisor, said)
                await asyncio.sleep(SECONDS_BETWEEN_KILLS)
                stop_load.set()
                await load
                load_seconds = time.monotonic() - started
                print(f"{len(client.acknowledged)} tickets acknowledged; settling ...", flush=True)
                await wait_settled(db, client.acknowledged, limit=SETTLE_LIMIT_SECONDS)
                # every first-response timer due by now has had time to fire
                await asyncio.sleep(RESPONSE_SECONDS + 10)
                checks = await check_everything(
                    settings, db, client.acknowledged, var, counter, http
                )
                stop_supervising.set()
                gave_up = await supervising
            await client.http.aclose()
        finally:
            await mongo.close()
            await supervisor.stop()
    figures: dict[str, object] = {
        "description": __doc__.strip() if __doc__ else "",
        "load_seconds": round(load_seconds, 1),
        "kills": kills,
        "clients_saw": dict(sorted(client.seen.items())),
        "server_errors": client.server_errors[:20],
        "acknowledged_tickets": len(client.acknowledged),
        "supervisor_gave_up_on": None if gave_up is None else gave_up.spec.name,
        "checks": checks,
        "all_held": all(value is True for value in checks.values() if isinstance(value, bool))
        and not client.server_errors
        and all(kill["seconds_away"] is not None for kill in kills),
    }
    write_result("chaos", figures)
    return figures


def response_clock(ticket: dict[str, Any]) -> dict[str, Any]:
    clock: dict[str, Any] = (ticket.get("sla") or {}).get("response") or {}
    return clock


async def check_everything(
    settings: Settings,
    db: Any,
    acknowledged: list[str],
    var: Path,
    counter: WebhookCounter,
    http: httpx.AsyncClient,
) -> dict[str, object]:
    stored = {
        doc["_id"]: doc
        async for doc in db[collections.TICKETS].find({"_id": {"$in": acknowledged}})
    }
    temporal = await connect_temporal(settings)
    missing_workflows = 0
    for ticket_id in acknowledged:
        try:
            await temporal.get_workflow_handle(ticket_workflow_id(ticket_id)).describe()
        except RPCError:
            missing_workflows += 1
    now = utcnow()
    overdue_unfired = [
        ticket_id
        for ticket_id, doc in stored.items()
        if (response := response_clock(doc)).get("due_at")
        and response["due_at"] < now
        and not response.get("met_at")
        and not response.get("breached_at")
    ]
    deliveries: Counter[str] = Counter()
    async for delivery in db[collections.NOTIFICATION_DELIVERIES].find(
        {}, projection={"channel": 1, "status": 1}
    ):
        deliveries[f"{delivery['channel']}:{delivery['status']}"] += 1
    mails = mail_message_ids(var / "mail")
    search = await http.get(f"{settings.knowledge_url}/v1/search", params={"q": "密码"})
    pending_index = await db[collections.FAQ_ARTICLES].count_documents({"index_pending": True})
    return {
        "every_acknowledged_ticket_stored": len(stored) == len(acknowledged),
        "workflows_missing": missing_workflows,
        "every_ticket_has_its_workflow": missing_workflows == 0,
        "response_timers_due": sum(
            1 for doc in stored.values() if (response_clock(doc).get("due_at") or now) < now
        ),
        "response_timers_due_not_fired": len(overdue_unfired),
        "every_due_timer_fired": not overdue_unfired,
        "deliveries_by_channel_and_status": dict(sorted(deliveries.items())),
        "every_delivery_sent": all(key.endswith(":sent") for key in deliveries),
        # Counted by Message-ID, as mail systems do: an e-mail in flight when notify died is
        # sent again after its lease with the same Message-ID (docs/NOTIFY.md), and shown once.
        "emails": len(mails),
        "emails_resent_with_the_same_message_id": sum(1 for n in mails.values() if n > 1),
        "no_email_twice": len(mails) == deliveries.get("email:sent", 0),
        "webhook_deliveries": len(counter.ids),
        "webhook_deliveries_twice": sum(1 for count in counter.ids.values() if count > 1),
        "no_webhook_delivery_twice": all(count == 1 for count in counter.ids.values()),
        "search_answers": search.status_code == 200 and bool(search.json().get("hits")),
        "index_caught_up": pending_index == 0,
    }


if __name__ == "__main__":
    outcome = asyncio.run(main())
    print(json.dumps(outcome["checks"], indent=2))
    sys.exit(0 if outcome["all_held"] else 1)
