"""Canned responses (SPEC F2): staff read them, curators and authors write them, and they
render with their placeholders in the customer's language."""

from typing import Any

import pytest

from services.intake.canned.service import render_canned_response
from shared import collections
from shared.refusals import NotFound
from tests.intake_support import Api

GREETING: dict[str, Any] = {
    "title": "Password reset (密码重置)",
    "body": {
        "zh-CN": "{{customer_name}} 您好！关于工单 #{{ticket_number}}，"
        "请点击“忘记密码”。——{{agent_name}}",
        "en": "Hello {{ customer_name }}, about ticket #{{ticket_number}}: use 'Forgot "
        "password'. — {{agent_name}}",
    },
    "group": "frontline",
    "tags": ["account", "password", "account"],
}


def code_of(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


async def create(api: Api, name: str, **overrides: Any) -> dict[str, Any]:
    response = await api.call(name, "POST", "/v1/canned-responses", json={**GREETING, **overrides})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_staff_read_customers_do_not(api: Api) -> None:
    canned = await create(api, "manager")
    assert canned["tags"] == ["account", "password"]
    assert canned["created_by"] == api.ids["manager"]
    for name in ("agent2", "senior", "tech", "admin"):
        listed = await api.call(name, "GET", "/v1/canned-responses")
        assert [item["id"] for item in listed.json()["items"]] == [canned["id"]], name
        read = await api.call(name, "GET", f"/v1/canned-responses/{canned['id']}")
        assert read.json() == canned
    for method, url in [
        ("GET", "/v1/canned-responses"),
        ("GET", f"/v1/canned-responses/{canned['id']}"),
        ("GET", f"/v1/canned-responses/{canned['id']}/preview"),
        ("POST", "/v1/canned-responses"),
        ("PATCH", f"/v1/canned-responses/{canned['id']}"),
        ("DELETE", f"/v1/canned-responses/{canned['id']}"),
    ]:
        body = GREETING if method == "POST" else {"title": "x"} if method == "PATCH" else None
        response = await api.call("alice", method, url, json=body)
        assert code_of(response) == (403, "staff_only"), (method, url)
    missing = await api.call("agent1", "GET", "/v1/canned-responses/000000000000000000000000")
    assert code_of(missing) == (404, "canned_response_not_found")
    weird = await api.call("agent1", "GET", "/v1/canned-responses/%24where")
    assert code_of(weird) == (404, "canned_response_not_found")


async def test_who_writes_which_canned_response(api: Api) -> None:
    # Managers and admins write global ones; other staff only for their own groups.
    global_one = await create(api, "manager", group=None)
    assert global_one["group"] is None
    refused = await api.call(
        "agent1", "POST", "/v1/canned-responses", json={**GREETING, "group": None}
    )
    assert code_of(refused) == (403, "canned_response_forbidden")
    other_group = {**GREETING, "group": "senior_support"}
    refused = await api.call("agent1", "POST", "/v1/canned-responses", json=other_group)
    assert code_of(refused) == (403, "canned_response_forbidden")
    own = await create(api, "agent1")
    url = f"/v1/canned-responses/{own['id']}"

    # A colleague of the same group reads it but cannot change it.
    for method, body in [("PATCH", {"title": "Mine now"}), ("DELETE", None)]:
        response = await api.call("agent2", method, url, json=body)
        assert code_of(response) == (403, "canned_response_forbidden")
    response = await api.call(
        "agent1", "PATCH", f"/v1/canned-responses/{global_one['id']}", json={"title": "x"}
    )
    assert code_of(response) == (403, "canned_response_forbidden")

    # The author changes it, within their groups.
    renamed = await api.call("agent1", "PATCH", url, json={"title": "Reset steps", "tags": []})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["title"] == "Reset steps"
    assert renamed.json()["tags"] == []
    assert renamed.json()["body"] == GREETING["body"]
    assert renamed.json()["updated_at"] >= own["updated_at"]
    to_global = await api.call("agent1", "PATCH", url, json={"group": None})
    assert code_of(to_global) == (403, "canned_response_forbidden")

    # A manager curates anyone's: makes it global, then the admin deletes it.
    curated = await api.call("manager", "PATCH", url, json={"group": None})
    assert curated.status_code == 200
    assert curated.json()["group"] is None
    assert curated.json()["updated_by"] == api.ids["manager"]
    entry = await api.db[collections.AUDIT_LOG].find_one(
        {"target_id": own["id"], "actor.id": api.ids["manager"]}
    )
    assert entry is not None
    assert entry["details"] == {"before": {"group": "frontline"}, "after": {"group": None}}
    deleted = await api.call("admin", "DELETE", url)
    assert deleted.status_code == 204
    assert code_of(await api.call("agent1", "GET", url)) == (404, "canned_response_not_found")
    assert code_of(await api.call("admin", "DELETE", url)) == (404, "canned_response_not_found")

    # Authors delete their own.
    another = await create(api, "agent2")
    assert (
        await api.call("agent2", "DELETE", f"/v1/canned-responses/{another['id']}")
    ).status_code == 204


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"body": {"en": "Dear {{customer}}"}}, 422, "unknown_placeholder"),
        ({"body": {"zh-CN": "{{ order_id }} {{agent_name}}"}}, 422, "unknown_placeholder"),
        ({"body": {}}, 422, "validation_error"),
        ({"body": {"fr": "Bonjour"}}, 422, "validation_error"),
        ({"body": {"en": "   "}}, 422, "validation_error"),
        ({"title": ""}, 422, "validation_error"),
        ({"group": "nowhere"}, 403, "canned_response_forbidden"),
        ({"group": {"$ne": None}}, 422, "validation_error"),
        ({"created_by": "u-admin"}, 422, "validation_error"),
        ({"tags": ["x" * 51]}, 422, "validation_error"),
    ],
)
async def test_invalid_canned_responses_are_refused(
    api: Api, body: dict[str, Any], status: int, code: str
) -> None:
    response = await api.call("agent1", "POST", "/v1/canned-responses", json={**GREETING, **body})
    assert code_of(response) == (status, code), response.text
    assert await api.db[collections.CANNED_RESPONSES].count_documents({}) == 0


async def test_placeholders_and_groups_are_checked_on_update_too(api: Api) -> None:
    canned = await create(api, "manager")
    url = f"/v1/canned-responses/{canned['id']}"
    unknown = await api.call("manager", "PATCH", url, json={"body": {"en": "{{nope}}"}})
    assert code_of(unknown) == (422, "unknown_placeholder")
    assert unknown.json()["error"]["details"]["unknown"] == ["nope"]
    group = await api.call("manager", "PATCH", url, json={"group": "nowhere"})
    assert code_of(group) == (422, "unknown_group")
    null_title = await api.call("manager", "PATCH", url, json={"title": None})
    assert code_of(null_title) == (422, "validation_error")
    managed = await create(api, "manager", group="management")
    assert managed["group"] == "management"


async def test_list_filters_search_and_pages(api: Api) -> None:
    reset = await create(api, "agent1")
    refund = await create(
        api,
        "manager",
        title="Refund (退款) timeline",
        body={"en": "Refunds take 5 days."},
        group=None,
        tags=["order"],
    )
    upgrade = await create(
        api, "manager", title="升级方案", body={"zh-CN": "请参考升级说明。"}, group="senior_support"
    )

    async def ids(**params: Any) -> list[str]:
        response = await api.call("agent1", "GET", "/v1/canned-responses", params=params)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert await ids() == [reset["id"], refund["id"], upgrade["id"]]
    assert await ids(group="frontline") == [reset["id"]]
    assert await ids(group=["frontline", "global"]) == [reset["id"], refund["id"]]
    assert await ids(group="global") == [refund["id"]]
    assert await ids(lang="en") == [reset["id"], refund["id"]]
    assert await ids(lang="zh-CN") == [reset["id"], upgrade["id"]]
    assert await ids(tag="order") == [refund["id"]]
    assert await ids(q="REFUND") == [refund["id"]]
    assert await ids(q="退款") == [refund["id"]]
    assert await ids(q="(") == [reset["id"], refund["id"]]  # literal text, not a pattern
    assert await ids(q=".*") == []
    assert await ids(q="升级") == [upgrade["id"]]
    bad_lang = await api.call("agent1", "GET", "/v1/canned-responses", params={"lang": "fr"})
    assert code_of(bad_lang) == (422, "validation_error")

    first = await api.call("agent1", "GET", "/v1/canned-responses", params={"limit": 2})
    assert len(first.json()["items"]) == 2
    assert first.json()["next_cursor"]
    rest = await api.call(
        "agent1",
        "GET",
        "/v1/canned-responses",
        params={"limit": 2, "cursor": first.json()["next_cursor"]},
    )
    assert [item["id"] for item in rest.json()["items"]] == [upgrade["id"]]
    assert rest.json()["next_cursor"] is None
    forged = await api.call("agent1", "GET", "/v1/canned-responses", params={"cursor": "!!"})
    assert code_of(forged) == (400, "invalid_cursor")


async def test_rendering_fills_placeholders_in_the_language_asked_or_the_other(api: Api) -> None:
    both = await create(api, "agent1")
    english_only = await create(api, "agent1", body={"en": "Hi {{customer_name}} ({{agent_name}})"})
    values: dict[str, Any] = {"customer_name": "王芳", "ticket_number": 42, "agent_name": "李娜"}

    zh = await render_canned_response(
        db=api.db, canned_response_id=both["id"], language="zh-CN", **values
    )
    assert zh == "王芳 您好！关于工单 #42，请点击“忘记密码”。——李娜"
    en = await render_canned_response(
        db=api.db, canned_response_id=both["id"], language="en", **values
    )
    assert en == "Hello 王芳, about ticket #42: use 'Forgot password'. — 李娜"
    fallback = await render_canned_response(
        db=api.db, canned_response_id=english_only["id"], language="zh-CN", **values
    )
    assert fallback == "Hi 王芳 (李娜)"

    # Values are text: a customer calling themselves "{{agent_name}}" stays that.
    sneaky = await render_canned_response(
        db=api.db,
        canned_response_id=english_only["id"],
        language="en",
        customer_name="{{agent_name}} {0} %s",
        ticket_number=1,
        agent_name="Li",
    )
    assert sneaky == "Hi {{agent_name}} {0} %s (Li)"

    with pytest.raises(NotFound) as missing:
        await render_canned_response(db=api.db, canned_response_id="nope", language="en", **values)
    assert missing.value.code == "canned_response_not_found"


async def test_preview_renders_for_the_caller(api: Api) -> None:
    canned = await create(api, "agent1")
    url = f"/v1/canned-responses/{canned['id']}/preview"
    # agent2 reads English by default.
    preview = await api.call(
        "agent2", "GET", url, params={"ticket_number": 7, "customer_name": "Bob"}
    )
    assert preview.status_code == 200, preview.text
    assert preview.json() == {
        "language": "en",
        "body": "Hello Bob, about ticket #7: use 'Forgot password'. — Agent2",
    }
    partial = await api.call("agent1", "GET", url)
    assert partial.json()["language"] == "zh-CN"
    assert partial.json()["body"].startswith("{{customer_name}} 您好！关于工单 #{{ticket_number}}")
    assert partial.json()["body"].endswith("——Agent1")
