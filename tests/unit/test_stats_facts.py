"""A ticket's statistics facts from its history, with no servers: working time leaves out
the customer's waiting, a breach says where its time went, and day packs round-trip."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from shared.enums import Role, TicketStatus
from shared.mongo import Document
from shared.stats.facts import ticket_facts
from shared.stats.packs import days_touched, decode, encode
from shared.stats.terms import title_terms
from shared.ticket.vocabulary import TicketAction

T0 = datetime(2026, 3, 2, 22, 0, tzinfo=UTC)
AGENT = {"id": "ag-1", "role": Role.AGENT.value}
CUSTOMER = {"id": "cust-1", "role": Role.CUSTOMER.value}
SYSTEM = {"id": "system", "role": Role.SYSTEM.value}


class History:
    """Events of one ticket, written in the order they happen."""

    def __init__(self) -> None:
        self.events: list[Document] = []
        self.event(0, TicketAction.CREATED, CUSTOMER, data=_created_data())

    def event(
        self,
        minutes: float,
        action: TicketAction,
        actor: dict[str, str],
        *,
        data: dict[str, Any] | None = None,
        to_status: TicketStatus | None = None,
    ) -> "History":
        entry: Document = {
            "ticket_id": "t-1",
            "seq": len(self.events),
            "at": T0 + timedelta(minutes=minutes),
            "action": action.value,
            "actor": actor,
            "data": data or {},
        }
        if to_status is not None:
            entry["to_status"] = to_status.value
        self.events.append(entry)
        return self


def _created_data() -> dict[str, Any]:
    return {"type": "technical", "category": "connection", "priority": "high"}


def _assigned(history: History, minutes: float) -> History:
    return history.event(
        minutes,
        TicketAction.ASSIGNED,
        SYSTEM,
        data={"agent": {"id": "ag-1", "name": "Li"}},
        to_status=TicketStatus.PROCESSING,
    )


def test_no_history_yet_has_no_facts() -> None:
    assert ticket_facts([], None, []) is None
    assigned_first = [{"ticket_id": "t-1", "seq": 0, "at": T0, "action": "assigned", "data": {}}]
    assert ticket_facts(assigned_first, None, []) is None


def test_working_time_leaves_out_the_customers_waiting() -> None:
    history = _assigned(History(), 10)
    history.event(30, TicketAction.AGENT_REPLIED, AGENT)
    history.event(60, TicketAction.INFO_REQUESTED, AGENT, to_status=TicketStatus.AWAITING_USER)
    history.event(180, TicketAction.CUSTOMER_REPLIED, CUSTOMER, to_status=TicketStatus.PROCESSING)
    history.event(240, TicketAction.RESOLVED, AGENT, to_status=TicketStatus.RESOLVED)
    history.event(300, TicketAction.CLOSED, SYSTEM, data={"reason": "auto"})
    facts = ticket_facts(history.events, {"number": 7, "title": "VPN"}, ["vpn"])
    assert facts is not None
    assert facts["first_response"] == {
        "at": T0 + timedelta(minutes=30),
        "seconds": 1800.0,
        "by": "ag-1",
    }
    # four hours from filing to resolution, two of them waiting on the customer
    assert facts["resolutions"] == [
        {"at": T0 + timedelta(minutes=240), "seconds": 7200.0, "by": "ag-1"}
    ]
    assert [s["status"] for s in facts["statuses"]] == [
        "pending", "processing", "awaiting_user", "processing", "resolved",
    ]  # fmt: skip
    assert (facts["closed_at"], facts["close_reason"]) == (T0 + timedelta(minutes=300), "auto")
    assert facts["handled_by"] == ["ag-1"]
    assert (facts["number"], facts["title_terms"], facts["last_event_seq"]) == (7, ["vpn"], 6)


def test_a_customers_reply_is_not_a_first_response() -> None:
    history = History().event(5, TicketAction.CUSTOMER_REPLIED, CUSTOMER)
    history.event(20, TicketAction.AUTO_REPLIED, SYSTEM)
    facts = ticket_facts(history.events, None, [])
    assert facts is not None
    assert facts["first_response"] is None


def test_a_breach_says_where_its_time_went() -> None:
    history = History()
    history.event(
        10,
        TicketAction.ESCALATED,
        SYSTEM,
        data={"to_level": 1, "group": "senior_support"},
    )
    history.event(40, TicketAction.SLA_BREACHED, SYSTEM, data={"clock": "response"})
    history.event(50, TicketAction.SLA_BREACHED, SYSTEM, data={"clock": "response"})
    facts = ticket_facts(history.events, None, [])
    assert facts is not None
    assert facts["breaches"]["response"] == {
        "at": T0 + timedelta(minutes=40),
        "causes": {"queue": 600.0, "agent": 0.0, "escalation": 1800.0},
    }  # the first breach only
    assert facts["breaches"]["resolution"] is None
    assert facts["groups"] == ["frontline", "senior_support"]
    assert facts["escalations"] == [{"at": T0 + timedelta(minutes=10), "level": 1}]


def test_the_priority_and_rating_are_the_final_ones() -> None:
    history = History().event(5, TicketAction.PRIORITY_CHANGED, AGENT, data={"to": "urgent"})
    rated = {"rating": {"score": 4, "comment": "ok"}}
    open_facts = ticket_facts(history.events, rated, [])
    assert open_facts is not None
    assert open_facts["priority"] == "urgent"
    assert open_facts["rating"] is None  # a rating counts once the ticket is closed
    history.event(60, TicketAction.CLOSED, CUSTOMER, data={"reason": "confirmed"})
    closed = ticket_facts(history.events, rated, [])
    assert closed is not None
    assert closed["rating"] == {"score": 4, "comment": "ok", "at": T0 + timedelta(minutes=60)}


def test_a_ticket_is_packed_on_its_creation_day_and_each_resolution_day() -> None:
    history = _assigned(History(), 10)
    history.event(150, TicketAction.RESOLVED, AGENT, to_status=TicketStatus.RESOLVED)  # 00:30
    facts = ticket_facts(history.events, None, [])
    assert facts is not None
    assert days_touched(facts) == {date(2026, 3, 2), date(2026, 3, 3)}


def test_packs_round_trip() -> None:
    entries = [{"_id": "t-1", "title": "登录失败 login", "created_at": 1.5, "rating": None}]
    assert decode(encode(entries)) == entries
    assert decode(None) == []


def test_title_terms_keep_the_meaningful_words_once() -> None:
    terms = title_terms("Cannot login: login PAGE is too slow, please help")
    assert terms == ["login", "page", "slow"]
    chinese = title_terms("登录问题 登录失败")
    assert "登录" in chinese
    assert "问题" not in chinese  # a stop word
    assert chinese.count("登录") == 1
