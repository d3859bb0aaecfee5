"""A ticket's whole life through the HTTP API, as its customer and its agent live it."""

from datetime import datetime

import pytest

from shared import collections
from tests.intake_support import NEW_TICKET, Api


async def test_from_filing_to_confirmation_with_a_rating(api: Api) -> None:
    ticket = await api.file("alice", priority="high")
    assert ticket["submitter"] == {
        "id": api.ids["alice"],
        "name": "Alice",
        "email": "alice@example.com",
    }
    assert ticket["priority"] == "high"
    # The desk assigns it: agent1 has the technical skill and room.
    assigned = await api.wait_for("agent1", ticket["id"], status="processing")
    assert assigned["assignee"] == {"id": api.ids["agent1"], "name": "Agent1"}

    reply = await api.call(
        "agent1",
        "POST",
        f"/v1/tickets/{ticket['id']}/messages",
        json={"body": "请问您使用的是哪个版本？", "visibility": "public"},
    )
    assert reply.status_code == 201, reply.text
    assert reply.json()["ticket"]["first_response_at"] is not None
    assert reply.json()["ticket"]["sla"]["response"]["state"] == "met"
    note = await api.call(
        "agent1",
        "POST",
        f"/v1/tickets/{ticket['id']}/messages",
        json={"body": "Customer is on the legacy plan; check the proxy.", "visibility": "internal"},
    )
    assert note.status_code == 201, note.text

    asked = await api.act("agent1", ticket["id"], "request-info", {"message": "请提供截图"})
    assert asked.status_code == 200, asked.text
    assert asked.json()["status"] == "awaiting_user"
    assert asked.json()["sla"]["paused"] is True

    answer = await api.call(
        "alice",
        "POST",
        f"/v1/tickets/{ticket['id']}/messages",
        json={"body": "Screenshot attached: version 3.2"},
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["ticket"]["status"] == "processing"  # the customer's reply resumes it
    assert answer.json()["ticket"]["sla"]["paused"] is False

    resolved = await api.act("agent1", ticket["id"], "resolve", {"solution": "Update to 3.3."})
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["status"] == "resolved"
    confirmed = await api.act("alice", ticket["id"], "confirm", {"rating": 5, "comment": "快！"})
    assert confirmed.status_code == 200, confirmed.text
    closed = confirmed.json()
    assert closed["status"] == "closed"
    assert closed["close_reason"] == "confirmed"
    assert closed["rating"] == {"score": 5, "comment": "快！"}
    # Durations exclude the time the ticket waited on the customer.
    assert closed["first_response_seconds"] is not None
    assert closed["first_response_seconds"] == closed["sla"]["response"]["elapsed_seconds"]
    resolved_at = datetime.fromisoformat(closed["resolved_at"])
    wall = (resolved_at - datetime.fromisoformat(closed["created_at"])).total_seconds()
    assert 0 < closed["resolution_seconds"] < wall
    assert closed["sla"]["paused_seconds"] > 0

    # What each side sees of the conversation and the history.
    agent_view = await api.detail("agent1", ticket["id"])
    customer_view = await api.detail("alice", ticket["id"])
    assert [m["visibility"] for m in agent_view["messages"]] == [
        "public",
        "internal",
        "public",
        "public",
    ]
    assert [m["body"] for m in customer_view["messages"]] == [
        "请问您使用的是哪个版本？",
        "请提供截图",
        "Screenshot attached: version 3.2",
    ]
    assert "Customer is on the legacy plan" not in str(customer_view)
    agent_actions = [entry["action"] for entry in agent_view["history"]]
    assert "internal_note" in agent_actions
    customer_actions = [entry["action"] for entry in customer_view["history"]]
    assert "internal_note" not in customer_actions
    assert customer_actions[0] == "created"
    assert customer_actions[-1] == "closed"
    assert customer_view["staff"] is None
    assert agent_view["staff"]["reopen_count"] == 0
    assert agent_view["submitter_profile"]["tickets_filed"] == 1
    assert customer_view["history"][-1]["actor"] == {"id": api.ids["alice"], "role": "customer"}

    # Closed is read-only forever.
    for action, body in [("reopen", {"reason": "again"}), ("claim", {})]:
        refused = await api.act("agent1", ticket["id"], action, body)
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "ticket_closed"
    late = await api.call(
        "alice", "POST", f"/v1/tickets/{ticket['id']}/messages", json={"body": "one more"}
    )
    assert late.status_code == 409
    assert await api.db[collections.TICKET_MESSAGES].count_documents({"body": "one more"}) == 0


async def test_illegal_transitions_are_409_with_the_workflows_reason(api: Api) -> None:
    ticket = await api.file("alice")
    await api.wait_for("agent1", ticket["id"], status="processing")
    before = await api.detail("agent1", ticket["id"])

    confirm = await api.act("alice", ticket["id"], "confirm", {"rating": 4})
    assert confirm.status_code == 409
    assert confirm.json()["error"]["code"] == "illegal_transition"
    assert "processing" in confirm.json()["error"]["message"]
    claim = await api.act("agent2", ticket["id"], "claim")
    assert (claim.status_code, claim.json()["error"]["code"]) == (409, "already_assigned")
    lower = await api.act("agent1", ticket["id"], "escalate", {"level": 0, "reason": "x"})
    assert lower.status_code == 422  # level 0 is not an escalation: refused by the schema
    merge_self = await api.act("agent1", ticket["id"], "merge", {"into_ticket_id": ticket["id"]})
    assert (merge_self.status_code, merge_self.json()["error"]["code"]) == (
        409,
        "illegal_transition",
    )

    after = await api.detail("agent1", ticket["id"])
    assert after["history"] == before["history"]  # nothing changed
    assert after["status"] == "processing"


async def test_escalation_moves_the_ticket_to_the_next_group(api: Api) -> None:
    ticket = await api.file("alice")
    await api.wait_for("agent1", ticket["id"], status="processing")
    response = await api.act(
        "agent1", ticket["id"], "escalate", {"level": 1, "reason": "needs a senior"}
    )
    assert response.status_code == 200, response.text
    escalated = response.json()
    assert escalated["escalation_level"] == 1
    assert escalated["group"] == "senior_support"
    # The senior group sees it now and the senior agent takes it (auto-assigned or claimed).
    detail = await api.wait_for("senior", ticket["id"], status="processing")
    assert detail["assignee"]["id"] == api.ids["senior"]


async def test_account_operations_need_a_verified_identity(api: Api) -> None:
    ticket = await api.file("alice", type="account", category="password_reset")
    await api.wait_for("agent1", ticket["id"], status="processing")
    operation = {"operation": "reset_password", "detail": "sent reset link"}
    refused = await api.act("agent1", ticket["id"], "record-operation", operation)
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "identity_not_verified")
    verified = await api.act(
        "agent1", ticket["id"], "verify-identity", {"method": "sms_code", "passed": True}
    )
    assert verified.status_code == 200, verified.text
    done = await api.act("agent1", ticket["id"], "record-operation", operation)
    assert done.status_code == 200, done.text
    log = await api.db[collections.OPERATION_LOG].find_one({"ticket_id": ticket["id"]})
    assert log is not None
    assert log["operation"] == "reset_password"
    assert log["actor_id"] == api.ids["agent1"]
    customer_view = await api.detail("alice", ticket["id"])
    assert "sent reset link" not in str(customer_view)


async def test_manager_assigns_and_priority_change_recomputes_deadlines(api: Api) -> None:
    ticket = await api.file("alice", type="order", category="refund")
    await api.wait_for("agent2", ticket["id"], status="processing")
    assigned = await api.act("manager", ticket["id"], "assign", {"agent_id": api.ids["agent1"]})
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["assignee"]["id"] == api.ids["agent1"]
    by_agent = await api.act("agent1", ticket["id"], "assign", {"agent_id": api.ids["agent2"]})
    assert (by_agent.status_code, by_agent.json()["error"]["code"]) == (403, "not_permitted")
    unknown = await api.act("manager", ticket["id"], "assign", {"agent_id": api.ids["alice"]})
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (422, "unknown_agent")

    before = assigned.json()["sla"]["resolution"]["due_at"]
    raised = await api.act(
        "agent1", ticket["id"], "set-priority", {"priority": "urgent", "reason": "VIP"}
    )
    assert raised.status_code == 200, raised.text
    assert raised.json()["priority"] == "urgent"
    assert raised.json()["sla"]["resolution"]["due_at"] < before


@pytest.mark.parametrize("reason", ["invalid", "no_action"])
async def test_agent_closes_and_merges(api: Api, reason: str) -> None:
    original = await api.file("alice", title="Printer on fire")
    duplicate = await api.file("alice", title="Another one", category="configuration")
    closed = await api.act("agent1", original["id"], "close", {"reason": reason, "note": "n/a"})
    assert closed.status_code == 200, closed.text
    assert closed.json()["close_reason"] == reason
    into_closed = await api.act(
        "agent1", duplicate["id"], "merge", {"into_ticket_id": original["id"]}
    )
    assert (into_closed.status_code, into_closed.json()["error"]["code"]) == (409, "ticket_closed")
    third = await api.file("alice", title="Third", category="performance")
    merged = await api.act("agent1", duplicate["id"], "merge", {"into_ticket_id": third["id"]})
    assert merged.status_code == 200, merged.text
    assert merged.json()["merged_into"] == third["id"]
    assert merged.json()["close_reason"] == "duplicate"


async def test_related_order_and_canned_reply_in_the_customers_language(api: Api) -> None:
    await api.db[collections.ORDERS].insert_many(
        [
            {"_id": "SO-1", "customer_id": api.ids["bob"], "status": "paid", "total": 10},
            {"_id": "SO-2", "customer_id": api.ids["alice"], "status": "paid", "total": 20},
        ]
    )
    canned = await api.call(
        "manager",
        "POST",
        "/v1/canned-responses",
        json={
            "title": "Refund",
            "body": {
                "zh-CN": "{{customer_name}} 您好，工单 #{{ticket_number}} 已退款。{{agent_name}}",
                "en": "Hi {{customer_name}}, ticket #{{ticket_number}} refunded. {{agent_name}}",
            },
        },
    )
    assert canned.status_code == 201, canned.text
    ticket = await api.file("bob", type="order", category="refund", order_id="SO-1")
    assert (await api.detail("bob", ticket["id"]))["order"]["status"] == "paid"
    assert (await api.detail("agent2", ticket["id"]))["order"]["id"] == "SO-1"
    # Someone else's order cannot be named: refused as unknown, and nothing is filed.
    other = await api.call(
        "bob",
        "POST",
        "/v1/tickets",
        json={**NEW_TICKET, "type": "order", "category": "refund", "order_id": "SO-2"},
    )
    assert (other.status_code, other.json()["error"]["code"]) == (422, "unknown_order")
    unknown = await api.call("bob", "POST", "/v1/tickets", json={**NEW_TICKET, "order_id": "SO-9"})
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (422, "unknown_order")
    assert await api.db[collections.TICKETS].count_documents({"order_id": {"$ne": "SO-1"}}) == 0

    sent = await api.call(
        "agent1",
        "POST",
        f"/v1/tickets/{ticket['id']}/messages",
        json={"canned_response_id": canned.json()["id"]},
    )
    assert sent.status_code == 201, sent.text
    # agent1 reads Chinese, bob English: the customer's language decides a public reply
    assert sent.json()["message"]["body"] == (
        f"Hi Bob, ticket #{ticket['number']} refunded. Agent1"
    )
    by_customer = await api.call(
        "bob",
        "POST",
        f"/v1/tickets/{ticket['id']}/messages",
        json={"canned_response_id": canned.json()["id"]},
    )
    assert (by_customer.status_code, by_customer.json()["error"]["code"]) == (403, "staff_only")
