"""Agent performance (I3): per agent, the period's tickets they handled and resolved, how
fast they answered, how customers rated them, and their open load now."""

from collections import Counter, defaultdict
from statistics import mean
from typing import Any

from services.intake.stats.asof import first_response_by, rate, rating_by, resolution_by
from services.intake.stats.load import ReportInputs
from shared import collections


async def agents_report(inputs: ReportInputs) -> dict[str, Any]:
    db, query = inputs.db, inputs.query
    cohort = await inputs.cohort()
    as_of = query.as_of_epoch
    handled: Counter[str] = Counter()
    resolved: Counter[str] = Counter()
    responses: dict[str, list[float]] = defaultdict(list)
    ratings: dict[str, list[int]] = defaultdict(list)
    for facts in cohort:
        for agent in {a["agent"] for a in facts.get("assignments", []) if a["at"] <= as_of}:
            handled[agent] += 1
        if (response := first_response_by(facts, as_of)) and response.get("by"):
            responses[response["by"]].append(response["seconds"])
        resolution = resolution_by(facts, as_of)
        if resolution and resolution.get("by"):
            resolved[resolution["by"]] += 1
            if rating := rating_by(facts, as_of):
                ratings[resolution["by"]].append(rating["score"])
    load = Counter(
        ticket["assignee"]["id"] for ticket in await inputs.open_tickets() if ticket.get("assignee")
    )
    ids = set(handled) | set(resolved) | set(load)
    if query.agent is not None:
        ids &= {query.agent}
    names = {
        str(user["_id"]): user.get("name", "")
        async for user in db[collections.USERS].find(
            {"_id": {"$in": sorted(ids)}}, projection={"name": 1}
        )
    }
    rows = [
        {
            "agent_id": agent,
            "name": names.get(agent, ""),
            "handled": handled.get(agent, 0),
            "resolved": resolved.get(agent, 0),
            "resolution_rate": rate(resolved.get(agent, 0), handled.get(agent, 0)),
            "average_first_response_seconds": (
                round(mean(responses[agent]), 1) if responses.get(agent) else None
            ),
            "ratings": len(ratings.get(agent, [])),
            "average_satisfaction": (
                round(mean(ratings[agent]), 2) if ratings.get(agent) else None
            ),
            "open_now": load.get(agent, 0),
        }
        for agent in ids
    ]
    rows.sort(key=lambda row: (-row["handled"], -row["resolved"], row["agent_id"]))
    return {"period": query.describe(), "agents": rows}


def agents_table(report: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = report["agents"]
    return rows
