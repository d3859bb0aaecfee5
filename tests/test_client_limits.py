"""What a client system's API key and a staff member may not do: scopes, customer domains
and expiry of API keys; merging tickets of two customers; naming another's order."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shared import collections
from tests.conftest import Servers
from tests.intake_support import NEW_TICKET, Api, api_with

FOR_DAN = {**NEW_TICKET, "customer": {"email": "dan@shop.example.com", "name": "Dan"}}


@pytest.fixture
async def uncached_api(servers: Servers) -> AsyncIterator[Api]:
    """Intake reading API keys afresh on every request (no 30 s cache)."""
    async for running in api_with(servers, staff_account_cache_seconds=0.0):
        yield running


async def issued(api: Api, **fields: Any) -> dict[str, str]:
    created = await api.call("admin", "POST", "/v1/admin/api-keys", json={"name": "shop", **fields})
    assert created.status_code == 201, created.text
    return {"X-API-Key": created.json()["key"]}


def error(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


async def test_a_key_does_only_what_its_scopes_allow(api: Api) -> None:
    filer = await issued(api, scopes=["tickets:file"])
    filed = await api.client.post("/v1/tickets", json=FOR_DAN, headers=filer)
    assert filed.status_code == 201, filed.text
    ticket_id = filed.json()["id"]
    for method, path, body in (
        ("GET", "/v1/tickets", None),
        ("GET", f"/v1/tickets/{ticket_id}", None),
        ("POST", f"/v1/tickets/{ticket_id}/messages", {"body": "any news?"}),
        ("POST", f"/v1/tickets/{ticket_id}/actions/reopen", {"reason": "again"}),
    ):
        refused = await api.client.request(method, path, json=body, headers=filer)
        assert error(refused) == (403, "api_key_scope_missing"), (method, path)
    reader = await issued(api, scopes=["tickets:read"])
    assert error(await api.client.post("/v1/tickets", json=FOR_DAN, headers=reader)) == (
        403,
        "api_key_scope_missing",
    )
    # by default a key files and reads what it filed, and does not act
    default = await issued(api)
    mine = (await api.client.post("/v1/tickets", json=FOR_DAN, headers=default)).json()
    assert (await api.client.get(f"/v1/tickets/{mine['id']}", headers=default)).status_code == 200
    reply = {"body": "hello"}
    sent = await api.client.post(f"/v1/tickets/{mine['id']}/messages", json=reply, headers=default)
    assert error(sent) == (403, "api_key_scope_missing")
    listed = (await api.call("admin", "GET", "/v1/admin/api-keys")).json()["items"]
    assert sorted(map(tuple, (key["scopes"] for key in listed))) == sorted(
        [("tickets:file",), ("tickets:read",), ("tickets:file", "tickets:read")]
    )


async def test_a_key_files_only_for_customers_of_its_domains(api: Api) -> None:
    key = await issued(api, customer_domains=["Shop.Example.com"])
    assert (await api.client.post("/v1/tickets", json=FOR_DAN, headers=key)).status_code == 201
    for customer in (
        {"email": "eve@other.example.com"},
        {"email": "eve@evil-shop.example.com.attacker.net"},
        {"external_id": "no-email-1"},
    ):
        refused = await api.client.post(
            "/v1/tickets", json={**NEW_TICKET, "customer": customer}, headers=key
        )
        assert error(refused) == (403, "customer_domain_not_allowed"), customer
    assert await api.db[collections.USERS].count_documents({"email": "eve@other.example.com"}) == 0
    bad = await api.call(
        "admin",
        "POST",
        "/v1/admin/api-keys",
        json={"name": "x", "customer_domains": ["not a domain"]},
    )
    assert bad.status_code == 422


async def test_an_expired_key_stops_working(uncached_api: Api) -> None:
    api = uncached_api
    soon = datetime.now(UTC) + timedelta(days=1)
    key = await issued(api, expires_at=soon.isoformat())
    assert (await api.client.post("/v1/tickets", json=FOR_DAN, headers=key)).status_code == 201
    await api.db[collections.API_KEYS].update_many(
        {}, {"$set": {"expires_at": datetime.now(UTC) - timedelta(seconds=1)}}
    )
    assert error(await api.client.post("/v1/tickets", json=FOR_DAN, headers=key)) == (
        401,
        "api_key_expired",
    )
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    refused = await api.call(
        "admin", "POST", "/v1/admin/api-keys", json={"name": "late", "expires_at": past}
    )
    assert error(refused) == (422, "invalid_expiry")
    listed = (await api.call("admin", "GET", "/v1/admin/api-keys")).json()["items"]
    assert listed[0]["last_used_at"] is not None


async def test_tickets_of_two_customers_merge_only_with_a_reason(api: Api) -> None:
    alices = await api.file("alice", title="VPN down")
    bobs = await api.file("bob", title="VPN down too")
    refused = await api.act("agent1", bobs["id"], "merge", {"into_ticket_id": alices["id"]})
    assert error(refused) == (409, "merge_customers_differ")
    assert (await api.detail("agent1", bobs["id"]))["status"] != "closed"
    alices_again = await api.file("alice", title="VPN still down")
    same = await api.act("agent1", alices_again["id"], "merge", {"into_ticket_id": alices["id"]})
    assert same.status_code == 200, same.text
    reason = {"into_ticket_id": alices["id"], "different_customer_reason": "one office's outage"}
    overridden = await api.act("agent1", bobs["id"], "merge", reason)
    assert overridden.status_code == 200, overridden.text
    entry = await api.db[collections.AUDIT_LOG].find_one(
        {"target_id": bobs["id"], "details.action": "merge", "status": 200}
    )
    assert entry is not None
    assert entry["details"]["body"]["different_customer_reason"] == "one office's outage"
