"""Satisfaction (I5): how customers rated the resolutions of the period's tickets."""

from collections import Counter
from statistics import mean
from typing import Any

from services.intake.stats.asof import ever_resolved_by, rate, rating_by
from services.intake.stats.load import ReportInputs

COMMENTS_SHOWN = 50


async def satisfaction_report(inputs: ReportInputs) -> dict[str, Any]:
    query = inputs.query
    cohort = await inputs.cohort()
    as_of = query.as_of_epoch
    surveyed = [f for f in cohort if ever_resolved_by(f, as_of)]  # asked once resolved
    rated = [(f, r) for f in cohort if (r := rating_by(f, as_of))]
    scores = Counter(rating["score"] for _, rating in rated)
    comments = sorted(
        (
            {
                "ticket_id": f["_id"],
                "number": f.get("number"),
                "score": rating["score"],
                "comment": rating["comment"],
                "at": query.moment(rating["at"]).isoformat(),
            }
            for f, rating in rated
            if rating.get("comment")
        ),
        key=lambda comment: comment["at"],
        reverse=True,
    )
    return {
        "period": query.describe(),
        "surveyed": len(surveyed),
        "rated": len(rated),
        "response_rate": rate(len(rated), len(surveyed)),
        "average": round(mean(r["score"] for _, r in rated), 2) if rated else None,
        "distribution": [
            {
                "score": score,
                "count": scores.get(score, 0),
                "share": rate(scores.get(score, 0), len(rated)),
            }
            for score in range(1, 6)
        ],
        "comments": comments[:COMMENTS_SHOWN],
    }


def satisfaction_table(report: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = report["distribution"]
    return rows
