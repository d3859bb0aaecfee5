"""A ticket's facts as they stood at a moment (pure): what a report for a period counts,
so that later events (a reopen, a late rating) never change a past period's figures.
Times are epoch seconds, as the day packs keep them."""

from statistics import mean, median

from shared.mongo import Document

CLOCKS = ("response", "resolution")


def status_at(facts: Document, moment: float) -> str | None:
    status = None
    for change in facts.get("statuses", []):
        if change["at"] > moment:
            break
        status = change["status"]
    return status


def first_response_by(facts: Document, moment: float) -> Document | None:
    response = facts.get("first_response")
    return response if response and response["at"] <= moment else None


def resolution_by(facts: Document, moment: float) -> Document | None:
    """The resolution that stood at `moment`: the last one before it, unless reopened since."""
    resolved = [r for r in facts.get("resolutions", []) if r["at"] <= moment]
    if not resolved:
        return None
    last: Document = resolved[-1]
    if any(last["at"] < reopened <= moment for reopened in facts.get("reopens", [])):
        return None
    return last


def ever_resolved_by(facts: Document, moment: float) -> bool:
    return any(r["at"] <= moment for r in facts.get("resolutions", []))


def breach_by(facts: Document, clock: str, moment: float) -> Document | None:
    breach = (facts.get("breaches") or {}).get(clock)
    return breach if breach and breach["at"] <= moment else None


def sla_outcome(facts: Document, clock: str, moment: float) -> str | None:
    """'breached', 'met' or None (still running) for `clock` at `moment`."""
    if breach_by(facts, clock, moment) is not None:
        return "breached"
    stop = first_response_by(facts, moment) if clock == "response" else None
    if clock == "resolution":
        stop = resolution_by(facts, moment)
    return "met" if stop is not None else None


def rating_by(facts: Document, moment: float) -> Document | None:
    rating = facts.get("rating")
    return rating if rating and rating["at"] <= moment else None


def durations(values: list[float]) -> dict[str, float | int | None]:
    """Count, average and median of some durations in seconds."""
    if not values:
        return {"count": 0, "average_seconds": None, "median_seconds": None}
    return {
        "count": len(values),
        "average_seconds": round(mean(values), 1),
        "median_seconds": round(median(values), 1),
    }


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
