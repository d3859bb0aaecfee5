"""`make run`: the whole help desk on embedded servers, until Ctrl-C.

Starts MongoDB (SecantusDB), Temporal (dev server, SQLite), Meilisearch and an SMTP sink,
then the worker, intake, knowledge, notify and the web app's router; seeds demo data once;
prints where everything is; then supervises them (devstack/supervisor.py). Data stays under
var/ between runs.
"""

import asyncio
import signal
import sys
from pathlib import Path

from devstack.seed import DEMO_PASSWORD, demo_logins, seed_demo_data
from devstack.servers import StackError, check_ports_free
from devstack.stack import (
    DevstackSettings,
    embedded_servers,
    services,
    settings_environment,
    web_router,
)
from devstack.supervisor import Supervisor
from shared.mongo import create_mongo_client, get_database

REPO_ROOT = Path(__file__).resolve().parent.parent


def banner(settings: DevstackSettings) -> str:
    var = settings.devstack_var_dir
    ui = (
        f"http://127.0.0.1:{settings.devstack_temporal_ui_port}"
        if settings.devstack_temporal_ui_port
        else "(headless)"
    )
    logins = "\n".join(f"    {email:<22} {role}" for email, role in demo_logins())
    return f"""
  Customer portal {settings.web_url}/
  Agent console   {settings.web_url}/console

  Intake API      {settings.intake_url}/docs
  Knowledge API   {settings.knowledge_url}/docs
  Notify API      {settings.notify_url}/docs
  Temporal UI     {ui}   (gRPC {settings.temporal_address})
  Meilisearch     {settings.meili_url}
  MongoDB         {settings.mongodb_url}
  SMTP sink       {settings.smtp_host}:{settings.smtp_port}  (mail in {var / "mail"}/new)
  Logs            {var / "log"}/

  Demo logins (password "{DEMO_PASSWORD}"):
{logins}

  Try it (log in as a customer, then file a ticket):
    TOKEN=$(curl -s -X POST {settings.intake_url}/v1/auth/token \\
      -d 'username=alice@example.com&password={DEMO_PASSWORD}' \\
      | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
    curl -s -X POST {settings.intake_url}/v1/tickets -H "Authorization: Bearer $TOKEN" \\
      -H 'Content-Type: application/json' \\
      -d '{{"type": "technical", "category": "connection", "title": "无法连接服务器",
           "description": "Since this morning the app cannot reach the server."}}'

Help desk is running. A process that exits is started again; Ctrl-C stops everything.
"""


async def run(settings: DevstackSettings) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    var = settings.devstack_var_dir
    var.mkdir(parents=True, exist_ok=True)
    servers = embedded_servers(settings)
    settings = settings.with_copies()
    copies = settings_environment(
        {
            "router_intake_urls": settings.router_intake_urls,
            "router_knowledge_urls": settings.router_knowledge_urls,
            "router_notify_urls": settings.router_notify_urls,
        }
        if settings.devstack_copies > 1
        else {}
    )
    apps = [
        *services(settings, copies, workers=settings.devstack_copies),
        web_router(settings, copies),
    ]
    check_ports_free(servers + apps)

    supervisor = Supervisor(var, REPO_ROOT)
    try:
        print("Starting " + ", ".join(spec.name for spec in servers) + " ...", flush=True)
        await supervisor.start(servers)
        if settings.is_development:
            mongo = create_mongo_client(settings)
            try:
                if await seed_demo_data(get_database(mongo, settings), settings):
                    print("Seeded demo data (groups, agents, customers, FAQ).", flush=True)
            finally:
                await mongo.close()
        print("Starting " + ", ".join(spec.name for spec in apps) + " ...", flush=True)
        await supervisor.start(apps)
        print(banner(settings), flush=True)
        if await supervisor.supervise(stop) is not None:
            return 1
        print("\nStopping ...", flush=True)
        return 0
    finally:
        await supervisor.stop()
        print("Stopped.", flush=True)


def main() -> None:
    settings = DevstackSettings()
    try:
        code = asyncio.run(run(settings))
    except StackError as exc:
        print(f"\nmake run: {exc}", file=sys.stderr)
        code = 1
    sys.exit(code)


if __name__ == "__main__":
    main()
