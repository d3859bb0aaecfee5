"""The audit log's read API (SPEC K2): GET /v1/admin/audit-log, admins only, newest first,
filtered by who, what and when, in keyset pages."""

from datetime import datetime, timedelta
from typing import Any

import pytest

from shared import collections
from tests.intake_support import Api

URL = "/v1/admin/audit-log"


async def entries(api: Api, **params: Any) -> list[dict[str, Any]]:
    response = await api.call("admin", "GET", URL, params={"limit": 100, **params})
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    assert page["next_cursor"] is None
    items: list[dict[str, Any]] = page["items"]
    return items


async def changes(api: Api, **params: Any) -> list[dict[str, Any]]:
    """The entries of changes to the desk (logins left out: each person logs in once)."""
    return [e for e in await entries(api, **params) if not e["path"].startswith("/v1/auth/")]


async def make_changes(api: Api) -> None:
    """Changes by an admin and a manager, in this order."""
    for body in ({"warning_share": 0.7}, {"warning_share": 0.8}):
        response = await api.call("admin", "PUT", "/v1/admin/sla-policies", json=body)
        assert response.status_code == 200, response.text
    response = await api.call(
        "admin", "PUT", "/v1/admin/settings", json={"duplicate_window_seconds": 60}
    )
    assert response.status_code == 200, response.text
    canned = {"title": "Greeting", "body": {"en": "Hello {{customer_name}}"}, "group": None}
    response = await api.call("manager", "POST", "/v1/canned-responses", json=canned)
    assert response.status_code == 201, response.text


def instant(entry: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(entry["at"])


async def test_entries_come_newest_first_with_who_did_what(api: Api) -> None:
    await make_changes(api)
    found = await changes(api)
    made = [(e["method"], e["path"], e["actor"]["id"]) for e in found]
    assert made == [
        ("POST", "/v1/canned-responses", api.ids["manager"]),
        ("PUT", "/v1/admin/settings", api.ids["admin"]),
        ("PUT", "/v1/admin/sla-policies", api.ids["admin"]),
        ("PUT", "/v1/admin/sla-policies", api.ids["admin"]),
    ]
    times = [instant(entry) for entry in found]
    assert times == sorted(times, reverse=True)
    latest_sla = next(e for e in found if e["path"] == "/v1/admin/sla-policies")
    assert latest_sla["status"] == 200
    assert latest_sla["actor"]["name"] == "Admin"
    assert latest_sla["actor"]["role"] == "admin"
    # The entry says what changed: the policy before and after.
    assert latest_sla["details"]["before"]["warning_share"] == 0.7
    assert latest_sla["details"]["after"]["warning_share"] == 0.8


async def test_filters_by_actor_path_method_and_time(api: Api) -> None:
    await make_changes(api)
    by_manager = await entries(api, actor=api.ids["manager"])
    assert [e["path"] for e in by_manager] == ["/v1/canned-responses", "/v1/auth/token"]
    by_admin = await changes(api, actor=api.ids["admin"])
    assert {e["actor"]["id"] for e in by_admin} == {api.ids["admin"]}
    assert len(by_admin) == 3
    # Any piece of the path, in any case; the dot of a regular expression is a plain dot.
    sla = await entries(api, path="SLA-Policies")
    assert [e["path"] for e in sla] == ["/v1/admin/sla-policies"] * 2
    assert await entries(api, path="sla.policies") == []
    assert [e["path"] for e in await changes(api, method="POST", actor=api.ids["manager"])] == [
        "/v1/canned-responses"
    ]
    assert await entries(api, method="DELETE") == []
    # [from, to): from the second SLA change on, up to (not including) the settings change.
    everything = await changes(api, actor=api.ids["admin"])
    settings_change, second_sla, first_sla = everything
    window = await entries(api, **{"from": second_sla["at"], "to": settings_change["at"]})
    assert second_sla["id"] in [e["id"] for e in window]
    assert settings_change["id"] not in [e["id"] for e in window]
    assert first_sla["id"] not in [e["id"] for e in window] or first_sla["at"] == second_sla["at"]
    assert all(second_sla["at"] <= e["at"] < settings_change["at"] for e in window)
    later = await entries(
        api, **{"from": (instant(settings_change) + timedelta(days=1)).isoformat()}
    )
    assert later == []
    earlier = await changes(api, to=first_sla["at"], actor=api.ids["admin"])
    assert earlier == []


async def test_pages_follow_one_another_without_gaps_or_repeats(api: Api) -> None:
    await make_changes(api)
    await make_changes(api)
    every = [e["id"] for e in await entries(api)]
    assert len(every) >= 8
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        response = await api.call("admin", "GET", URL, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= 3
        seen += [e["id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == every
    # A filter holds across pages too.
    first = (
        await api.call("admin", "GET", URL, params={"actor": api.ids["admin"], "limit": 4})
    ).json()
    rest = await api.call(
        "admin",
        "GET",
        URL,
        params={"actor": api.ids["admin"], "limit": 100, "cursor": first["next_cursor"]},
    )
    assert rest.status_code == 200
    ids = [e["id"] for e in first["items"] + rest.json()["items"]]
    assert ids == [e["id"] for e in await entries(api, actor=api.ids["admin"])]
    assert len(ids) == 7  # six changes and one login


@pytest.mark.parametrize("name", ["manager", "agent1", "senior", "alice"])
async def test_only_admins_read_the_audit_log(api: Api, name: str) -> None:
    await make_changes(api)
    response = await api.call(name, "GET", URL)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "admin_only"


async def test_anonymous_callers_are_not_let_in(api: Api) -> None:
    response = await api.client.get(URL)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"limit": 0}, "validation_error"),
        ({"limit": 101}, "validation_error"),
        ({"limit": "many"}, "validation_error"),
        ({"method": "GET"}, "validation_error"),
        ({"from": "yesterday"}, "validation_error"),
        ({"to": "2026-13-01T00:00:00Z"}, "validation_error"),
        ({"actor": "x" * 65}, "validation_error"),
        ({"path": ""}, "validation_error"),
        ({"from": "2026-01-02T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, "invalid_period"),
        ({"from": "2026-01-01T00:00:00+08:00", "to": "2025-12-31T16:00:00Z"}, "invalid_period"),
    ],
)
async def test_bad_input_is_refused_with_a_code(
    api: Api, params: dict[str, Any], code: str
) -> None:
    response = await api.call("admin", "GET", URL, params=params)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == code


async def test_foreign_cursors_and_operators_never_reach_the_query(api: Api) -> None:
    await make_changes(api)
    for cursor in ("garbage", "eyJhIjoxfQ", "WyJpZCIsICJ4Il0"):
        response = await api.call("admin", "GET", URL, params={"cursor": cursor})
        assert response.status_code == 400, (cursor, response.text)
        assert response.json()["error"]["code"] == "invalid_cursor"
    # Operator-looking text is matched as text: nobody's id is `{"$ne": null}`.
    assert await entries(api, actor='{"$ne": null}') == []
    assert await entries(api, path=".*") == []
    # A query parameter spelled like an operator is no filter at all.
    response = await api.call("admin", "GET", URL, params={"actor[$ne]": "nobody", "limit": 100})
    assert len(response.json()["items"]) == len(await entries(api))


async def test_reading_the_log_is_not_audited_and_uses_an_index(api: Api) -> None:
    await make_changes(api)
    before = await api.db[collections.AUDIT_LOG].count_documents({})
    await entries(api)
    assert await api.db[collections.AUDIT_LOG].count_documents({}) == before
    for query in ({}, {"actor.id": api.ids["admin"]}):
        plan = await api.db.command(
            "explain",
            {
                "find": collections.AUDIT_LOG,
                "filter": query,
                "sort": {"at": -1, "_id": -1},
                "limit": 51,
            },
        )
        winning = str(plan["queryPlanner"]["winningPlan"])
        assert "IXSCAN" in winning, winning
        assert "COLLSCAN" not in winning, winning
        if not query:  # the newest-first listing walks its index: no sort in memory
            assert "'stage': 'SORT'" not in winning, winning
