"""Administration (API.md): SLA policy, desk settings, staff accounts, groups, API keys."""

import asyncio
from typing import Any

import pytest
from temporalio.client import Client

from services.workflows.activities import TicketActivities
from shared import collections
from shared.desk_config import DESK_SETTINGS_ID, SLA_POLICY_ID, DeskSettings
from shared.sla import DEFAULT_SLA_POLICY
from tests.intake_support import Api

NEW_AGENT: dict[str, Any] = {
    "email": "Agent9@Example.com",
    "name": "陈静 Chen Jing",
    "role": "agent",
    "groups": ["frontline"],
    "skills": ["order", "refund"],
    "capacity": 5,
    "language": "en",
    "password": "a long passphrase",
}


def code_of(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


async def log_in(api: Api, email: str, password: str) -> Any:
    return await api.client.post("/v1/auth/token", data={"username": email, "password": password})


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("GET", "/v1/admin/sla-policies", None),
        ("PUT", "/v1/admin/sla-policies", {"warning_share": 0.5}),
        ("GET", "/v1/admin/settings", None),
        ("PUT", "/v1/admin/settings", {"duplicate_window_seconds": 60}),
        ("GET", "/v1/admin/agents", None),
        ("POST", "/v1/admin/agents", NEW_AGENT),
        ("GET", "/v1/admin/agents/u-agent1", None),
        ("PATCH", "/v1/admin/agents/u-agent1", {"capacity": 1}),
        ("DELETE", "/v1/admin/agents/u-agent1", None),
        ("GET", "/v1/admin/groups", None),
        ("POST", "/v1/admin/groups", {"id": "billing", "name": {"zh-CN": "账务", "en": "B"}}),
        ("PATCH", "/v1/admin/groups/frontline", {"description": "x"}),
        ("DELETE", "/v1/admin/groups/frontline", None),
        ("GET", "/v1/admin/api-keys", None),
        ("POST", "/v1/admin/api-keys", {"name": "shop"}),
        ("DELETE", "/v1/admin/api-keys/abc", None),
    ],
)
async def test_only_admins_administer(
    api: Api, method: str, url: str, body: dict[str, Any] | None
) -> None:
    for name in ("manager", "agent1", "senior", "alice"):
        response = await api.call(name, method, url, json=body)
        assert code_of(response) == (403, "admin_only"), (name, response.text)
    anonymous = await api.client.request(method, url, json=body)
    assert code_of(anonymous) == (401, "not_authenticated")
    # Nothing changed: the agent is still there as seeded.
    agent = await api.db[collections.USERS].find_one({"_id": "u-agent1"})
    assert agent is not None
    assert agent["capacity"] == 10
    assert "active" not in agent


async def test_sla_policy_defaults_partial_update_and_worker_config(
    api: Api, temporal: Client
) -> None:
    read = await api.call("admin", "GET", "/v1/admin/sla-policies")
    assert read.status_code == 200
    assert read.json() == DEFAULT_SLA_POLICY.model_dump(mode="json")
    assert read.json()["policies"]["urgent"] == {
        "response_seconds": 900,
        "resolution_seconds": 14400,
    }

    change = {
        "warning_share": 0.5,
        "policies": {"urgent": {"response_seconds": 600, "resolution_seconds": 7200}},
    }
    updated = await api.call("admin", "PUT", "/v1/admin/sla-policies", json=change)
    assert updated.status_code == 200, updated.text
    policy = updated.json()
    assert policy["warning_share"] == 0.5
    assert policy["policies"]["urgent"] == {"response_seconds": 600, "resolution_seconds": 7200}
    assert policy["policies"]["high"] == {"response_seconds": 7200, "resolution_seconds": 86400}
    assert (await api.call("admin", "GET", "/v1/admin/sla-policies")).json() == policy

    # Only priorities sent change; the rest (and the share) stay.
    again = await api.call(
        "admin",
        "PUT",
        "/v1/admin/sla-policies",
        json={"policies": {"low": {"response_seconds": 60, "resolution_seconds": 60}}},
    )
    assert again.json()["warning_share"] == 0.5
    assert again.json()["policies"]["urgent"]["response_seconds"] == 600
    assert again.json()["policies"]["low"] == {"response_seconds": 60, "resolution_seconds": 60}

    stored = await api.db[collections.SETTINGS].find_one({"_id": SLA_POLICY_ID}, {"_id": 0})
    assert stored == again.json()
    config = await TicketActivities(api.db, temporal).load_config()
    assert config.sla.model_dump(mode="json") == again.json()


@pytest.mark.parametrize(
    "body",
    [
        {"warning_share": 1},
        {"warning_share": 0},
        {"warning_share": "lots"},
        {"policies": {"urgent": {"response_seconds": 0, "resolution_seconds": 60}}},
        {"policies": {"urgent": {"response_seconds": -5, "resolution_seconds": 60}}},
        {"policies": {"urgent": {"response_seconds": 600, "resolution_seconds": 60}}},
        {"policies": {"urgent": {"response_seconds": 600}}},
        {"policies": {"asap": {"response_seconds": 60, "resolution_seconds": 600}}},
        {"policies": {"urgent": {"response_seconds": 60, "resolution_seconds": 10**12}}},
        {"policies": {"urgent": {"$gt": 1}}},
        {"warning_share": 0.5, "extra": True},
    ],
)
async def test_invalid_sla_policies_are_refused(api: Api, body: dict[str, Any]) -> None:
    response = await api.call("admin", "PUT", "/v1/admin/sla-policies", json=body)
    assert code_of(response) == (422, "validation_error"), response.text
    assert await api.db[collections.SETTINGS].find_one({"_id": SLA_POLICY_ID}) is None


async def test_desk_settings_partial_put_is_audited_and_read_by_the_worker(
    api: Api, temporal: Client
) -> None:
    read = await api.call("admin", "GET", "/v1/admin/settings")
    assert read.status_code == 200
    defaults = read.json()
    assert defaults == DeskSettings().model_dump(mode="json")
    assert defaults["awaiting_user_reminder_seconds"] == [86400, 172800]
    assert defaults["assignment"]["order"] == "smart"

    change = {
        "resolved_autoclose_seconds": 3600,
        "repeat_escalation": {"count": 5},
        "assignment": {"order": "round_robin"},
    }
    updated = await api.call("admin", "PUT", "/v1/admin/settings", json=change)
    assert updated.status_code == 200, updated.text
    settings = updated.json()
    assert settings["resolved_autoclose_seconds"] == 3600
    assert settings["repeat_escalation"] == {"count": 5, "window_seconds": 604800}
    assert settings["assignment"]["order"] == "round_robin"
    assert settings["assignment"]["technical"] == "smart"
    assert (
        settings["awaiting_user_autoclose_seconds"] == defaults["awaiting_user_autoclose_seconds"]
    )

    stored = await api.db[collections.SETTINGS].find_one({"_id": DESK_SETTINGS_ID}, {"_id": 0})
    assert stored == settings
    config = await TicketActivities(api.db, temporal).load_config()
    assert config.desk.model_dump(mode="json") == settings
    assert config.sla == DEFAULT_SLA_POLICY  # the other document was never written

    entry = await api.db[collections.AUDIT_LOG].find_one(
        {"route": "/v1/admin/settings", "method": "PUT"}
    )
    assert entry is not None
    assert entry["status"] == 200
    assert entry["actor"]["id"] == api.ids["admin"]
    assert entry["details"]["before"]["resolved_autoclose_seconds"] == 259200
    assert entry["details"]["after"]["resolved_autoclose_seconds"] == 3600
    assert entry["details"]["after"]["assignment"]["order"] == "round_robin"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"auto_close_everything": True}, "validation_error"),
        ({"assignment": {"order": "random"}}, "validation_error"),
        ({"assignment": {"gadgets": "smart"}}, "validation_error"),
        ({"repeat_escalation": {"count": 1}}, "validation_error"),
        ({"repeat_escalation": {"every": 1}}, "validation_error"),
        ({"resolved_autoclose_seconds": 0}, "validation_error"),
        ({"resolved_autoclose_seconds": None}, "invalid_settings"),
        ({"awaiting_user_reminder_seconds": [100, 50]}, "invalid_settings"),
        ({"awaiting_user_autoclose_seconds": 86400}, "invalid_settings"),
    ],
)
async def test_invalid_desk_settings_are_refused(api: Api, body: dict[str, Any], code: str) -> None:
    response = await api.call("admin", "PUT", "/v1/admin/settings", json=body)
    assert code_of(response) == (422, code), response.text
    assert await api.db[collections.SETTINGS].find_one({"_id": DESK_SETTINGS_ID}) is None


async def test_an_admin_creates_an_agent_who_logs_in_until_deactivated(api: Api) -> None:
    created = await api.call("admin", "POST", "/v1/admin/agents", json=NEW_AGENT)
    assert created.status_code == 201, created.text
    agent = created.json()
    assert agent["email"] == "agent9@example.com"
    assert agent["active"] is True
    assert agent["available"] is True
    assert agent["open_tickets"] == 0
    assert "password" not in agent
    assert "password_hash" not in agent
    entry = await api.db[collections.AUDIT_LOG].find_one({"route": "/v1/admin/agents"})
    assert entry is not None
    assert entry["details"]["agent_id"] == agent["id"]
    assert "password" not in str(entry["details"])

    login = await log_in(api, "agent9@example.com", NEW_AGENT["password"])
    assert login.status_code == 200, login.text
    assert login.json()["role"] == "agent"
    me = await api.client.get(
        "/v1/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"}
    )
    assert me.json()["id"] == agent["id"]
    assert me.json()["groups"] == ["frontline"]

    taken = await api.call("admin", "POST", "/v1/admin/agents", json=NEW_AGENT)
    assert code_of(taken) == (409, "email_taken")
    taken = await api.call(
        "admin", "POST", "/v1/admin/agents", json={**NEW_AGENT, "email": "alice@example.com"}
    )
    assert code_of(taken) == (409, "email_taken")

    deactivated = await api.call("admin", "DELETE", f"/v1/admin/agents/{agent['id']}")
    assert deactivated.status_code == 200
    assert deactivated.json()["active"] is False
    assert deactivated.json()["available"] is False
    refused = await log_in(api, "agent9@example.com", NEW_AGENT["password"])
    assert code_of(refused) == (401, "invalid_credentials")

    # Inactive accounts are never available for assignment.
    available = await api.call(
        "admin", "PATCH", f"/v1/admin/agents/{agent['id']}", json={"available": True}
    )
    assert code_of(available) == (409, "agent_inactive")
    reactivated = await api.call(
        "admin",
        "PATCH",
        f"/v1/admin/agents/{agent['id']}",
        json={"active": True, "available": True, "password": "another passphrase"},
    )
    assert reactivated.status_code == 200, reactivated.text
    assert reactivated.json()["active"] is True
    assert reactivated.json()["available"] is True
    assert (await log_in(api, "agent9@example.com", "another passphrase")).status_code == 200


async def test_agents_are_listed_filtered_paged_and_updated(api: Api) -> None:
    await api.db[collections.USERS].update_one({"_id": "u-agent2"}, {"$set": {"load": ["t1"]}})
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(10):
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = await api.call("admin", "GET", "/v1/admin/agents", params=params)
        assert page.status_code == 200, page.text
        assert len(page.json()["items"]) <= 2
        seen += [item["id"] for item in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    staff = ["u-admin", "u-agent1", "u-agent2", "u-manager", "u-senior", "u-tech"]
    assert seen == staff  # customers are not staff accounts

    agents = await api.call("admin", "GET", "/v1/admin/agents", params={"role": "agent"})
    assert [item["id"] for item in agents.json()["items"]] == ["u-agent1", "u-agent2"]
    assert agents.json()["items"][1]["open_tickets"] == 1
    assert all("password_hash" not in item for item in agents.json()["items"])
    senior = await api.call("admin", "GET", "/v1/admin/agents", params={"group": "senior_support"})
    assert [item["id"] for item in senior.json()["items"]] == ["u-senior"]
    bad_role = await api.call("admin", "GET", "/v1/admin/agents", params={"role": "customer"})
    assert code_of(bad_role) == (422, "validation_error")
    bad_cursor = await api.call("admin", "GET", "/v1/admin/agents", params={"cursor": "e30"})
    assert code_of(bad_cursor) == (400, "invalid_cursor")
    too_many = await api.call("admin", "GET", "/v1/admin/agents", params={"limit": 101})
    assert code_of(too_many) == (422, "validation_error")

    customer = await api.call("admin", "GET", f"/v1/admin/agents/{api.ids['alice']}")
    assert code_of(customer) == (404, "agent_not_found")
    unknown = await api.call("admin", "GET", "/v1/admin/agents/not-an-id")
    assert code_of(unknown) == (404, "agent_not_found")

    changed = await api.call(
        "admin",
        "PATCH",
        "/v1/admin/agents/u-agent1",
        json={"role": "senior", "groups": ["senior_support"], "skills": ["login"], "capacity": 3},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["role"] == "senior"
    assert changed.json()["capacity"] == 3
    stored = await api.db[collections.USERS].find_one({"_id": "u-agent1"})
    assert stored is not None
    assert stored["groups"] == ["senior_support"]
    assert stored["load"] == []
    entry = await api.db[collections.AUDIT_LOG].find_one({"target_id": "u-agent1"})
    assert entry is not None
    assert entry["details"]["before"]["role"] == "agent"
    assert entry["details"]["after"]["role"] == "senior"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"load": []}, 422, "validation_error"),
        ({"password_hash": "x"}, 422, "validation_error"),
        ({"role": "customer"}, 422, "validation_error"),
        ({"skills": ["juggling"]}, 422, "validation_error"),
        ({"language": "fr"}, 422, "validation_error"),
        ({"capacity": -1}, 422, "validation_error"),
        ({"name": None}, 422, "validation_error"),
        ({"groups": ["nowhere"]}, 422, "unknown_group"),
        ({"groups": [{"$ne": 1}]}, 422, "validation_error"),
    ],
)
async def test_invalid_agent_changes_are_refused(
    api: Api, body: dict[str, Any], status: int, code: str
) -> None:
    response = await api.call("admin", "PATCH", "/v1/admin/agents/u-agent1", json=body)
    assert code_of(response) == (status, code), response.text


async def test_invalid_agents_are_not_created(api: Api) -> None:
    for change in ({"role": "customer"}, {"email": "nope"}, {"password": "short"}):
        response = await api.call("admin", "POST", "/v1/admin/agents", json={**NEW_AGENT, **change})
        assert code_of(response) == (422, "validation_error"), change
    missing = {key: value for key, value in NEW_AGENT.items() if key != "password"}
    response = await api.call("admin", "POST", "/v1/admin/agents", json=missing)
    assert code_of(response) == (422, "validation_error")
    response = await api.call(
        "admin", "POST", "/v1/admin/agents", json={**NEW_AGENT, "groups": ["nowhere"]}
    )
    assert code_of(response) == (422, "unknown_group")
    assert await api.db[collections.USERS].find_one({"email": "agent9@example.com"}) is None


async def test_admins_cannot_lock_themselves_out(api: Api) -> None:
    for body in ({"active": False}, {"role": "manager"}):
        response = await api.call("admin", "PATCH", "/v1/admin/agents/u-admin", json=body)
        assert code_of(response) == (409, "own_account")
    response = await api.call("admin", "DELETE", "/v1/admin/agents/u-admin")
    assert code_of(response) == (409, "own_account")
    renamed = await api.call("admin", "PATCH", "/v1/admin/agents/u-admin", json={"name": "Root"})
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Root"


async def test_groups_standard_and_custom(api: Api) -> None:
    listed = await api.call("admin", "GET", "/v1/admin/groups")
    assert listed.status_code == 200
    standard = listed.json()["items"]
    assert [group["id"] for group in standard] == [
        "frontline",
        "senior_support",
        "technical_team",
        "management",
    ]
    assert standard[1]["name"] == {"zh-CN": "高级支持", "en": "Senior support"}
    assert [group["escalation_level"] for group in standard] == [0, 1, 2, 3]
    assert all(group["standard"] for group in standard)

    # The worker's round-robin counter lives in the standard groups' documents.
    await api.db[collections.GROUPS].insert_one({"_id": "frontline", "round_robin": 7})
    renamed = await api.call(
        "admin",
        "PATCH",
        "/v1/admin/groups/frontline",
        json={"name": {"zh-CN": "一线", "en": "First line"}, "manager_id": "u-manager"},
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"]["en"] == "First line"
    assert renamed.json()["escalation_level"] == 0
    stored = await api.db[collections.GROUPS].find_one({"_id": "frontline"})
    assert stored is not None
    assert stored["round_robin"] == 7
    level = await api.call(
        "admin", "PATCH", "/v1/admin/groups/frontline", json={"escalation_level": 2}
    )
    assert code_of(level) == (422, "standard_group_level")
    manager = await api.call(
        "admin", "PATCH", "/v1/admin/groups/frontline", json={"manager_id": "u-alice"}
    )
    assert code_of(manager) == (422, "unknown_manager")
    deleted = await api.call("admin", "DELETE", "/v1/admin/groups/management")
    assert code_of(deleted) == (409, "standard_group")

    billing = {"id": "billing", "name": {"zh-CN": "账务组", "en": "Billing"}}
    created = await api.call("admin", "POST", "/v1/admin/groups", json=billing)
    assert created.status_code == 201, created.text
    assert created.json()["standard"] is False
    assert created.json()["escalation_level"] == 0
    again = await api.call("admin", "POST", "/v1/admin/groups", json=billing)
    assert code_of(again) == (409, "group_exists")
    clash = await api.call("admin", "POST", "/v1/admin/groups", json={**billing, "id": "frontline"})
    assert code_of(clash) == (409, "group_exists")
    for bad in ({"id": "Bad Key"}, {"name": {"en": "Billing"}}, {"color": "red"}):
        invalid = await api.call("admin", "POST", "/v1/admin/groups", json={**billing, **bad})
        assert code_of(invalid) == (422, "validation_error"), bad
    reserved = await api.call("admin", "POST", "/v1/admin/groups", json={**billing, "id": "global"})
    assert code_of(reserved) == (422, "reserved_group_key")

    moved = await api.call(
        "admin", "PATCH", "/v1/admin/agents/u-agent2", json={"groups": ["frontline", "billing"]}
    )
    assert moved.status_code == 200, moved.text
    in_use = await api.call("admin", "DELETE", "/v1/admin/groups/billing")
    assert code_of(in_use) == (409, "group_in_use")
    assert in_use.json()["error"]["details"] == {"members": 1}
    await api.call("admin", "PATCH", "/v1/admin/agents/u-agent2", json={"groups": ["frontline"]})
    gone = await api.call("admin", "DELETE", "/v1/admin/groups/billing")
    assert gone.status_code == 204
    missing = await api.call("admin", "GET", "/v1/admin/groups/billing")
    assert code_of(missing) == (404, "group_not_found")
    assert code_of(await api.call("admin", "DELETE", "/v1/admin/groups/billing")) == (
        404,
        "group_not_found",
    )


async def test_api_keys_are_shown_once_work_and_can_be_revoked(api: Api) -> None:
    created = await api.call("admin", "POST", "/v1/admin/api-keys", json={"name": "Web shop"})
    assert created.status_code == 201, created.text
    key = created.json()["key"]
    key_id = created.json()["id"]
    assert created.json()["created_by"] == api.ids["admin"]
    assert created.json()["revoked_at"] is None

    me = await api.client.get("/v1/me", headers={"X-API-Key": key})
    assert me.status_code == 200, me.text
    assert me.json()["id"] == f"api_key:{key_id}"
    # A client system is no admin, whatever it is.
    admin_call = await api.client.get("/v1/admin/agents", headers={"X-API-Key": key})
    assert code_of(admin_call) == (403, "admin_only")

    listed = await api.call("admin", "GET", "/v1/admin/api-keys")
    assert listed.status_code == 200
    [item] = listed.json()["items"]
    assert item["id"] == key_id
    assert item["last_used_at"] is not None
    assert "key" not in item
    assert "secret_hash" not in item
    assert key.split("_")[-1] not in listed.text

    revoked = await api.call("admin", "DELETE", f"/v1/admin/api-keys/{key_id}")
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    refused = await api.client.get("/v1/me", headers={"X-API-Key": key})
    assert code_of(refused) == (401, "invalid_api_key")
    twice = await api.call("admin", "DELETE", f"/v1/admin/api-keys/{key_id}")
    assert twice.json()["revoked_at"] == revoked.json()["revoked_at"]
    live = await api.call("admin", "GET", "/v1/admin/api-keys", params={"revoked": "false"})
    assert live.json()["items"] == []
    unknown = await api.call("admin", "DELETE", "/v1/admin/api-keys/nope")
    assert code_of(unknown) == (404, "api_key_not_found")
    empty = await api.call("admin", "POST", "/v1/admin/api-keys", json={"name": ""})
    assert code_of(empty) == (422, "validation_error")
    entry = await api.db[collections.AUDIT_LOG].find_one(
        {"route": "/v1/admin/api-keys", "status": 201}
    )
    assert entry is not None
    assert entry["details"]["api_key_id"] == key_id
    assert key not in str(entry)


async def test_concurrent_partial_updates_are_not_lost(api: Api) -> None:
    priorities = ("urgent", "high", "normal", "low")
    responses = await asyncio.gather(
        *(
            api.call(
                "admin",
                "PUT",
                "/v1/admin/sla-policies",
                json={"policies": {p: {"response_seconds": 60 + i, "resolution_seconds": 600}}},
            )
            for i, p in enumerate(priorities)
        )
    )
    # Each write lands on the document it read, or retries (409 once retries run out).
    assert {response.status_code for response in responses} <= {200, 409}
    stored = await api.call("admin", "GET", "/v1/admin/sla-policies")
    for i, (response, priority) in enumerate(zip(responses, priorities, strict=True)):
        if response.status_code == 200:
            assert stored.json()["policies"][priority]["response_seconds"] == 60 + i
