"""Bulk actions over the real intake API, Temporal and MongoDB: every ticket of a selection
or a view changed once, illegal ones skipped with their reason, a worker that stops half
way taken over by the next, and the undo of reversible changes."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from temporalio.client import Client
from temporalio.worker import Worker

from services.workflows.activities import ensure_indexes
from services.workflows.worker import build_worker
from shared.mongo import Database
from shared.settings import Settings
from tests.intake_support import Api, running_api
from tests.notify_support import accepting_notifications


@contextlib.asynccontextmanager
async def ticket_worker(temporal: Client, db: Database, queue: str) -> AsyncIterator[Worker]:
    worker = build_worker(temporal, db, queue)
    async with worker, accepting_notifications(temporal, db, queue):
        yield worker


@pytest.fixture
async def desk(settings: Settings, db: Database) -> AsyncIterator[Api]:
    """The intake API without a worker: each test runs its own (and may stop it)."""
    await ensure_indexes(db)
    busy = settings.model_copy(update={"rate_limit_per_second": 1000, "rate_limit_burst": 1000})
    async for api in running_api(busy, db):
        # Many alike tickets of one customer: neither duplicates nor a repeated problem.
        answer = await api.call(
            "admin",
            "PUT",
            "/v1/admin/settings",
            json={
                "duplicate_window_seconds": 0,
                "repeat_escalation": {"count": 100},
                "auto_answer": {"enabled": False},
            },
        )
        assert answer.status_code == 200, answer.text
        yield api


async def file_many(api: Api, count: int, **fields: Any) -> list[dict[str, Any]]:
    tickets = []
    for start in range(0, count, 20):
        batch = [
            api.file("alice", title=f"Printer {n} offline", **fields)
            for n in range(start, min(start + 20, count))
        ]
        tickets.extend(await asyncio.gather(*batch))
    return tickets


async def settled(api: Api, ticket_ids: list[str]) -> None:
    """Until each ticket's workflow has taken it (assigned or queued: a second event)."""
    for _ in range(600):
        taken = await api.db["ticket_events"].count_documents(
            {"ticket_id": {"$in": ticket_ids}, "seq": 1}
        )
        if taken == len(ticket_ids):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{taken} of {len(ticket_ids)} tickets taken by their workflow")


async def start(api: Api, who: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = await api.call(who, "POST", "/v1/bulk-actions", json=body)
    assert answer.status_code == 202, answer.text
    action: dict[str, Any] = answer.json()
    return action


async def until_phase(api: Api, action_id: str, *phases: str) -> dict[str, Any]:
    action: dict[str, Any] = {}
    for _ in range(1200):
        action = (await api.call("manager", "GET", f"/v1/bulk-actions/{action_id}")).json()
        if action["phase"] in phases:
            return action
        await asyncio.sleep(0.05)
    raise AssertionError(f"never reached {phases}: {action}")


async def all_items(api: Api, action_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    after = ""
    while True:
        page = (
            await api.call("manager", "GET", f"/v1/bulk-actions/{action_id}/items{after}")
        ).json()
        items.extend(page["items"])
        if page["next_cursor"] is None:
            return items
        after = f"?after={page['next_cursor']}"


async def assignments_by(api: Api, ticket_id: str, actor_id: str) -> list[dict[str, Any]]:
    history = (await api.detail("manager", ticket_id))["history"]
    return [
        event
        for event in history
        if event["action"] == "assigned" and (event.get("actor") or {}).get("id") == actor_id
    ]


async def test_bulk_assign_survives_a_worker_stop_and_changes_each_ticket_once(
    desk: Api, temporal: Client, db: Database, settings: Settings
) -> None:
    queue = settings.temporal_task_queue
    async with ticket_worker(temporal, db, queue):
        tickets = await file_many(desk, 120)
        ids = [t["id"] for t in tickets]
        await settled(desk, ids)
        agent2 = desk.ids["agent2"]
        action = await start(
            desk,
            "manager",
            {"kind": "assign", "params": {"agent_id": desk.ids["agent2"]}, "ticket_ids": ids},
        )
        assert action["total"] == 120
        # The worker stops once part of the tickets are done; the next one finishes.
        for _ in range(600):
            progress = await desk.call("manager", "GET", f"/v1/bulk-actions/{action['id']}")
            if progress.json()["tally"]["done"] >= 50:
                break
            await asyncio.sleep(0.02)
        assert progress.json()["tally"]["done"] < 120
    async with ticket_worker(temporal, db, queue):
        done = await until_phase(desk, action["id"], "applied")
        items = await all_items(desk, action["id"])
        assert [item["ticket_id"] for item in items] == ids
        # Each ticket was read just before its change: one already with the agent is
        # skipped, any other changed, and assigned by the manager exactly once.
        skipped = [i for i in items if i["outcome"] == "skipped"]
        assert all(i["code"] == "already_assigned" for i in skipped)
        assert all((i["previous"]["assignee_id"] == agent2) for i in skipped)
        assert done["tally"] == {
            "done": 120,
            "changed": 120 - len(skipped),
            "skipped": len(skipped),
            "undone": 0,
            "not_undone": 0,
        }
        for item in items:
            detail = await desk.detail("manager", item["ticket_id"])
            assert detail["assignee"]["id"] == agent2
            changes = await assignments_by(desk, item["ticket_id"], desk.ids["manager"])
            assert len(changes) == (1 if item["outcome"] == "changed" else 0), item

        # Undo: each ticket goes back to who had it; one nobody had stays as it is.
        answer = await desk.call("manager", "POST", f"/v1/bulk-actions/{action['id']}/undo")
        assert answer.status_code == 202, answer.text
        undone = await until_phase(desk, action["id"], "undone")
        changed = [i for i in items if i["outcome"] == "changed"]
        had_someone = [i for i in changed if i["previous"]["assignee_id"]]
        assert len(had_someone) >= 10  # the tickets agent1 had
        assert undone["tally"]["undone"] == len(had_someone)
        assert undone["tally"]["not_undone"] == len(changed) - len(had_someone)
        for item in had_someone:
            assignee = (await desk.detail("manager", item["ticket_id"]))["assignee"]
            assert assignee["id"] == item["previous"]["assignee_id"]
        for item in await all_items(desk, action["id"]):
            if item["outcome"] == "changed" and not item["previous"]["assignee_id"]:
                assert item["undo_code"] == "nothing_to_restore"
        again = await desk.call("manager", "POST", f"/v1/bulk-actions/{action['id']}/undo")
        assert (again.status_code, again.json()["error"]["code"]) == (409, "undo_unavailable")


async def test_a_view_beyond_one_page_and_tickets_the_change_is_not_legal_for(
    desk: Api, temporal: Client, db: Database, settings: Settings
) -> None:
    async with ticket_worker(temporal, db, settings.temporal_task_queue):
        tickets = await file_many(desk, 130, type="order", category="refund")
        others = await file_many(desk, 3)  # not in the view
        await settled(desk, [t["id"] for t in tickets])
        closed = tickets[0]["id"]
        answer = await desk.act("manager", closed, "close", {"reason": "invalid"})
        assert answer.status_code == 200, answer.text
        urgent = tickets[1]["id"]
        answer = await desk.act(
            "manager", urgent, "set-priority", {"priority": "urgent", "reason": "VIP"}
        )
        assert answer.status_code == 200, answer.text

        action = await start(
            desk,
            "manager",
            {
                "kind": "set_priority",
                "params": {"priority": "urgent", "reason": "outage"},
                "filters": {"type": ["order"], "status": ["pending", "processing", "closed"]},
            },
        )
        assert action["total"] == 130
        # The progress is pushed until the action has ended.
        frames = []
        async with desk.client.stream(
            "GET",
            f"/v1/bulk-actions/{action['id']}/stream",
            headers=await desk.headers("manager"),
        ) as stream:
            async for line in stream.aiter_lines():
                if line.startswith("data:"):
                    frames.append(line)
        assert len(frames) >= 2
        done = await until_phase(desk, action["id"], "applied")
        assert '"phase":"applied"' in frames[-1].replace(" ", "")
        assert (done["tally"]["changed"], done["tally"]["skipped"]) == (128, 2)
        skipped = (
            await desk.call(
                "manager", "GET", f"/v1/bulk-actions/{action['id']}/items?outcome=skipped"
            )
        ).json()["items"]
        assert {(i["ticket_id"], i["code"]) for i in skipped} == {
            (closed, "ticket_closed"),
            (urgent, "illegal_transition"),
        }
        for ticket in others:
            assert (await desk.detail("manager", ticket["id"]))["priority"] != "urgent"


@pytest.mark.parametrize(
    ("who", "body", "status", "code"),
    [
        ("agent1", {"kind": "assign", "params": {"agent_id": "u-agent2"}}, 403, "not_permitted"),
        ("manager", {"kind": "assign", "params": {"agent_id": "u-alice"}}, 422, "unknown_agent"),
        ("manager", {"kind": "set_priority"}, 422, "validation_error"),
        ("manager", {"kind": "merge", "params": {"into_ticket_id": "nope"}}, 422, "unknown_ticket"),
        ("alice", {"kind": "close_invalid"}, 403, "staff_only"),
    ],
)
async def test_a_bulk_action_that_cannot_be_asked_for_starts_nothing(
    desk: Api, db: Database, who: str, body: dict[str, Any], status: int, code: str
) -> None:
    answer = await desk.call(
        who, "POST", "/v1/bulk-actions", json={**body, "ticket_ids": ["t-1", "t-2"]}
    )
    assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), answer.text
    assert await db["bulk_actions"].count_documents({}) == 0


async def test_a_selection_names_the_tickets_the_caller_cannot_see(desk: Api, db: Database) -> None:
    answer = await desk.call(
        "manager",
        "POST",
        "/v1/bulk-actions",
        json={"kind": "close_invalid", "ticket_ids": ["no-such-ticket"]},
    )
    assert (answer.status_code, answer.json()["error"]["code"]) == (422, "unknown_ticket")
    assert answer.json()["error"]["details"]["ticket_ids"] == ["no-such-ticket"]
    both = await desk.call(
        "manager",
        "POST",
        "/v1/bulk-actions",
        json={"kind": "close_invalid", "ticket_ids": ["a"], "filters": {}},
    )
    assert both.status_code == 422
    assert await db["bulk_actions"].count_documents({}) == 0
