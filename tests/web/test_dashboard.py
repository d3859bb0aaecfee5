"""The manager's dashboard and the SLA monitor in a real browser (I1–I5, E3, L2): figures
equal to the reports' API for the same question, after the period, the time zone and a
filter change; the CSV export; the monitor following pushed changes; both pages in both
languages and themes, charts painted, axe finding no serious or critical violation."""

import asyncio
import csv
import io
import itertools
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.async_api import Browser, Locator, Page, expect

from services.workflows.stats.refresh import refresh_ticket_stats
from shared import collections
from shared.clock import utcnow
from shared.tickets import TICKET_NUMBER_COUNTER
from tests.stats_support import History, write_histories
from tests.web.conftest import ARTIFACTS, WebDesk, file_as, log_in, new_page
from tests.web.test_pages import LANGUAGES, THEMES, axe_violations

MANAGER = "manager@example.com"
# A week long ago that no other test files tickets in: its figures are the seeded ones.
FIRST, LAST = "2024-03-01", "2024-03-07"
CONFIRMED = {"reason": "confirmed"}


def d(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2024, month, day, hour, minute, tzinfo=UTC)


def histories(first_number: int) -> list[History]:
    """Seven tickets of early March 2024, one of them (1 a.m. on March 1st in Shanghai) in a
    Shanghai week but not in the UTC one."""
    agent1, agent2 = "u-dash-agent1", "u-dash-agent2"
    n = itertools.count(first_number)
    key = uuid.uuid4().hex[:8]

    def history(title: str, at: datetime, **fields: Any) -> History:
        number = next(n)
        return History(f"dash-{key}-{number}", number, at, title, **fields)

    t1 = history("无法连接服务器", d(1, 9), rating={"score": 5, "comment": "很快解决了"})
    t1.assigned(d(1, 9, 10), agent1).replied(d(1, 9, 30), agent1).resolved(d(1, 13), agent1)
    t1.add(d(1, 14), "closed", "customer", "c1", to_status="closed", data=CONFIRMED)
    t2 = history("Cannot log in", d(1, 10), type="account", category="login", priority="high")
    t2.breached(d(1, 12), "response").assigned(d(1, 12, 30), agent2).replied(d(1, 13), agent2)
    t2.breached(d(2, 10), "resolution").resolved(d(3, 9), agent2)
    t3 = history("连接服务器失败", d(2, 9), rating={"score": 2, "comment": "太慢"})
    t3.assigned(d(2, 9, 5), agent1).resolved(d(2, 10), agent1)
    t3.add(d(2, 11), "reopened", "customer", "c3", to_status="processing")
    t3.resolved(d(2, 12), agent1)
    t3.add(d(3, 9), "closed", "customer", "c3", to_status="closed", data=CONFIRMED)
    t4 = history("退款还没到账", d(5, 8), type="order", category="refund", priority="low")
    t5 = history("Invoice is wrong", d(6, 20), type="order", category="invoice")
    t5.assigned(d(6, 20, 30), agent2).replied(d(6, 21), agent2)
    t6 = history("App crashes on start", d(29, 17, month=2), category="compatibility")
    t7 = history("Connection refused", d(4, 15), priority="urgent")
    t7.assigned(d(4, 15, 2), agent1).replied(d(4, 15, 10), agent1).resolved(d(4, 18), agent1)
    return [t1, t2, t3, t4, t5, t6, t7]


@pytest.fixture(scope="module")
async def seeded(web_desk: WebDesk) -> None:
    """The history stored (numbers after the desk's own), and the statistics refreshed.
    The worker's own refresh runs every minute: one that was under way while the history
    was written may store what it read then, so the refresh is repeated until the reports
    count the whole history (a few times at most)."""
    counter = await web_desk.db[collections.COUNTERS].find_one({"_id": TICKET_NUMBER_COUNTER})
    await write_histories(web_desk.db, histories(int((counter or {}).get("value", 0)) + 1000))
    week = {"from": FIRST, "to": LAST, "tz": "Asia/Shanghai"}
    for _ in range(20):
        await refresh_ticket_stats(db=web_desk.db, now=utcnow())
        volume = await api(web_desk, "volume", week)
        rated = (await api(web_desk, "satisfaction", week))["rated"]
        if (volume["total"], volume["resolved_in_period"], rated) == (7, 5, 2):
            return
        await asyncio.sleep(0.5)
    raise AssertionError(f"the reports never counted the seeded history: {volume}")


async def api(desk: WebDesk, report: str, query: dict[str, str]) -> Any:
    return await desk.call(MANAGER, "GET", f"/v1/stats/{report}", params=query)


def same(shown: str | None, value: Any) -> bool:
    """A figure's data-value against the API's value (numbers compared as numbers)."""
    if value is None:
        return shown == ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return shown == str(value)
    return shown is not None and abs(float(shown) - float(value)) < 1e-9


async def shown_query(page: Page, query: dict[str, str]) -> None:
    """Wait until the page shows the answers to `query` (asked, and every answer in)."""
    dashboard = page.locator(".dashboard")
    await expect(dashboard).to_have_attribute("data-query", _json(query), timeout=15_000)
    await expect(dashboard).to_have_attribute("data-loading", "false", timeout=15_000)


def _json(query: dict[str, str]) -> str:
    return json.dumps(query, separators=(",", ":"), ensure_ascii=False)


async def figure(page: Page, name: str) -> str | None:
    return await page.locator(f"[data-figure='{name}']").get_attribute("data-value")


async def table_rows(card: Locator) -> list[dict[str, str]]:
    """A card's table view, each row as {data-key: data-value}."""
    if await card.get_attribute("data-mode") != "table":
        await card.locator("[data-view=table]").click()
    rows: list[dict[str, str]] = await card.evaluate(
        """card => [...card.querySelectorAll('tbody tr')].map(tr => Object.fromEntries(
            [...tr.querySelectorAll('[data-key]')].map(c => [c.dataset.key, c.dataset.value])))
            .filter(row => Object.keys(row).length > 0)"""
    )
    return rows


async def assert_figures_match(page: Page, desk: WebDesk, query: dict[str, str]) -> None:
    volume = await api(desk, "volume", query)
    efficiency = await api(desk, "efficiency", query)
    sla = await api(desk, "sla", query)
    assert same(await figure(page, "volume.total"), volume["total"])
    assert same(await figure(page, "volume.resolved_in_period"), volume["resolved_in_period"])
    assert await figure(page, "volume.granularity") == volume["period"]["granularity"]
    series = await table_rows(page.locator("[data-card=volume]"))
    assert [row["bucket"] for row in series] == [p["bucket"] for p in volume["series"]]
    for row, point in zip(series, volume["series"], strict=True):
        assert same(row["new"], point["new"])
        assert same(row["resolved"], point["resolved"])
    for clock in ("first_response", "resolution"):
        shown = await figure(page, f"efficiency.{clock}.average_seconds")
        assert same(shown, efficiency[clock]["average_seconds"])
    for name in ("resolution_rate", "reopen_rate"):
        assert same(await figure(page, f"efficiency.{name}"), efficiency[name])
    for clock in ("response", "resolution"):
        shown = await figure(page, f"efficiency.{clock}_breach_rate")
        assert same(shown, efficiency["sla_breach"][clock]["breach_rate"])
        assert same(
            await figure(page, f"sla.attainment.{clock}"), sla["attainment"][clock]["attainment"]
        )
    attainment = await table_rows(page.locator("[data-card=sla]"))
    expected = [
        {"priority": line["priority"], "clock": clock, **line[clock]}
        for line in sla["attainment_by_priority"]
        for clock in ("response", "resolution")
    ]
    assert len(attainment) == len(expected)
    for row, line in zip(attainment, expected, strict=True):
        assert all(same(row[key], line[key]) for key in row), (row, line)
    satisfaction = await api(desk, "satisfaction", query)
    for name in ("average", "rated", "response_rate"):
        assert same(await figure(page, f"satisfaction.{name}"), satisfaction[name])
    problems = await api(desk, "problems", query)
    shares = await table_rows(page.locator("[data-card=share-category]"))
    assert [row["name"] for row in shares] == [line["name"] for line in problems["by_category"]]
    for row, line in zip(shares, problems["by_category"], strict=True):
        assert same(row["tickets"], line["tickets"])
        assert same(row["share"], line["share"])
    agents = (await api(desk, "agents", query))["agents"]
    shown_agents = await table_rows(page.locator("[data-card=agents]"))
    assert {row["agent_id"]: row for row in shown_agents}.keys() == {a["agent_id"] for a in agents}
    for agent in agents:
        row = next(r for r in shown_agents if r["agent_id"] == agent["agent_id"])
        assert all(same(row[key], agent[key]) for key in row if key != "agent_id"), (row, agent)


async def pick(page: Page, select: Locator, option: str) -> None:
    """Choose `option` in an Element Plus select (typing filters a filterable one)."""
    await select.click()
    await page.locator(".el-select-dropdown__item:visible", has_text=option).first.click()


async def test_the_dashboard_shows_the_reports_figures_for_the_period_zone_and_filters(
    web_desk: WebDesk, browser: Browser, seeded: None
) -> None:
    context, page = await new_page(browser, language="en")
    try:
        week = {"from": FIRST, "to": LAST, "tz": "UTC"}
        await log_in(page, web_desk, MANAGER, "/console")
        await page.goto(f"{web_desk.url}/console/dashboard?from={FIRST}&to={LAST}&tz=UTC")
        await shown_query(page, week)
        assert same(await figure(page, "volume.total"), 6)  # the seeded week, nothing else
        assert same(await figure(page, "satisfaction.rated"), 2)
        await assert_figures_match(page, web_desk, week)

        # The time zone: Shanghai's week starts at 16:00 UTC the day before, taking in one
        # more ticket.
        await pick(page, page.locator("[data-tz]"), "Asia/Shanghai")
        shanghai = {**week, "tz": "Asia/Shanghai"}
        await shown_query(page, shanghai)
        assert same(await figure(page, "volume.total"), 7)
        await assert_figures_match(page, web_desk, shanghai)

        # The period: one day, so the series is hourly.
        start = page.locator("[data-period] .el-range-input").first
        end = page.locator("[data-period] .el-range-input").last
        await start.fill("2024-03-01")
        await end.fill("2024-03-01")
        await end.press("Enter")
        day = {"from": FIRST, "to": FIRST, "tz": "Asia/Shanghai"}
        await shown_query(page, day)
        assert await figure(page, "volume.granularity") == "hour"
        await assert_figures_match(page, web_desk, day)

        # A filter applies to every chart.
        await page.goto(f"{web_desk.url}/console/dashboard?from={FIRST}&to={LAST}&tz=Asia/Shanghai")
        await shown_query(page, shanghai)
        await pick(page, page.locator("[data-filter=type]"), "Technical support")
        technical = {**shanghai, "type": "technical"}
        await shown_query(page, technical)
        assert same(await figure(page, "volume.total"), 4)
        await assert_figures_match(page, web_desk, technical)

        # The CSV export is the API's export of the same question.
        for report in ("volume", "sla", "agents"):
            async with page.expect_download() as download_info:
                await page.locator(f"[data-export={report}]").click()
            download = await download_info.value
            path = await download.path()
            rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
            answer = await web_desk.http.get(
                f"{web_desk.url}/v1/stats/export",
                params={"report": report, "format": "csv", **technical},
                headers={"Authorization": f"Bearer {await web_desk.token(MANAGER)}"},
            )
            expected = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
            assert rows, report
            assert rows == expected, report
            if report == "volume":
                volume = await api(web_desk, "volume", technical)
                assert [int(row["new"]) for row in rows] == [p["new"] for p in volume["series"]]
        await page.screenshot(path=ARTIFACTS / "dashboard-seeded-week.png", full_page=True)
    finally:
        await context.close()


async def test_the_sla_monitor_follows_pushed_changes(web_desk: WebDesk, browser: Browser) -> None:
    before = await web_desk.call("admin@example.com", "GET", "/v1/admin/sla-policies")
    short = {**before["policies"], "urgent": {"response_seconds": 6, "resolution_seconds": 600}}
    await web_desk.call(
        "admin@example.com", "PUT", "/v1/admin/sla-policies", json={"policies": short}
    )
    context, page = await new_page(browser, language="en")
    try:
        await log_in(page, web_desk, MANAGER, "/console/sla-monitor")
        await expect(page.locator(".monitor")).to_have_attribute("data-loaded", "true")
        ticket = await file_as(web_desk, "bob@example.com", "监控大屏：整个服务都挂了")
        await web_desk.call(
            MANAGER,
            "POST",
            f"/v1/tickets/{ticket['id']}/actions/set-priority",
            json={"priority": "urgent", "reason": "service down"},
        )
        # Pushed: the ticket turns up, then breached, with its countdown overdue.
        row = page.locator(f"[data-monitor-list=breached] li[data-ticket='{ticket['number']}']")
        await expect(row).to_be_visible(timeout=30_000)
        await expect(row.locator(".sla-countdown")).to_have_attribute("data-sla-state", "breached")
        await expect(row.locator(".sla-countdown")).to_contain_text("overdue")
        urgent = page.locator("[data-counts] tr[data-priority=urgent]")
        counted = [
            int(await urgent.locator(f"[data-key={key}]").get_attribute("data-value") or "0")
            for key in ("breached", "at_risk")
        ]
        assert counted[0] >= 1
        await page.screenshot(path=ARTIFACTS / "sla-monitor-breached.png", full_page=True)

        await web_desk.call(
            MANAGER,
            "POST",
            f"/v1/tickets/{ticket['id']}/actions/resolve",
            json={"solution": "服务已恢复。"},
        )
        # No reload: the pushed resolution takes it off the screen and out of the counts.
        anywhere = page.locator(f"[data-monitor-list] li[data-ticket='{ticket['number']}']")
        await expect(anywhere).to_have_count(0, timeout=15_000)
        await expect(urgent.locator("[data-key=breached]")).to_have_attribute(
            "data-value", str(counted[0] - 1)
        )
    finally:
        await context.close()
        await web_desk.call(
            "admin@example.com",
            "PUT",
            "/v1/admin/sla-policies",
            json={"policies": before["policies"]},
        )


async def charts_painted(page: Page) -> None:
    """Every chart on the page has drawn (ECharts' `finished`) on a canvas with pixels."""
    charts = page.locator(".chart")
    assert await charts.count() > 0
    for index in range(await charts.count()):
        chart = charts.nth(index)
        await expect(chart).to_have_attribute("data-painted", "true", timeout=15_000)
        inked = await chart.evaluate(
            """chart => [...chart.querySelectorAll('canvas')].some(canvas => {
                const {width, height} = canvas
                const data = canvas.getContext('2d').getImageData(0, 0, width, height).data
                for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) return true
                return false
            })"""
        )
        assert inked, await chart.get_attribute("aria-label")


@pytest.mark.parametrize(("language", "theme"), list(itertools.product(LANGUAGES, THEMES)))
async def test_the_dashboard_and_the_monitor_in_each_language_and_theme_pass_axe(
    web_desk: WebDesk, browser: Browser, seeded: None, language: str, theme: str
) -> None:
    context, page = await new_page(
        browser, language=language, dark=theme == "dark", bypass_csp=True
    )
    try:
        await log_in(page, web_desk, MANAGER, "/console")
        pages = {
            "dashboard": f"/console/dashboard?from={FIRST}&to={LAST}&tz=Asia/Shanghai",
            "sla-monitor": "/console/sla-monitor",
        }
        for name, path in pages.items():
            await page.goto(f"{web_desk.url}{path}")
            if name == "dashboard":
                await shown_query(page, {"from": FIRST, "to": LAST, "tz": "Asia/Shanghai"})
                await charts_painted(page)
            else:
                await expect(page.locator(".monitor")).to_have_attribute("data-loaded", "true")
            assert await page.evaluate("document.documentElement.classList.contains('dark')") == (
                theme == "dark"
            )
            await page.screenshot(path=ARTIFACTS / f"{name}-{language}-{theme}.png", full_page=True)
            assert await axe_violations(page) == [], name
    finally:
        await context.close()
