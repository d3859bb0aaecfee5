"""Efficiency (I2): how fast tickets are answered and resolved, and how often the SLA is
missed, for the tickets created in the period as they stood at its end."""

from typing import Any

from services.intake.stats.asof import (
    CLOCKS,
    durations,
    ever_resolved_by,
    first_response_by,
    rate,
    resolution_by,
    sla_outcome,
)
from services.intake.stats.load import ReportInputs

WORKING_TIME = (
    "Durations are working time: the time a ticket waited on the customer (awaiting_user, "
    "when the SLA clocks pause) is excluded."
)


async def efficiency_report(inputs: ReportInputs) -> dict[str, Any]:
    query = inputs.query
    cohort = await inputs.cohort()
    as_of = query.as_of_epoch
    responses = [r["seconds"] for f in cohort if (r := first_response_by(f, as_of))]
    resolutions = [r["seconds"] for f in cohort if (r := resolution_by(f, as_of))]
    ever_resolved = [f for f in cohort if ever_resolved_by(f, as_of)]
    reopened = sum(1 for f in ever_resolved if any(at <= as_of for at in f.get("reopens", [])))
    breach_rates = {}
    for clock in CLOCKS:
        outcomes = [sla_outcome(f, clock, as_of) for f in cohort]
        breached, met = outcomes.count("breached"), outcomes.count("met")
        breach_rates[clock] = {
            "breached": breached,
            "met": met,
            "breach_rate": rate(breached, breached + met),
        }
    return {
        "period": query.describe(),
        "tickets": len(cohort),
        "first_response": durations(responses),
        "resolution": durations(resolutions),
        "resolved": len(resolutions),
        "resolution_rate": rate(len(resolutions), len(cohort)),
        "sla_breach": breach_rates,
        "reopened": reopened,
        "reopen_rate": rate(reopened, len(ever_resolved)),
        "note": WORKING_TIME,
    }


def efficiency_table(report: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [{"metric": "tickets", "value": report["tickets"]}]
    for name in ("first_response", "resolution"):
        for key in ("count", "average_seconds", "median_seconds"):
            rows.append({"metric": f"{name}_{key}", "value": report[name][key]})
    rows += [
        {"metric": "resolution_rate", "value": report["resolution_rate"]},
        {"metric": "reopen_rate", "value": report["reopen_rate"]},
    ]
    for clock, figures in report["sla_breach"].items():
        rows.append({"metric": f"{clock}_breach_rate", "value": figures["breach_rate"]})
    return rows
