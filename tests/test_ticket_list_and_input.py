"""The ticket list (filters, search, sort, cursors), idempotent filing, client systems
filing for customers, and hostile input."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from temporalio.worker import Worker

from shared import collections
from shared.mongo import Database
from tests.conftest import Servers
from tests.intake_support import Api, running_api


async def _ids(api: Api, caller: str, query: str) -> list[str]:
    response = await api.call(caller, "GET", f"/v1/tickets?{query}")
    assert response.status_code == 200, response.text
    return [ticket["id"] for ticket in response.json()["items"]]


async def test_filters_search_sort_and_cursor_pages(api: Api) -> None:
    await api.db[collections.USERS].update_many({}, {"$set": {"available": False}})
    refund = await api.file("alice", type="order", category="refund", title="退款没有到账")
    login = await api.file("bob", type="account", category="login", title="Cannot log in")
    urgent = await api.file(
        "agent1",
        priority="urgent",
        title="Service down for everyone",
        customer={"email": "carol@example.com", "name": "Carol"},
    )
    everything = await _ids(api, "manager", "")
    assert everything == [urgent["id"], login["id"], refund["id"]]  # newest first
    assert await _ids(api, "manager", "sort=created_at") == everything[::-1]
    by_priority = await _ids(api, "manager", "sort=priority")
    assert by_priority[0] == urgent["id"]
    assert await _ids(api, "manager", "type=order&type=account") == [login["id"], refund["id"]]
    assert await _ids(api, "manager", "category=login") == [login["id"]]
    assert await _ids(api, "manager", "priority=urgent") == [urgent["id"]]
    assert await _ids(api, "manager", "q=到账") == [refund["id"]]
    assert await _ids(api, "manager", "q=LOG%20IN") == [login["id"]]  # case-insensitive
    assert await _ids(api, "manager", f"q=%23{login['number']}") == [login["id"]]
    assert await _ids(api, "manager", f"submitter={api.ids['bob']}") == [login["id"]]
    assert await _ids(api, "manager", "assignee=none&status=pending") == everything
    assert await _ids(api, "manager", "sla_state=on_track&escalation_level=0") == everything
    assert await _ids(api, "manager", "q=.*") == []  # regex characters are literal text
    created = urgent["created_at"]
    assert await _ids(api, "manager", f"created_from={created.replace('+', '%2B')}") == [
        urgent["id"]
    ]

    pages: list[str] = []
    cursor = None
    for _ in range(5):
        query = "limit=1" + (f"&cursor={cursor}" if cursor else "")
        page = (await api.call("manager", "GET", f"/v1/tickets?{query}")).json()
        pages += [ticket["id"] for ticket in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == everything

    forged = await api.call("manager", "GET", "/v1/tickets?cursor=bm90LWEtY3Vyc29y")
    assert (forged.status_code, forged.json()["error"]["code"]) == (400, "invalid_cursor")
    too_many = await api.call("manager", "GET", "/v1/tickets?limit=101")
    assert too_many.status_code == 422


async def test_same_idempotency_key_files_one_ticket(api: Api) -> None:
    headers = {"Idempotency-Key": "form-submit-7f3a"}
    body = {"type": "order", "category": "payment", "title": "付款失败", "description": "扣款了"}
    first, second = await asyncio.gather(
        api.call("alice", "POST", "/v1/tickets", json=body, headers=headers),
        api.call("alice", "POST", "/v1/tickets", json=body, headers=headers),
    )
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    third = await api.call("alice", "POST", "/v1/tickets", json=body, headers=headers)
    assert third.json()["id"] == first.json()["id"]
    assert third.headers["Idempotent-Replayed"] == "true"
    assert await api.db[collections.TICKETS].count_documents({}) == 1

    changed = await api.call(
        "alice", "POST", "/v1/tickets", json={**body, "title": "别的"}, headers=headers
    )
    assert (changed.status_code, changed.json()["error"]["code"]) == (
        422,
        "idempotency_key_reused",
    )
    # The key belongs to its caller: bob's same key is a ticket of his own.
    bobs = await api.call("bob", "POST", "/v1/tickets", json=body, headers=headers)
    assert bobs.status_code == 201
    assert bobs.json()["id"] != first.json()["id"]
    assert await api.db[collections.TICKETS].count_documents({}) == 2


async def test_customer_priority_is_a_suggestion(api: Api) -> None:
    ticket = await api.file("alice", priority="urgent")
    assert ticket["priority"] == "high"
    staff_view = await api.detail("agent1", ticket["id"])
    assert staff_view["staff"]["priority_suggested"] == "urgent"
    by_agent = await api.file("agent1", priority="urgent", customer={"email": "c@example.com"})
    assert by_agent["priority"] == "urgent"


async def test_client_system_files_for_a_customer_created_on_first_use(api: Api) -> None:
    created = await api.call("admin", "POST", "/v1/admin/api-keys", json={"name": "shop"})
    assert created.status_code == 201, created.text
    key = {"X-API-Key": created.json()["key"]}
    body = {
        "type": "order",
        "category": "refund",
        "title": "Refund for order 1001",
        "description": "Customer asked through the shop.",
        "customer": {"external_id": "shop-42", "email": "dan@example.com", "name": "Dan"},
    }
    filed = await api.client.post("/v1/tickets", json=body, headers=key)
    assert filed.status_code == 201, filed.text
    ticket = filed.json()
    dan = await api.db[collections.USERS].find_one({"external_id": "shop-42"})
    assert dan is not None
    assert dan["role"] == "customer"
    assert ticket["submitter"]["id"] == dan["_id"]
    again = await api.client.post("/v1/tickets", json={**body, "title": "Second"}, headers=key)
    assert again.json()["submitter"]["id"] == dan["_id"]
    assert await api.db[collections.USERS].count_documents({"external_id": "shop-42"}) == 1

    listed = (await api.client.get("/v1/tickets", headers=key)).json()["items"]
    assert {t["id"] for t in listed} == {ticket["id"], again.json()["id"]}
    alices = await api.file("alice")
    hidden = await api.client.get(f"/v1/tickets/{alices['id']}", headers=key)
    assert hidden.status_code == 404
    missing = await api.client.post(
        "/v1/tickets", json={k: v for k, v in body.items() if k != "customer"}, headers=key
    )
    assert (missing.status_code, missing.json()["error"]["code"]) == (422, "customer_required")
    own = await api.call("alice", "POST", "/v1/tickets", json=body)
    assert (own.status_code, own.json()["error"]["code"]) == (422, "customer_not_allowed")


@pytest.mark.parametrize(
    "query",
    [
        "status[$ne]=closed",
        "assignee[$gt]=",
        "submitter=%7B%22%24ne%22%3A%20null%7D",
        "q=%7B%22%24where%22%3A%221%22%7D",
        "status=%7B%22%24ne%22%3A%22x%22%7D",
    ],
)
async def test_operator_injection_in_queries_matches_nothing_extra(api: Api, query: str) -> None:
    await api.file("bob")
    response = await api.call("alice", "GET", f"/v1/tickets?{query}")
    assert response.status_code in (200, 422)
    if response.status_code == 200:
        assert response.json()["items"] == []  # bob's ticket never leaks to alice


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"title": "x" * 201}, "validation_error"),
        ({"description": "x" * 20_001}, "validation_error"),
        ({"type": "spaceship"}, "validation_error"),
        ({"category": {"$gt": ""}}, "validation_error"),
        ({"attachment_ids": [{"$ne": None}]}, "validation_error"),
    ],
)
async def test_bad_bodies_change_nothing(api: Api, body: dict[str, Any], code: str) -> None:
    response = await api.call(
        "alice",
        "POST",
        "/v1/tickets",
        json={
            "type": "technical",
            "category": "connection",
            "title": "t",
            "description": "d",
            **body,
        },
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code
    assert await api.db[collections.TICKETS].count_documents({}) == 0


@pytest.mark.parametrize("q", ["²", "99999999999999999999", "#" + "9" * 30, "٣"])
async def test_odd_numbers_in_search_are_just_text(api: Api, q: str) -> None:
    await api.file("alice")
    response = await api.call("alice", "GET", "/v1/tickets", params={"q": q})
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []


async def test_cursor_with_an_out_of_range_number_is_refused(api: Api) -> None:
    import base64
    import json

    forged = base64.urlsafe_b64encode(json.dumps(["v", 10**30, "x"]).encode()).decode()
    response = await api.call("alice", "GET", f"/v1/tickets?sort=number&cursor={forged}")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid_cursor")


async def test_client_systems_file_for_customers_without_email(api: Api) -> None:
    created = await api.call("admin", "POST", "/v1/admin/api-keys", json={"name": "app"})
    key = {"X-API-Key": created.json()["key"]}
    body = {"type": "product", "category": "pricing", "title": "Price?", "description": "?"}
    for external_id in ("app-1", "app-2"):
        response = await api.client.post(
            "/v1/tickets", json={**body, "customer": {"external_id": external_id}}, headers=key
        )
        assert response.status_code == 201, response.text
    assert await api.db[collections.USERS].count_documents({"external_id": {"$exists": True}}) == 2


async def test_deactivated_agent_loses_access_with_a_token_still_valid(
    servers: Servers, db: Database, worker: Worker
) -> None:
    uncached = servers.settings(
        staff_account_cache_seconds=0.0,
        mongodb_db=db.name,
        temporal_task_queue=worker.task_queue,
    )
    async for api in running_api(uncached, db):
        ticket = await api.file("alice")
        assert (await api.call("agent1", "GET", f"/v1/tickets/{ticket['id']}")).status_code == 200
        response = await api.call("admin", "DELETE", f"/v1/admin/agents/{api.ids['agent1']}")
        assert response.status_code in (200, 204), response.text
        refused = await api.call("agent1", "GET", f"/v1/tickets/{ticket['id']}")
        assert (refused.status_code, refused.json()["error"]["code"]) == (401, "account_disabled")


async def test_huge_bodies_are_refused_before_they_are_read(api: Api) -> None:
    huge = b'{"title": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    declared = await api.client.post(
        "/v1/tickets", content=huge, headers={"Content-Type": "application/json"}
    )
    assert (declared.status_code, declared.json()["error"]["code"]) == (413, "payload_too_large")

    async def chunked() -> AsyncIterator[bytes]:  # no Content-Length: counted while read
        for _ in range(40):
            yield b"x" * 65536

    streamed = await api.client.post("/v1/tickets", content=chunked())
    assert streamed.status_code == 413
    assert await api.db[collections.TICKETS].count_documents({}) == 0


async def test_a_ticket_remembers_the_portal_session_it_was_filed_in(api: Api) -> None:
    ticket = await api.call(
        "alice",
        "POST",
        "/v1/tickets",
        json={"type": "order", "category": "refund", "title": "Refund", "description": "d"},
        headers={"X-Portal-Session": "portal-7"},
    )
    assert ticket.status_code == 201, ticket.text
    stored = await api.db[collections.TICKETS].find_one({"_id": ticket.json()["id"]})
    assert stored is not None
    assert stored["source"] == {"channel": "web", "session": "portal-7"}
