"""Logging in, tokens, API keys and the audit log (K1, K2)."""

import httpx

from shared import collections
from tests.intake_support import PASSWORD, Api, email_of


async def test_log_in_returns_a_token_that_names_the_caller(api: Api) -> None:
    response = await api.client.post(
        "/v1/auth/token", data={"username": "Agent1@Example.com ", "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["role"] == "agent"
    me = await api.client.get("/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json() == {
        "id": api.ids["agent1"],
        "email": email_of("agent1"),
        "name": "Agent1",
        "role": "agent",
        "groups": ["frontline"],
        "language": "zh-CN",
    }


async def test_wrong_password_and_missing_or_forged_tokens_are_401(api: Api) -> None:
    wrong = await api.client.post(
        "/v1/auth/token", data={"username": email_of("alice"), "password": "nope"}
    )
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (401, "invalid_credentials")
    unknown = await api.client.post(
        "/v1/auth/token", data={"username": "nobody@example.com", "password": PASSWORD}
    )
    assert unknown.json()["error"]["code"] == "invalid_credentials"
    missing = await api.client.get("/v1/me")
    assert (missing.status_code, missing.json()["error"]["code"]) == (401, "not_authenticated")
    token = (await api.headers("alice"))["Authorization"]
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    bad = await api.client.get("/v1/me", headers={"Authorization": forged})
    assert (bad.status_code, bad.json()["error"]["code"]) == (401, "invalid_token")


async def test_repeated_wrong_passwords_are_rate_limited(api: Api) -> None:
    statuses = []
    for _ in range(12):
        response = await api.client.post(
            "/v1/auth/token", data={"username": email_of("bob"), "password": "guess"}
        )
        statuses.append(response.status_code)
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]
    assert response.headers["Retry-After"].isdigit()
    assert response.json()["error"]["code"] == "rate_limited"


async def test_changing_requests_are_audited_with_their_caller(api: Api) -> None:
    ticket = await api.file("alice")
    entry = await api.db[collections.AUDIT_LOG].find_one({"method": "POST", "status": 201})
    assert entry is not None
    assert entry["actor"]["id"] == api.ids["alice"]
    assert entry["route"] == "/v1/tickets"
    assert entry["details"]["ticket_id"] == ticket["id"]
    failed = await api.client.post(
        "/v1/auth/token", data={"username": email_of("alice"), "password": "x"}
    )
    assert failed.status_code == 401
    denied = await api.db[collections.AUDIT_LOG].find_one({"status": 401})
    assert denied is not None
    assert denied["route"] == "/v1/auth/token"


async def test_client_of_an_unknown_api_key_is_refused(api: Api) -> None:
    response = await api.client.get("/v1/me", headers={"X-API-Key": "hdk_0123_secret"})
    assert (response.status_code, response.json()["error"]["code"]) == (401, "invalid_api_key")
    assert isinstance(api.client, httpx.AsyncClient)
