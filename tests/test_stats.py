"""Statistics (I1–I5, E3): a deterministic history written through the workflow's own event
writer, refreshed into ticket facts, and every figure of every report asserted exactly."""

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.workflows.stats.refresh import refresh_ticket_stats
from shared import collections
from shared.clock import utcnow
from shared.mongo import Database
from shared.settings import Settings
from tests.intake_support import Api, running_api
from tests.stats_support import History, record, write_histories

AGENT1, AGENT2, SENIOR = "u-agent1", "u-agent2", "u-senior"
PERIOD = {"from": "2026-03-01", "to": "2026-03-07"}  # [03-01, 03-08) UTC


def d(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def histories() -> list[History]:
    t1 = History("t1", 1, d(1, 9), "无法连接服务器", rating={"score": 5, "comment": "great"})
    t1.assigned(d(1, 9, 10), AGENT1).replied(d(1, 9, 30), AGENT1)
    t1.add(d(1, 10), "info_requested", "agent", AGENT1, to_status="awaiting_user")
    t1.add(d(1, 12), "customer_replied", "customer", "cust-1", to_status="processing")
    t1.resolved(d(1, 13), AGENT1)
    t1.add(
        d(1, 14), "closed", "customer", "cust-1", to_status="closed", data={"reason": "confirmed"}
    )

    t2 = History(
        "t2", 2, d(1, 10), "Cannot log in after password reset",
        type="account", category="login", priority="high",
    )  # fmt: skip
    t2.add(d(1, 10, 1), "queued", data={"group": "frontline"})
    t2.breached(d(1, 12), "response").assigned(d(1, 12, 30), AGENT2).replied(d(1, 13), AGENT2)
    escalation = {"from_level": 0, "to_level": 1, "group": "senior_support"}
    t2.add(d(1, 14), "escalated", "agent", AGENT2, to_status="pending", data=escalation)
    t2.breached(d(1, 16), "resolution").assigned(d(1, 17), SENIOR)
    t2.resolved(d(10, 9), SENIOR)  # after the period: not counted in it

    t3 = History("t3", 3, d(2, 9), "连接服务器失败", rating={"score": 2, "comment": "slow"})
    t3.assigned(d(2, 9, 5), AGENT1).resolved(d(2, 10), AGENT1)
    t3.add(d(2, 11), "reopened", "customer", "cust-3", to_status="processing")
    t3.resolved(d(2, 12), AGENT1)
    t3.add(
        d(3, 9), "closed", "customer", "cust-3", to_status="closed", data={"reason": "confirmed"}
    )

    t4 = History("t4", 4, d(5, 8), "退款还没到账", type="order", category="refund", priority="low")
    t5 = History("t5", 5, d(27, 10, month=2), "Connection refused after update")
    t5.assigned(d(27, 10, 5, month=2), AGENT1).replied(d(27, 11, month=2), AGENT1)
    t5.resolved(d(2, 10), AGENT1)  # created before the period, resolved in it
    t6 = History("t6", 6, d(6, 20), "Invoice is wrong", type="order", category="invoice")
    # 1 a.m. on March 1st in Shanghai: in a Shanghai period, not in the UTC one
    t7 = History("t7", 7, d(28, 17, month=2), "App crashes on start", category="compatibility")
    return [t1, t2, t3, t4, t5, t6, t7]


@pytest.fixture
async def stats(settings: Settings, db: Database) -> AsyncIterator[Api]:
    """The intake API over the seeded history, its facts refreshed."""
    await write_histories(db, histories())
    now = utcnow()
    live: dict[str, dict[str, Any]] = {
        "t1": {"status": "closed"},
        "t2": {"status": "resolved"},
        "t3": {"status": "closed"},
        "t4": {
            "status": "pending",
            "sla": {
                "state": "at_risk",
                "response": {"due_at": now + timedelta(hours=1), "state": "at_risk"},
                "resolution": {"due_at": now + timedelta(hours=5), "state": "on_track"},
            },
        },
        "t5": {"status": "resolved"},
        "t7": {"status": "closed"},
        "t6": {
            "status": "processing",
            "assignee": {"id": AGENT2, "name": "Agent2"},
            "sla": {
                "state": "breached",
                "response": {"due_at": now - timedelta(hours=2), "state": "breached"},
                "resolution": {"due_at": now + timedelta(hours=20), "state": "on_track"},
            },
        },
    }
    for ticket_id, fields in live.items():
        await db[collections.TICKETS].update_one({"_id": ticket_id}, {"$set": fields})
    # FAQ coverage and deflection of `connection`: one published article (and a draft);
    # two sessions read it, one of which (s1) filed t1.
    await db[collections.FAQ_ARTICLES].insert_many(
        [
            {"_id": "a1", "category": "connection", "status": "published"},
            {"_id": "a2", "category": "connection", "status": "draft"},
        ]
    )
    await db[collections.KNOWLEDGE_EVENTS].insert_many(
        [
            {"_id": f"e{i}", "at": d(1, 8), "kind": "open", "session": s, "article_id": "a1"}
            for i, s in enumerate(("s1", "s2"))
        ]
    )
    await db[collections.TICKETS].update_one({"_id": "t1"}, {"$set": {"source.session": "s1"}})
    outcome = await refresh_ticket_stats(db=db, now=utcnow())
    assert (outcome.tickets, outcome.caught_up) == (7, True)
    async for api in running_api(settings, db):
        yield api


async def report(api: Api, name: str, who: str = "manager", **params: str) -> dict[str, Any]:
    response = await api.call(who, "GET", f"/v1/stats/{name}", params={**PERIOD, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_volume(stats: Api) -> None:
    body = await report(stats, "volume")
    assert body["total"] == 5  # t5 was created before the period
    assert body["resolved_in_period"] == 4  # t1, t3 twice, t5; t2's came after
    assert body["status_at_end"] == {
        "pending": 2,
        "processing": 1,
        "awaiting_user": 0,
        "resolved": 0,
        "closed": 2,
    }  # fmt: skip  (t2 was with senior support at the end)
    assert body["open_now"] == {"pending": 1, "processing": 1, "awaiting_user": 0}
    series = {line["bucket"]: (line["new"], line["resolved"]) for line in body["series"]}
    assert series == {
        "2026-03-01": (2, 1),
        "2026-03-02": (1, 3),
        "2026-03-03": (0, 0),
        "2026-03-04": (0, 0),
        "2026-03-05": (1, 0),
        "2026-03-06": (1, 0),
        "2026-03-07": (0, 0),
    }
    assert body["period"]["granularity"] == "day"


async def test_volume_in_a_time_zone_and_by_the_hour(stats: Api) -> None:
    shanghai = await report(stats, "volume", tz="Asia/Shanghai")
    new = {line["bucket"]: line["new"] for line in shanghai["series"] if line["new"]}
    # t6 was filed at 20:00 UTC on the 6th: the 7th in Shanghai; t7 late on February 28th
    # UTC: March 1st in Shanghai, inside its period (which starts at 16:00 UTC the day before)
    assert new == {"2026-03-01": 3, "2026-03-02": 1, "2026-03-05": 1, "2026-03-07": 1}
    assert shanghai["total"] == 6

    hourly = await report(
        stats, "volume", **{"from": "2026-03-01T00:00:00Z", "to": "2026-03-02T00:00:00Z"}
    )
    assert hourly["period"]["granularity"] == "hour"
    assert len(hourly["series"]) == 24
    new = {line["bucket"]: line["new"] for line in hourly["series"] if line["new"]}
    assert new == {"2026-03-01T09:00": 1, "2026-03-01T10:00": 1}


async def test_efficiency(stats: Api) -> None:
    body = await report(stats, "efficiency")
    assert body["tickets"] == 5
    # t1 1,800 s, t2 10,800 s, t3 3,600 s (answered by its resolution)
    assert body["first_response"] == {
        "count": 3, "average_seconds": 5400.0, "median_seconds": 3600.0,
    }  # fmt: skip
    # t1: 4 h less 2 h waiting on the customer; t3: 3 h to its second resolution
    assert body["resolution"] == {
        "count": 2, "average_seconds": 9000.0, "median_seconds": 9000.0,
    }  # fmt: skip
    assert body["resolution_rate"] == 0.4
    assert body["sla_breach"] == {
        "response": {"breached": 1, "met": 2, "breach_rate": 0.3333},
        "resolution": {"breached": 1, "met": 2, "breach_rate": 0.3333},
    }
    assert (body["reopened"], body["reopen_rate"]) == (1, 0.5)
    assert "waited on the customer" in body["note"]


async def test_sla(stats: Api) -> None:
    body = await report(stats, "sla")
    assert body["attainment"] == {
        "response": {"met": 2, "breached": 1, "attainment": 0.6667},
        "resolution": {"met": 2, "breached": 1, "attainment": 0.6667},
    }
    by_priority = {line["priority"]: line for line in body["attainment_by_priority"]}
    assert by_priority["normal"]["response"] == {"met": 2, "breached": 0, "attainment": 1.0}
    assert by_priority["high"]["resolution"] == {"met": 0, "breached": 1, "attainment": 0.0}
    assert by_priority["low"]["response"] == {"met": 0, "breached": 0, "attainment": None}

    [at_risk] = body["at_risk_now"]
    assert (at_risk["id"], at_risk["clock"]) == ("t4", "response")
    assert 3500 < at_risk["seconds_left"] <= 3600
    [breached] = body["breached_now"]
    assert (breached["id"], breached["clock"], breached["assignee"]) == ("t6", "response", AGENT2)
    assert -7300 < breached["seconds_left"] <= -7200

    causes = body["breach_causes"]
    response = {c["cause"]: c for c in causes["response"]["causes"]}
    assert causes["response"]["breached"] == 1
    assert response["queue"] == {
        "cause": "queue",
        "seconds": 7200.0,
        "share": 1.0,
        "dominant_in": 1,
    }
    resolution = {c["cause"]: (c["seconds"], c["share"]) for c in causes["resolution"]["causes"]}
    # t2: 2.5 h in the queue, 1.5 h with agent2, 2 h waiting at the senior level
    assert resolution == {
        "queue": (9000.0, 0.4167), "agent": (5400.0, 0.25), "escalation": (7200.0, 0.3333),
    }  # fmt: skip


async def test_agents(stats: Api) -> None:
    rows = (await report(stats, "agents"))["agents"]
    assert [row["agent_id"] for row in rows] == [AGENT1, AGENT2, SENIOR]
    agent1, agent2, senior = rows
    assert agent1 == {
        "agent_id": AGENT1,
        "name": "Agent1",
        "handled": 2,
        "resolved": 2,
        "resolution_rate": 1.0,
        "average_first_response_seconds": 2700.0,
        "ratings": 2,
        "average_satisfaction": 3.5,
        "open_now": 0,
    }
    assert (agent2["handled"], agent2["resolved"], agent2["open_now"]) == (1, 0, 1)
    assert agent2["average_first_response_seconds"] == 10800.0
    # senior resolved t2 after the period: handled in it, not resolved in it
    assert (senior["handled"], senior["resolved"], senior["resolution_rate"]) == (1, 0, 0.0)


async def test_problems(stats: Api) -> None:
    body = await report(stats, "problems")
    categories = {line["name"]: (line["tickets"], line["share"]) for line in body["by_category"]}
    assert categories == {
        "connection": (2, 0.4), "login": (1, 0.2), "refund": (1, 0.2), "invoice": (1, 0.2),
    }  # fmt: skip
    types = {line["name"]: line["tickets"] for line in body["by_type"]}
    assert types == {"technical": 2, "account": 1, "order": 2}
    terms = {line["term"]: line["tickets"] for line in body["top_title_terms"]}
    assert terms["连接"] == terms["服务器"] == 2  # Chinese titles segmented into words
    assert terms["password"] == 1
    hardest = body["hardest"]
    assert [(t["ticket_id"], t["value"]) for t in hardest["longest_resolution"]] == [
        ("t3", 10800.0),
        ("t1", 7200.0),
    ]
    assert [(t["ticket_id"], t["value"]) for t in hardest["most_escalations"]] == [("t2", 1)]
    assert [(t["ticket_id"], t["value"]) for t in hardest["most_reopens"]] == [("t3", 1)]
    lines = {line["category"]: line for line in body["categories"]}
    connection = lines["connection"]
    assert (connection["faq_articles"], connection["deflection_rate"]) == (1, 0.5)
    assert connection["hints"] == ["few_faq_articles", "solutions_do_not_hold"]
    assert connection["summary"] == "connection: 40 % of tickets, 1 FAQ articles, deflection 50 %"
    assert lines["login"]["hints"] == ["few_faq_articles", "resolution_sla_often_breached"]
    assert lines["refund"]["deflection_rate"] is None


async def test_satisfaction(stats: Api) -> None:
    body = await report(stats, "satisfaction")
    assert (body["surveyed"], body["rated"], body["response_rate"]) == (2, 2, 1.0)
    assert body["average"] == 3.5
    counts = {line["score"]: line["count"] for line in body["distribution"]}
    assert counts == {1: 0, 2: 1, 3: 0, 4: 0, 5: 1}
    assert [(c["number"], c["score"], c["comment"]) for c in body["comments"]] == [
        (3, 2, "slow"),
        (1, 5, "great"),
    ]


async def test_filters_and_scope(stats: Api) -> None:
    assert (await report(stats, "volume", category="connection"))["total"] == 2
    assert (await report(stats, "volume", agent=AGENT2))["total"] == 1
    assert (await report(stats, "volume", priority="high", type="account"))["total"] == 1
    # an agent of senior support sees the ticket escalated to it, nothing else
    assert (await report(stats, "volume", who="senior"))["total"] == 1
    # a frontline agent sees the frontline's tickets (every ticket starts there)
    assert (await report(stats, "volume", who="agent1"))["total"] == 5


def without_countdowns(body: dict[str, Any]) -> dict[str, Any]:
    """A report without the live tickets' seconds left, which change between two calls."""
    live = ("at_risk_now", "breached_now")
    return {
        key: [{**t, "seconds_left": None} for t in value] if key in live else value
        for key, value in body.items()
    }


@pytest.mark.parametrize("who", ["manager", "agent1"])
async def test_the_dashboard_answers_every_report_as_its_own_endpoint_does(
    stats: Api, who: str
) -> None:
    params = {**PERIOD, "category": "connection"} if who == "manager" else PERIOD
    response = await stats.call(who, "GET", "/v1/stats/dashboard", params=params)
    assert response.status_code == 200, response.text
    answers = response.json()
    names = ["volume", "efficiency", "sla", "agents", "problems", "satisfaction"]
    assert sorted(answers) == sorted(names)
    for name in names:
        alone = await report(stats, name, who, **params)
        assert without_countdowns(answers[name]) == without_countdowns(alone), name
    # Some of them, by name; an unknown name is refused.
    some = await stats.call(
        who, "GET", "/v1/stats/dashboard", params={**params, "report": ["sla", "volume"]}
    )
    assert sorted(some.json()) == ["sla", "volume"]
    bad = await stats.call(who, "GET", "/v1/stats/dashboard", params={**params, "report": "x"})
    assert (bad.status_code, bad.json()["error"]["code"]) == (422, "validation_error")


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"priority": "bogus"}, 422, "validation_error"),
        ({"tz": "Mars/Olympus"}, 422, "invalid_time_zone"),
        ({"from": "2026-03-08", "to": "2026-03-01"}, 422, "invalid_period"),
        ({"from": "yesterday"}, 422, "invalid_period"),
        ({"from": "2024-01-01", "to": "2026-03-01"}, 422, "period_too_long"),
    ],
)
async def test_bad_questions_get_clear_errors(
    stats: Api, params: dict[str, str], status: int, code: str
) -> None:
    response = await stats.call("manager", "GET", "/v1/stats/volume", params={**PERIOD, **params})
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


async def test_customers_get_no_statistics(stats: Api) -> None:
    response = await stats.call("alice", "GET", "/v1/stats/volume", params=PERIOD)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "staff_only"


async def test_export_csv(stats: Api) -> None:
    response = await stats.call(
        "manager", "GET", "/v1/stats/export", params={**PERIOD, "report": "agents"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="agents-2026-03-01_2026-03-08.csv"' in response.headers["content-disposition"]
    assert response.text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(response.text.removeprefix("\ufeff"))))
    assert [(r["agent_id"], r["handled"], r["average_satisfaction"]) for r in rows] == [
        (AGENT1, "2", "3.5"),
        (AGENT2, "1", ""),
        (SENIOR, "1", ""),
    ]
    for name in ("volume", "efficiency", "sla", "problems", "satisfaction"):
        exported = await stats.call(
            "manager", "GET", "/v1/stats/export", params={**PERIOD, "report": name}
        )
        assert exported.status_code == 200, (name, exported.text)
        assert len(exported.text.splitlines()) > 1, name
    volume = await stats.call(
        "manager", "GET", "/v1/stats/export", params={**PERIOD, "report": "volume"}
    )
    lines = list(csv.DictReader(io.StringIO(volume.text.removeprefix("\ufeff"))))
    assert lines[0] == {"bucket": "2026-03-01", "new": "2", "resolved": "1"}
    bad = await stats.call(
        "manager", "GET", "/v1/stats/export", params={**PERIOD, "report": "everything"}
    )
    assert bad.status_code == 422


async def test_a_past_period_stays_the_same_when_its_tickets_change(
    stats: Api, db: Database
) -> None:
    before = await report(stats, "efficiency")
    del before["period"]
    t3 = next(h for h in histories() if h.ticket_id == "t3")
    # t3 is reopened long after the period (as if its close had not been final)
    late = History("t3", 3, t3.created_at, t3.title)
    late.events = list(t3.events)
    late.add(d(20, 9), "reopened", "customer", "cust-3", to_status="processing")
    await record(db, late.events[-1])
    await refresh_ticket_stats(db=db, now=utcnow())
    facts = await db[collections.TICKET_STATS].find_one({"_id": "t3"})
    assert facts is not None
    assert len(facts["reopens"]) == 2  # the refresh saw it
    after = await report(stats, "efficiency")
    del after["period"]
    assert after == before


async def test_reports_follow_a_day_packed_again(stats: Api, db: Database) -> None:
    """Intake keeps decoded day packs; a day the refresh packs again is read again."""
    before = {row["agent_id"]: row for row in (await report(stats, "agents"))["agents"]}
    assert before[AGENT2]["handled"] == 1
    t4 = History("t4", 4, d(5, 8), "退款还没到账")
    t4.assigned(d(5, 9), AGENT2)
    await record(db, t4.events[-1])
    await refresh_ticket_stats(db=db, now=utcnow())
    after = {row["agent_id"]: row for row in (await report(stats, "agents"))["agents"]}
    assert after[AGENT2]["handled"] == 2
