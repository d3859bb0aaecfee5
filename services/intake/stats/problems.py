"""Problem analysis (I4): what the period's tickets were about, the hardest ones, and a hint
per category for what to improve (FAQ coverage, deflection, SLA, reopens)."""

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from services.intake.stats.asof import ever_resolved_by, rate, resolution_by
from services.intake.stats.deflection import category_deflection
from services.intake.stats.load import ReportInputs
from services.intake.stats.period import StatsQuery
from shared import collections
from shared.mongo import Document

TOP = 10
TOP_TERMS = 30
# Thresholds of the hints: a category is "large" from this share of the tickets, etc.
LARGE_SHARE = 0.15
FEW_ARTICLES = 3
LOW_DEFLECTION = 0.1
HIGH_BREACH_RATE = 0.2
HIGH_REOPEN_RATE = 0.15


def _shares(counter: Counter[str], total: int) -> list[dict[str, Any]]:
    return [
        {"name": name, "tickets": count, "share": rate(count, total)}
        for name, count in counter.most_common()
    ]


def _hardest(cohort: list[Document], query: StatsQuery) -> dict[str, list[dict[str, Any]]]:
    as_of = query.as_of_epoch

    def line(facts: Document, value: float) -> dict[str, Any]:
        return {
            "ticket_id": facts["_id"],
            "number": facts.get("number"),
            "title": facts.get("title", ""),
            "category": facts.get("category"),
            "value": value,
        }

    longest = ((r["seconds"], f) for f in cohort if (r := resolution_by(f, as_of)) is not None)
    escalations = ((n, f) for f in cohort if (n := sum(e["at"] <= as_of for e in f["escalations"])))
    reopens = ((n, f) for f in cohort if (n := sum(at <= as_of for at in f["reopens"])))

    def top(scored: Iterable[tuple[float, Document]]) -> list[dict[str, Any]]:
        # The same as sorting them all and taking the first TOP (heapq's own guarantee),
        # without a line built for each of thousands of tickets.
        best = heapq.nsmallest(TOP, scored, key=lambda pair: (-pair[0], pair[1].get("number") or 0))
        return [line(facts, value) for value, facts in best]

    return {
        "longest_resolution": top(longest),
        "most_escalations": top(escalations),
        "most_reopens": top(reopens),
    }


def _hint(line: dict[str, Any]) -> list[str]:
    hints = []
    large = (line["share"] or 0) >= LARGE_SHARE
    if large and line["faq_articles"] < FEW_ARTICLES:
        hints.append("few_faq_articles")
    deflection = line["deflection_rate"]
    enough_articles = line["faq_articles"] >= FEW_ARTICLES
    if large and enough_articles and deflection is not None and deflection < LOW_DEFLECTION:
        hints.append("articles_rarely_solve_it")
    if (line["resolution_breach_rate"] or 0) >= HIGH_BREACH_RATE:
        hints.append("resolution_sla_often_breached")
    if (line["reopen_rate"] or 0) >= HIGH_REOPEN_RATE:
        hints.append("solutions_do_not_hold")
    return hints


async def problems_report(inputs: ReportInputs) -> dict[str, Any]:
    db, query = inputs.db, inputs.query
    cohort = await inputs.cohort()
    as_of, total = query.as_of_epoch, len(cohort)
    categories = Counter(str(f.get("category")) for f in cohort)
    published = db[collections.FAQ_ARTICLES].find(
        {"status": "published"}, projection={"category": 1}
    )
    articles = Counter([str(article["category"]) async for article in published])
    deflection = await category_deflection(db=db, query=query)
    members_of: dict[Any, list[Document]] = defaultdict(list)  # one pass, not one a category
    for facts in cohort:
        members_of[facts.get("category")].append(facts)
    improvement = []
    for name, count in categories.most_common():
        members = members_of.get(name, [])
        resolved = [f for f in members if ever_resolved_by(f, as_of)]
        breached = sum(1 for f in members if (f["breaches"] or {}).get("resolution"))
        reopened = sum(1 for f in resolved if any(at <= as_of for at in f["reopens"]))
        line: dict[str, Any] = {
            "category": name,
            "tickets": count,
            "share": rate(count, total),
            "faq_articles": articles.get(name, 0),
            "deflection_rate": deflection.get(name),
            "resolution_breach_rate": rate(breached, count),
            "reopen_rate": rate(reopened, len(resolved)),
        }
        line["hints"] = _hint(line)
        line["summary"] = (
            f"{name}: {round(100 * (line['share'] or 0))} % of tickets, "
            f"{line['faq_articles']} FAQ articles, deflection "
            + (f"{round(100 * deflection[name])} %" if name in deflection else "unknown")
        )
        improvement.append(line)
    terms = Counter(term for f in cohort for term in f.get("title_terms", []))
    return {
        "period": query.describe(),
        "tickets": total,
        "by_type": _shares(Counter(str(f.get("type")) for f in cohort), total),
        "by_category": _shares(categories, total),
        "top_title_terms": [
            {"term": term, "tickets": count} for term, count in terms.most_common(TOP_TERMS)
        ],
        "hardest": _hardest(cohort, query),
        "categories": improvement,
    }


def problems_table(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {**{k: v for k, v in line.items() if k != "hints"}, "hints": " ".join(line["hints"])}
        for line in report["categories"]
    ]
