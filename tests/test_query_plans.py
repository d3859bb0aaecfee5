"""No hot query scans a collection: the help desk's processes run against a desk that has
been in use (1,500 closed tickets and their customers, histories, notifications, inbox
items), every query they send on the hot paths is recorded by their command tally, and
each distinct query shape is planned by the embedded MongoDB server (SecantusDB).

The hot paths walked: filing by token and by API key, login, every action on a ticket, the
list and the detail, the worker's steps and the assignment queue, notify's outbox drain,
dispatch and sweep, the inbox, knowledge's search, suggestions, syncer and event writer,
the statistics refresh and reports, and intake's sweeper. A new query on any of them that
no index serves fails here, naming the step that sent it.

How SecantusDB plans, which is what `scans` checks (its planner is rule-based, so data of
any size gets the same plan):
- `explain` reports IXSCAN for a filter an index serves; else, at run time, the first
  top-level field whose clause alone an index serves fetches the candidates;
- a top-level `$and` / `$or`, a filter on no indexed field, and an empty filter scan;
- findAndModify always scans: it wraps the filter in `$and` for the write;
- `count` (not `count_documents`) always scans;
- a partial index is used only when the filter implies its partial expression by
  equalities and ranges (never by `$type`).
"""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from bson import json_util

from devstack.desk_data import fill_desk
from devstack.seed import DEMO_PASSWORD, seed_demo_data
from devstack.servers import free_port, start_all, stop_all
from devstack.stack import process_environment, services
from services.intake.main import INDEXES as INTAKE_INDEXES
from services.intake.tickets.models import TicketCreate
from services.intake.tickets.service import new_ticket_document
from services.knowledge.main import INDEXES as KNOWLEDGE_INDEXES
from services.notify.main import INDEXES as NOTIFY_INDEXES
from services.workflows.activities import ensure_indexes as ensure_worker_indexes
from services.workflows.stats.refresh import refresh_ticket_stats
from shared import collections
from shared.app import create_indexes
from shared.clock import utcnow
from shared.db_commands import CommandTally, Query, step
from shared.mongo import Database, create_mongo_client, get_database
from shared.settings import Environment, Settings
from shared.sla import DEFAULT_SLA_POLICY
from tests.conftest import REPO_ROOT, Servers

HISTORY_TICKETS = 1_500
# Collections that stay small whatever the desk's size (admin-configured, or one document
# per kind): a scan of them costs what an index lookup does.
BOUNDED = frozenset(
    {
        collections.SETTINGS,
        collections.COUNTERS,
        collections.GROUPS,
        collections.STATS_STATE,
        collections.WEBHOOK_SUBSCRIPTIONS,
        collections.API_KEYS,
        collections.CANNED_RESPONSES,
        "meta",
    }
)

pytestmark = pytest.mark.timeout(600)


async def _index_of(db: Database, query: Query) -> str | None:
    command: dict[str, Any] = {"find": query.collection, "filter": query.filter}
    if query.sort:
        command["sort"] = query.sort
    plan = (await db.command("explain", command, verbosity="queryPlanner"))["queryPlanner"]
    stage = plan["winningPlan"]
    while stage:
        if stage.get("stage") == "IXSCAN":
            return str(stage["indexName"])
        stage = stage.get("inputStage")
    return None


async def scans(db: Database, query: Query) -> str | None:
    """Why SecantusDB scans the collection for `query`; None when an index serves it."""
    if query.collection in BOUNDED or query.collection.startswith("system."):
        return None
    if query.command == "findAndModify":
        return "findAndModify scans the collection (its write filter is wrapped in $and)"
    if query.command == "count":
        return "the count command scans the collection (use count_documents)"
    if not query.filter:
        # An empty filter sorted by an indexed field walks that index.
        if query.sort and await _index_of(db, query) is not None:
            return None
        return "an empty filter"
    if await _index_of(db, query) is not None:
        return None
    if any(field.startswith("$") for field in query.filter):
        return "a top-level $and/$or (no index serves it)"
    for field, clause in query.filter.items():
        alone = Query(query.collection, "find", {field: clause}, None)
        if await _index_of(db, alone) is not None:
            return None
    return "no index serves any of its fields"


@dataclass
class Desk:
    settings: Settings
    db: Database
    http: httpx.AsyncClient
    tally_dir: Path
    tokens: dict[str, str]

    async def login(self, email: str) -> dict[str, str]:
        if email not in self.tokens:
            response = await self.http.post(
                f"{self.settings.intake_url}/v1/auth/token",
                data={"username": email, "password": DEMO_PASSWORD},
            )
            assert response.status_code == 200, response.text
            self.tokens[email] = response.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[email]}"}

    async def call(self, who: str, method: str, url: str, expect: int = 200, **kwargs: Any) -> Any:
        headers = {**(await self.login(who)), **kwargs.pop("headers", {})}
        response = await self.http.request(method, url, headers=headers, **kwargs)
        assert response.status_code == expect, f"{method} {url}: {response.text}"
        if not response.headers.get("content-type", "").startswith("application/json"):
            return response.content
        return response.json()

    def intake(self, path: str) -> str:
        return f"{self.settings.intake_url}{path}"

    async def act(self, who: str, ticket_id: str, action: str, **body: Any) -> Any:
        return await self.call(
            who, "POST", self.intake(f"/v1/tickets/{ticket_id}/actions/{action}"), json=body
        )

    async def placed(self, ticket_id: str) -> dict[str, Any]:
        """The ticket once its first steps are written (assigned or queued)."""
        for _ in range(300):
            ticket = await self.db[collections.TICKETS].find_one({"_id": ticket_id})
            if ticket and ticket.get("auto_answer") is not None:
                return ticket
            await asyncio.sleep(0.1)
        raise AssertionError(f"ticket {ticket_id} never settled")

    def steps(self) -> set[str]:
        """Every step that sent a command."""
        return {
            row["step"]
            for path in self.tally_dir.glob("*.json")
            for row in json_util.loads(path.read_text(encoding="utf-8"))["commands"]
        }

    def queries(self) -> list[tuple[str, str, Query]]:
        """(process, step, query) of every shape the processes sent."""
        found = []
        for path in sorted(self.tally_dir.glob("*.json")):
            for row in json_util.loads(path.read_text(encoding="utf-8"))["queries"]:
                query = Query(row["collection"], row["command"], row["filter"], row["sort"])
                found.append((path.stem, row["step"], query))
        return found


@contextlib.asynccontextmanager
async def used_desk(servers: Servers, tmp_path: Path) -> AsyncIterator[Desk]:
    settings = servers.settings(
        intake_url=f"http://127.0.0.1:{free_port()}",
        knowledge_url=f"http://127.0.0.1:{free_port()}",
        notify_url=f"http://127.0.0.1:{free_port()}",
        workflow_sweep_interval_seconds=1.0,
        meili_index_prefix=f"plans_{uuid.uuid4().hex[:8]}_",
    )
    client = create_mongo_client(settings)
    db = get_database(client, settings)
    # The indexes every process creates at its start, then the desk's past, then the
    # processes: their tallies hold what they do with a desk in use, not its setup.
    for setups in (INTAKE_INDEXES, KNOWLEDGE_INDEXES, NOTIFY_INDEXES):
        await create_indexes(db, setups)
    await ensure_worker_indexes(db)
    await seed_demo_data(db, settings.model_copy(update={"environment": Environment.DEVELOPMENT}))
    await fill_desk(db, tickets=HISTORY_TICKETS)
    tally_dir = tmp_path / "tally"
    env = process_environment(settings) | {
        "MONGO_COMMAND_TALLY_DIR": str(tally_dir),
        "MONGO_COMMAND_TALLY_QUERIES": "1",
    }
    processes = await start_all(services(settings, env), tmp_path / "log", REPO_ROOT)
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            yield Desk(settings=settings, db=db, http=http, tally_dir=tally_dir, tokens={})
    finally:
        stop_all(processes)
        await client.drop_database(settings.mongodb_db)
        await client.close()


async def walk_the_hot_paths(desk: Desk) -> None:
    intake, db = desk.intake, desk.db
    ticket = {
        "type": "technical",
        "category": "connection",
        "title": "无法连接服务器",
        "description": "Since this morning the app says: connection refused.",
    }
    # A client system files for a new customer and for one with years of tickets.
    key = await desk.call("admin@example.com", "POST", intake("/v1/admin/api-keys"), 201,
                          json={"name": "shop"})  # fmt: skip
    system = {"X-API-Key": key["key"]}
    filed = []
    for email in ("new-customer@example.com", "history-0000007@customers.example.com"):
        response = await desk.http.post(
            intake("/v1/tickets"), headers=system, json={**ticket, "customer": {"email": email}}
        )
        assert response.status_code == 201, response.text
        filed.append(response.json()["id"])
    # A customer of the portal files with an attachment, after searching the FAQ.
    upload = await desk.call(
        "alice@example.com", "POST", intake("/v1/attachments"), 201,
        files={"file": ("screen.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png")},
    )  # fmt: skip
    knowledge = desk.settings.knowledge_url
    session = {"X-Portal-Session": "portal-session-1"}
    for _ in range(300):  # the syncer has brought the FAQ into the index
        if await db[collections.FAQ_ARTICLES].find_one({"index_pending": True}) is None:
            break
        await asyncio.sleep(0.1)
    search = await desk.http.get(f"{knowledge}/v1/search", params={"q": "密码"}, headers=session)
    assert search.status_code == 200, search.text
    suggest = await desk.http.post(
        f"{knowledge}/v1/suggest", json={"title": "忘记密码", "description": "怎么办"}
    )
    assert suggest.status_code == 200, suggest.text
    mine = await desk.call(
        "alice@example.com", "POST", intake("/v1/tickets"), 201, headers=session,
        json={**ticket, "attachment_ids": [upload["id"]], "type": "account",
              "category": "login", "title": "登录失败"},
    )  # fmt: skip
    filed.append(mine["id"])
    for ticket_id in filed:
        await desk.placed(ticket_id)
    # Every action, on alice's ticket.
    admin, alice, manager = "admin@example.com", "alice@example.com", "manager@example.com"
    ticket_id = mine["id"]
    await desk.call(admin, "POST", intake(f"/v1/tickets/{ticket_id}/messages"), 201,
                    json={"body": "请问是哪个版本？", "visibility": "public"})  # fmt: skip
    await desk.call(admin, "POST", intake(f"/v1/tickets/{ticket_id}/messages"), 201,
                    json={"body": "legacy plan", "visibility": "internal"})  # fmt: skip
    await desk.act(admin, ticket_id, "request-info", message="请提供截图")
    await desk.call(alice, "POST", intake(f"/v1/tickets/{ticket_id}/messages"), 201,
                    json={"body": "version 3.2"})  # fmt: skip
    await desk.act(admin, ticket_id, "verify-identity", method="sms code", passed=True)
    await desk.act(admin, ticket_id, "record-operation", operation="password reset")
    await desk.act(admin, ticket_id, "set-priority", priority="high", reason="VIP")
    await desk.act(admin, ticket_id, "add-collaborator", group="technical_team")
    await desk.act(admin, ticket_id, "escalate", level=1, reason="needs senior")
    tech = await db[collections.USERS].find_one({"email": "tech@example.com"})
    assert tech is not None
    await desk.act(manager, ticket_id, "assign", agent_id=tech["_id"])
    await desk.act(admin, ticket_id, "resolve", solution="Reset done.")
    await desk.act(alice, ticket_id, "reopen", reason="still fails")
    await desk.act(admin, ticket_id, "resolve", solution="Cache cleared too.")
    await desk.act(alice, ticket_id, "confirm", rating=5, comment="好")
    # A queued ticket claimed from the queue; a duplicate merged; an invalid one closed.
    await db[collections.USERS].update_many({"groups": "frontline"}, {"$set": {"available": False}})
    queued = await desk.call(alice, "POST", intake("/v1/tickets"), 201,
                             json={**ticket, "title": "网络断开"})  # fmt: skip
    await desk.placed(queued["id"])
    await desk.act(admin, queued["id"], "claim")
    await desk.act(
        admin, filed[1], "merge", into_ticket_id=filed[0], different_customer_reason="one shop"
    )
    await desk.act(admin, filed[0], "close", reason="invalid")
    await desk.act(admin, queued["id"], "resolve", solution="Router restarted.")
    # Reading: the lists and the detail, as each role sees them.
    for who, params in ((alice, {}), (admin, {"status": "pending"}), (manager, {"q": "网络"})):
        await desk.call(who, "GET", intake("/v1/tickets"), params=params)
    await desk.call(admin, "GET", intake(f"/v1/tickets/{ticket_id}"))
    await desk.call(alice, "GET", intake(f"/v1/tickets/{ticket_id}"))
    await desk.call(admin, "GET", intake(f"/v1/attachments/{upload['id']}"))
    # The inbox; the FAQ read and voted on; an article the syncer brings into the index.
    notify = desk.settings.notify_url
    for _ in range(100):
        inbox = await desk.call(alice, "GET", f"{notify}/v1/inbox")
        if inbox["items"]:
            break
        await asyncio.sleep(0.1)
    await desk.call(alice, "POST", f"{notify}/v1/inbox/{inbox['items'][0]['id']}/read")
    await desk.call(alice, "POST", f"{notify}/v1/inbox/read-all")
    article_id = search.json()["hits"][0]["id"]
    await desk.http.get(f"{knowledge}/v1/articles/{article_id}", headers=session)
    voted = await desk.http.post(f"{knowledge}/v1/articles/{article_id}/vote",
                                 json={"helpful": True, "session": "portal-session-1"})  # fmt: skip
    assert voted.status_code == 204, voted.text
    article = await desk.call(admin, "POST", f"{knowledge}/v1/articles", 201,
                              json={"question": "如何导出发票？", "answer": "在订单页点击导出。",
                                    "type": "order", "category": "invoice", "lang": "zh-CN",
                                    "status": "published"})  # fmt: skip
    for _ in range(200):
        stored = await db[collections.FAQ_ARTICLES].find_one({"_id": article["id"]})
        if stored and stored["index_pending"] is False:
            break
        await asyncio.sleep(0.1)
    # A ticket stored while Temporal was away: intake's sweeper starts its workflow.
    filed_at = utcnow() - timedelta(minutes=5)
    orphan = new_ticket_document(
        ticket_id="orphan-ticket", number=999_999, data=TicketCreate.model_validate(ticket),
        submitter={"id": "history-customer-0000009", "name": "", "email": None},
        policy=DEFAULT_SLA_POLICY, now=filed_at,
    )  # fmt: skip
    await db[collections.TICKETS].insert_one(orphan)
    await desk.placed("orphan-ticket")
    # The statistics: refreshed (as the worker's schedule does every minute), then read.
    tally = CommandTally(keep_queries=True)
    client = create_mongo_client(desk.settings, [tally])
    with step("statistics refresh"):
        await refresh_ticket_stats(db=get_database(client, desk.settings), now=utcnow())
    await client.close()
    for report in ("volume", "efficiency", "sla", "agents", "problems", "satisfaction"):
        await desk.call(manager, "GET", intake(f"/v1/stats/{report}"))
    await desk.call(manager, "GET", f"{knowledge}/v1/stats/deflection")
    (desk.tally_dir / "statistics-refresh.json").write_text(
        json_util.dumps(tally.as_json()), encoding="utf-8"
    )
    await asyncio.sleep(2.5)  # the dispatcher's sweep, the tallies written


async def test_no_query_of_the_hot_paths_scans_a_collection(
    servers: Servers, tmp_path: Path
) -> None:
    async with used_desk(servers, tmp_path) as desk:
        await walk_the_hot_paths(desk)
        queries, steps = desk.queries(), desk.steps()
        # The walk reached every part it is meant to check.
        for expected in (
            "POST /v1/tickets",
            "POST /v1/auth/token",
            "POST /v1/tickets/{ticket_id}/actions/resolve",
            "GET /v1/tickets",
            "activity record_step",
            "activity assign_agent",
            "activity release_agent",
            "accept notifications",
            "dispatcher send",
            "dispatcher sweep",
            "GET /v1/inbox",
            "syncer",
            "sweeper",
            "statistics refresh",
            "GET /v1/stats/sla",
        ):
            assert expected in steps, f"the walk did not reach {expected!r}: {sorted(steps)}"
        scanning = []
        for process, step_name, query in queries:
            if step_name == "startup":  # what a process does once when it starts
                continue
            reason = await scans(desk.db, query)
            if reason is not None:
                shown = json_util.dumps(query.filter)[:200]
                scanning.append(
                    f"{process} / {step_name}: {query.command} {query.collection} {shown}"
                    f" sort={query.sort}: {reason}"
                )
        assert not scanning, "queries that scan a collection:\n" + "\n".join(scanning)


async def test_the_check_catches_a_query_no_index_serves(db: Database) -> None:
    await create_indexes(db, INTAKE_INDEXES)
    users = collections.USERS
    assert await scans(db, Query(users, "find", {"email": "a@example.com"}, None)) is None
    assert await scans(db, Query(users, "find", {"name": "Alice"}, None)) is not None
    assert await scans(db, Query(users, "find", {"$and": [{"email": "a@x.y"}]}, None))
    assert await scans(db, Query(users, "findAndModify", {"_id": "u1"}, None))
    # The run-time rule: one field an index serves fetches the candidates.
    assert await scans(db, Query(users, "update", {"_id": "u1", "name": "A"}, None)) is None
