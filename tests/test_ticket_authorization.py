"""Who may do what to whose ticket (K1, K2): every role against every ticket endpoint, on
the customer's own ticket and on someone else's. Unseen tickets are 404, not 403."""

from typing import Any

import pytest

from shared import collections
from tests.intake_support import Api

# A pending account ticket of alice's in the frontline group. Each probe is an action the
# ticket's state refuses, so a caller who gets past authorization gets a 409 (or 422) and
# nothing changes between probes.
PROBES: dict[str, dict[str, Any]] = {
    "resolve": {"solution": "x"},
    "request-info": {},
    "reopen": {"reason": "x"},
    "confirm": {},
    "set-priority": {"priority": "normal", "reason": "x"},
    "add-collaborator": {"group": "frontline"},
    "record-operation": {"operation": "unlock", "detail": ""},
    "assign": {"agent_id": "no-such-agent"},
}
UNSEEN = ("bob", "senior", "tech")
STAFF_ALLOWED = {
    "resolve": 409,
    "request-info": 409,
    "reopen": 409,
    "confirm": 403,  # only the customer confirms
    "set-priority": 409,
    "add-collaborator": 409,
    "record-operation": 409,  # identity not verified yet
}


def expected(caller: str, action: str) -> int:
    if caller in UNSEEN:
        return 404
    if caller == "alice":
        return 409 if action in ("reopen", "confirm") else 403
    if action == "assign":
        return 422 if caller in ("manager", "admin") else 403
    return STAFF_ALLOWED[action]


@pytest.fixture
async def pending_ticket(api: Api) -> dict[str, Any]:
    # Nobody in frontline has room: the ticket stays pending and unassigned.
    await api.db[collections.USERS].update_many({}, {"$set": {"available": False}})
    ticket = await api.file("alice", type="account", category="login", priority="normal")
    await api.wait_for("admin", ticket["id"], status="pending")
    return ticket


async def test_each_role_on_each_action(api: Api, pending_ticket: dict[str, Any]) -> None:
    ticket_id = pending_ticket["id"]
    results = {}
    for caller in ("alice", "bob", "agent1", "senior", "tech", "manager", "admin"):
        for action, body in PROBES.items():
            response = await api.act(caller, ticket_id, action, body)
            results[(caller, action)] = (response.status_code, expected(caller, action))
    wrong = {cell: got for cell, got in results.items() if got[0] != got[1]}
    assert wrong == {}, wrong
    detail = await api.detail("admin", ticket_id)
    assert [entry["action"] for entry in detail["history"]] == ["created", "queued"]


async def test_reading_and_writing_on_own_and_others_tickets(
    api: Api, pending_ticket: dict[str, Any]
) -> None:
    ticket_id = pending_ticket["id"]
    sees = {"alice": 200, "bob": 404, "agent1": 200, "agent2": 200, "senior": 404}
    sees |= {"tech": 404, "manager": 200, "admin": 200}
    for caller, status in sees.items():
        response = await api.call(caller, "GET", f"/v1/tickets/{ticket_id}")
        assert response.status_code == status, caller
        if status == 404:
            assert response.json()["error"]["code"] == "ticket_not_found"
        listed = (await api.call(caller, "GET", "/v1/tickets")).json()["items"]
        assert [t["id"] for t in listed] == ([ticket_id] if status == 200 else []), caller

    url = f"/v1/tickets/{ticket_id}/messages"
    public = {"body": "hello", "visibility": "public"}
    internal = {"body": "secret", "visibility": "internal"}
    assert (await api.call("bob", "POST", url, json=public)).status_code == 404
    assert (await api.call("senior", "POST", url, json=internal)).status_code == 404
    note = await api.call("alice", "POST", url, json=internal)
    assert (note.status_code, note.json()["error"]["code"]) == (403, "staff_only")
    assert (await api.call("alice", "POST", url, json=public)).status_code == 201
    assert (await api.call("agent2", "POST", url, json=internal)).status_code == 201
    assert await api.db[collections.TICKET_MESSAGES].count_documents({}) == 2


async def test_collaborating_group_sees_the_ticket(
    api: Api, pending_ticket: dict[str, Any]
) -> None:
    ticket_id = pending_ticket["id"]
    added = await api.act("agent1", ticket_id, "add-collaborator", {"group": "technical_team"})
    assert added.status_code == 200, added.text
    assert (await api.call("tech", "GET", f"/v1/tickets/{ticket_id}")).status_code == 200
    assert (await api.call("senior", "GET", f"/v1/tickets/{ticket_id}")).status_code == 404


async def test_anonymous_callers_get_401_everywhere(
    api: Api, pending_ticket: dict[str, Any]
) -> None:
    ticket_id = pending_ticket["id"]
    for method, url in [
        ("GET", "/v1/tickets"),
        ("POST", "/v1/tickets"),
        ("GET", f"/v1/tickets/{ticket_id}"),
        ("POST", f"/v1/tickets/{ticket_id}/messages"),
        ("POST", f"/v1/tickets/{ticket_id}/actions/claim"),
        ("GET", "/v1/me"),
    ]:
        response = await api.client.request(method, url, json={})
        assert response.status_code == 401, (method, url)
        assert response.json()["error"]["code"] == "not_authenticated"
