"""SLA monitoring (E3): attainment per priority and clock, the tickets at risk and breached
now, and where the breached tickets' time went."""

from collections import Counter
from datetime import datetime
from typing import Any

from services.intake.stats.asof import CLOCKS, breach_by, rate, sla_outcome
from services.intake.stats.load import ReportInputs
from shared.clock import utcnow
from shared.enums import Priority, SlaState
from shared.mongo import Document
from shared.stats.facts import BreachCause

LIVE_LIMIT = 100


def _attainment(
    outcomes: Counter[tuple[str | None, str | None]], priority: str | None
) -> dict[str, Any]:
    """Met, breached and attainment of one priority's tickets (None: all of them), from
    the (priority, outcome) counts."""

    def count(outcome: str) -> int:
        return sum(n for (p, o), n in outcomes.items() if o == outcome and priority in (None, p))

    met, breached = count("met"), count("breached")
    return {"met": met, "breached": breached, "attainment": rate(met, met + breached)}


def _live(ticket: Document, now: datetime) -> dict[str, Any]:
    """An open ticket's SLA as it is now: its nearest running deadline."""
    sla = ticket.get("sla") or {}
    running = [
        (clock, sla[clock]["due_at"])
        for clock in CLOCKS
        if (sla.get(clock) or {}).get("due_at") and sla[clock].get("state") != SlaState.MET
    ]
    clock, due = min(running, key=lambda pair: pair[1]) if running else (None, None)
    return {
        "id": ticket["_id"],
        "number": ticket.get("number"),
        "title": ticket.get("title", ""),
        "priority": ticket.get("priority"),
        "status": ticket.get("status"),
        "group": ticket.get("group"),
        "assignee": (ticket.get("assignee") or {}).get("id"),
        "clock": clock,
        "due_at": due.isoformat() if due else None,
        "seconds_left": round((due - now).total_seconds()) if due else None,
    }


def _causes(cohort: list[Document], moment: float) -> dict[str, Any]:
    """Per clock: seconds and share per cause over the breached tickets, and how many
    breaches each cause dominated."""
    found: dict[str, Any] = {}
    for clock in CLOCKS:
        seconds: Counter[str] = Counter()
        dominant: Counter[str] = Counter()
        breached = 0
        for facts in cohort:
            breach = breach_by(facts, clock, moment)
            if breach is None:
                continue
            breached += 1
            causes = breach["causes"]
            seconds.update(causes)
            if any(causes.values()):
                dominant[max(causes, key=causes.__getitem__)] += 1
        total = sum(seconds.values())
        found[clock] = {
            "breached": breached,
            "causes": [
                {
                    "cause": cause.value,
                    "seconds": round(seconds.get(cause.value, 0.0), 1),
                    "share": rate(round(seconds.get(cause.value, 0.0)), round(total)),
                    "dominant_in": dominant.get(cause.value, 0),
                }
                for cause in BreachCause
            ],
        }
    return found


async def sla_report(inputs: ReportInputs) -> dict[str, Any]:
    query = inputs.query
    cohort = await inputs.cohort()
    as_of, now = query.as_of_epoch, utcnow()
    tickets = await inputs.open_tickets()

    def live(state: SlaState) -> list[dict[str, Any]]:
        found = [_live(t, now) for t in tickets if (t.get("sla") or {}).get("state") == state]
        return sorted(found, key=lambda t: t["seconds_left"] or 0)[:LIVE_LIMIT]

    # Each ticket's outcome once per clock, counted by priority: overall and per priority
    # read the same counts.
    outcomes = {
        clock: Counter((f.get("priority"), sla_outcome(f, clock, as_of)) for f in cohort)
        for clock in CLOCKS
    }
    return {
        "period": query.describe(),
        "attainment": {clock: _attainment(outcomes[clock], None) for clock in CLOCKS},
        "attainment_by_priority": [
            {
                "priority": priority.value,
                **{clock: _attainment(outcomes[clock], priority.value) for clock in CLOCKS},
            }
            for priority in Priority
        ],
        "at_risk_now": live(SlaState.AT_RISK),  # least time left first
        "breached_now": live(SlaState.BREACHED),  # longest overdue first
        "breach_causes": _causes(cohort, as_of),
    }


def sla_table(report: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for line in report["attainment_by_priority"]:
        for clock in CLOCKS:
            rows.append({"priority": line["priority"], "clock": clock, **line[clock]})
    return rows
