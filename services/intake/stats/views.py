"""`/v1/stats/*` (I1–I5, E3): the reports a support manager runs the team by, as JSON or
exported as CSV. Staff only; agents see the tickets of their groups and their own."""

import csv
import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from services.intake.deps import DbDep, ResourcesDep, StaffUser
from services.intake.stats.agents import agents_report, agents_table
from services.intake.stats.cache import PackCache
from services.intake.stats.efficiency import efficiency_report, efficiency_table
from services.intake.stats.load import ReportInputs
from services.intake.stats.period import StatsQuery, stats_query
from services.intake.stats.problems import problems_report, problems_table
from services.intake.stats.satisfaction import satisfaction_report, satisfaction_table
from services.intake.stats.sla import sla_report, sla_table
from services.intake.stats.volume import volume_report, volume_table
from shared.auth import Principal
from shared.mongo import Database
from shared.stats.state import watermark_iso

router = APIRouter(prefix="/v1/stats", tags=["statistics"])
QueryDep = Annotated[StatsQuery, Depends(stats_query)]


class ReportName(StrEnum):
    VOLUME = "volume"
    EFFICIENCY = "efficiency"
    SLA = "sla"
    AGENTS = "agents"
    PROBLEMS = "problems"
    SATISFACTION = "satisfaction"


class ExportFormat(StrEnum):
    CSV = "csv"


@dataclass(frozen=True)
class Report:
    build: Callable[[ReportInputs], Awaitable[dict[str, Any]]]
    table: Callable[[dict[str, Any]], list[dict[str, Any]]]


REPORTS = {
    ReportName.VOLUME: Report(volume_report, volume_table),
    ReportName.EFFICIENCY: Report(efficiency_report, efficiency_table),
    ReportName.SLA: Report(sla_report, sla_table),
    ReportName.AGENTS: Report(agents_report, agents_table),
    ReportName.PROBLEMS: Report(problems_report, problems_table),
    ReportName.SATISFACTION: Report(satisfaction_report, satisfaction_table),
}


async def get_packs(resources: ResourcesDep) -> PackCache:
    return resources.stats_packs


PacksDep = Annotated[PackCache, Depends(get_packs)]


async def _build(
    names: list[ReportName], db: Database, packs: PackCache, query: StatsQuery, principal: Principal
) -> dict[ReportName, dict[str, Any]]:
    inputs = ReportInputs(db=db, packs=packs, query=query, principal=principal)
    built = {name: await REPORTS[name].build(inputs) for name in names}
    # The facts are refreshed every minute; events after this moment may not be counted.
    data_as_of = await watermark_iso(db)
    for report in built.values():
        report["period"]["data_as_of"] = data_as_of
    return built


async def _run(
    name: ReportName, db: Database, packs: PackCache, query: StatsQuery, principal: Principal
) -> dict[str, Any]:
    return (await _build([name], db, packs, query, principal))[name]


@router.get("/dashboard")
async def dashboard(
    principal: StaffUser,
    db: DbDep,
    packs: PacksDep,
    query: QueryDep,
    report: Annotated[list[ReportName] | None, Query()] = None,
) -> dict[str, Any]:
    """Every report (or those named by `report`, repeatable) for one question in one
    answer, keyed by name: what the manager's dashboard shows. Each is the answer of its
    own endpoint, built from one read of what they count."""
    names = list(dict.fromkeys(report)) if report else list(ReportName)
    built = await _build(names, db, packs, query, principal)
    return {name.value: body for name, body in built.items()}


@router.get("/volume")
async def volume(
    principal: StaffUser, db: DbDep, packs: PacksDep, query: QueryDep
) -> dict[str, Any]:
    """I1: new tickets and resolutions per day (hourly for two days or less), the status the
    period's tickets had at its end, and the open tickets now."""
    return await _run(ReportName.VOLUME, db, packs, query, principal)


@router.get("/efficiency")
async def efficiency(
    principal: StaffUser, db: DbDep, packs: PacksDep, query: QueryDep
) -> dict[str, Any]:
    """I2: first response and resolution times (average and median, working time), the
    resolution rate, the SLA breach rate per clock and the reopen rate."""
    return await _run(ReportName.EFFICIENCY, db, packs, query, principal)


@router.get("/sla")
async def sla(principal: StaffUser, db: DbDep, packs: PacksDep, query: QueryDep) -> dict[str, Any]:
    """E3: attainment (met ÷ (met + breached)) per clock and priority, the tickets at risk
    and breached now, and the causes of the breaches."""
    return await _run(ReportName.SLA, db, packs, query, principal)


@router.get("/agents")
async def agents(
    principal: StaffUser, db: DbDep, packs: PacksDep, query: QueryDep
) -> dict[str, Any]:
    """I3: per agent, tickets handled and resolved, resolution rate, average first
    response, average satisfaction and open load now."""
    return await _run(ReportName.AGENTS, db, packs, query, principal)


@router.get("/problems")
async def problems(
    principal: StaffUser, db: DbDep, packs: PacksDep, query: QueryDep
) -> dict[str, Any]:
    """I4: share per type and category, the most frequent title terms, the hardest tickets
    and an improvement hint per category."""
    return await _run(ReportName.PROBLEMS, db, packs, query, principal)


@router.get("/satisfaction")
async def satisfaction(
    principal: StaffUser, db: DbDep, packs: PacksDep, query: QueryDep
) -> dict[str, Any]:
    """I5: the distribution and average of ratings, the survey's response rate, comments."""
    return await _run(ReportName.SATISFACTION, db, packs, query, principal)


@router.get("/export", response_class=Response)
async def export(
    principal: StaffUser,
    db: DbDep,
    packs: PacksDep,
    query: QueryDep,
    report: ReportName,
    format: Annotated[ExportFormat, Query()] = ExportFormat.CSV,
) -> Response:
    """One report's table as CSV (UTF-8 with a byte-order mark, so spreadsheet programs
    read Chinese text correctly)."""
    body = await _run(report, db, packs, query, principal)
    rows = REPORTS[report].table(body)
    columns = list(dict.fromkeys(key for row in rows for key in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    period = f"{query.start.date().isoformat()}_{query.end.date().isoformat()}"
    return Response(
        content="\ufeff" + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{report}-{period}.{format}"'},
    )
