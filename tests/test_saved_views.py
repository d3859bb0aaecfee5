"""Saved views of the ticket list and each staff member's own columns (issue 16): personal
views stay their owner's, shared ones reach colleagues, the user orders them, and what a
view keeps is the list's own filters, checked as the list checks them."""

from typing import Any

import pytest

from tests.intake_support import Api

MINE: dict[str, Any] = {
    "name": "我的紧急工单 Urgent of mine",
    "filters": {"status": ["pending", "processing"], "priority": ["urgent"], "assignee": "me"},
    "sort": "sla_due",
    "columns": [{"key": "number", "width": 90}, {"key": "title"}, {"key": "sla", "width": 160}],
}


def code_of(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


async def create(api: Api, who: str, **overrides: Any) -> dict[str, Any]:
    answer = await api.call(who, "POST", "/v1/saved-views", json={**MINE, **overrides})
    assert answer.status_code == 201, answer.text
    view: dict[str, Any] = answer.json()
    return view


async def names(api: Api, who: str) -> list[str]:
    answer = await api.call(who, "GET", "/v1/saved-views")
    assert answer.status_code == 200, answer.text
    return [view["name"] for view in answer.json()["items"]]


async def test_a_personal_view_is_its_owners_and_a_shared_one_reaches_colleagues(
    api: Api,
) -> None:
    personal = await create(api, "agent1")
    shared = await create(api, "agent1", name="Team queue", shared=True, columns=None)
    assert personal["mine"]
    assert personal["filters"]["priority"] == ["urgent"]
    assert personal["columns"][0] == {"key": "number", "width": 90}
    assert shared["columns"] is None  # the viewer's own columns apply

    assert await names(api, "agent1") == [MINE["name"], "Team queue"]
    assert await names(api, "agent2") == ["Team queue"]
    seen = (await api.call("agent2", "GET", f"/v1/saved-views/{shared['id']}")).json()
    assert seen["mine"] is False
    assert seen["owner"]["id"] == api.ids["agent1"]
    hidden = await api.call("agent2", "GET", f"/v1/saved-views/{personal['id']}")
    assert code_of(hidden) == (404, "view_not_found")

    # Only the owner changes it (an admin may tidy a shared one); customers have no views.
    refused = await api.call("agent2", "PATCH", f"/v1/saved-views/{shared['id']}", json={})
    assert code_of(refused) == (403, "not_view_owner")
    renamed = await api.call(
        "admin", "PATCH", f"/v1/saved-views/{shared['id']}", json={"name": "Frontline queue"}
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "Frontline queue"
    assert code_of(await api.call("alice", "GET", "/v1/saved-views"))[0] == 403

    unshared = await api.call(
        "agent1", "PATCH", f"/v1/saved-views/{shared['id']}", json={"shared": False}
    )
    assert unshared.json()["shared"] is False
    assert await names(api, "agent2") == []
    gone = await api.call("agent1", "DELETE", f"/v1/saved-views/{personal['id']}")
    assert gone.status_code == 204
    assert await names(api, "agent1") == ["Frontline queue"]


async def test_the_user_orders_views_and_keeps_own_columns(api: Api) -> None:
    first = await create(api, "agent1", name="First")
    second = await create(api, "agent1", name="Second")
    third = await create(api, "agent2", name="Third (shared)", shared=True)
    assert (await api.call("agent1", "GET", "/v1/me/list-preferences")).json() == {
        "columns": None,
        "view_order": [],
    }
    preferences = {
        "columns": [{"key": "title", "width": 300}, {"key": "assignee"}, {"key": "number"}],
        "view_order": [third["id"], second["id"]],
    }
    saved = await api.call("agent1", "PUT", "/v1/me/list-preferences", json=preferences)
    assert saved.status_code == 200, saved.text
    # Ordered ones first in the user's order, the rest after; another user's order is theirs.
    assert await names(api, "agent1") == ["Third (shared)", "Second", "First"]
    assert await names(api, "agent2") == ["Third (shared)"]
    again = (await api.call("agent1", "GET", "/v1/me/list-preferences")).json()
    assert again["columns"] == [
        {"key": "title", "width": 300},
        {"key": "assignee", "width": None},
        {"key": "number", "width": None},
    ]
    assert first["id"] not in again["view_order"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "  "}, "name"),
        ({"filters": {"status": ["lost"]}}, "status"),
        ({"filters": {"assignee": {"$ne": None}}}, "assignee"),
        ({"filters": {"q": {"$regex": "."}}}, "q"),
        ({"filters": {"unknown": 1}}, "unknown"),
        ({"sort": "password_hash"}, "sort"),
        ({"columns": [{"key": "password_hash"}]}, "key"),
        ({"columns": [{"key": "title"}, {"key": "title"}]}, "columns"),
        ({"columns": [{"key": "title", "width": 5}]}, "width"),
        ({"columns": []}, "columns"),
    ],
)
async def test_a_view_the_list_could_not_run_is_refused_and_nothing_is_saved(
    api: Api, body: dict[str, Any], field: str
) -> None:
    answer = await api.call("agent1", "POST", "/v1/saved-views", json={**MINE, **body})
    assert code_of(answer) == (422, "validation_error")
    assert field in answer.text
    assert await names(api, "agent1") == []
    bad_order = await api.call(
        "agent1", "PUT", "/v1/me/list-preferences", json={"view_order": [{"$gt": ""}]}
    )
    assert code_of(bad_order) == (422, "validation_error")
