"""Volume (I1): how many tickets came in and went out, and where they stand."""

from collections import Counter
from typing import Any

from services.intake.stats.asof import status_at
from services.intake.stats.load import OPEN, ReportInputs
from shared.enums import TicketStatus


async def volume_report(inputs: ReportInputs) -> dict[str, Any]:
    """New tickets per day (or hour), resolutions per day, the status the period's tickets
    had at its end, and the open tickets now."""
    query = inputs.query
    cohort = await inputs.cohort()
    resolved = await inputs.resolved()
    as_of = query.as_of_epoch
    new = Counter(query.bucket(facts["created_at"]) for facts in cohort)
    resolutions = Counter(
        query.bucket(r["at"])
        for facts in resolved
        for r in facts["resolutions"]
        if query.contains(r["at"]) and r["at"] <= as_of
    )
    at_end = Counter(status_at(facts, as_of) for facts in cohort)
    now = Counter(ticket["status"] for ticket in await inputs.open_tickets())
    return {
        "period": query.describe(),
        "total": len(cohort),
        "resolved_in_period": sum(resolutions.values()),
        "status_at_end": {status.value: at_end.get(status.value, 0) for status in TicketStatus},
        "open_now": {status: now.get(status, 0) for status in OPEN},
        "series": [
            {"bucket": key, "new": new.get(key, 0), "resolved": resolutions.get(key, 0)}
            for key in query.buckets()
        ],
    }


def volume_table(report: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = report["series"]
    return rows
