"""The admin console in a real browser: an SLA change reaching the next ticket and the audit
log, an agent created in the console being assigned the ticket that matches their skills,
and every admin page in both languages and themes under axe."""

import asyncio
import itertools
import json
import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, Page, expect

from tests.web.conftest import ARTIFACTS, WebDesk, file_as, log_in, new_page
from tests.web.test_pages import LANGUAGES, THEMES, axe_violations

ADMIN = "admin@example.com"
NEW_PASSWORD = "a long passphrase"  # the new agent's, set in the console by the test
SLOW = 15_000  # ms: a page's first load on a busy machine (its code chunk, then its data)
ADMIN_NAME = "系统管理员 Admin"
# The browser's time zone in every test (conftest.new_page).
BROWSER_ZONE = ZoneInfo("Asia/Shanghai")
PAGES = {
    "sla": "sla",
    "settings": "settings",
    "agents": "agents",
    "groups": "groups",
    "canned": "canned",
    "articles": "articles",
    "solutions": "solutions",
    "webhooks": "webhooks",
    "api-keys": "api-keys",
    "audit": "audit",
}


async def eventually(read: Callable[[], Awaitable[Any]], ready: Callable[[Any], bool]) -> Any:
    """`read()` again until `ready` says yes (the workflow works on its own; 30 s at most)."""
    for _ in range(300):
        value = await read()
        if ready(value):
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"still not ready: {value}")


async def staff_ids(desk: WebDesk) -> dict[str, str]:
    page = await desk.call(ADMIN, "GET", "/v1/admin/agents", params={"limit": 100})
    return {agent["email"]: agent["id"] for agent in page["items"]}


async def pick(page: Page, select: str, option: str) -> None:
    """Choose `option` in the Element Plus select whose input is `select`."""
    # The wrapper takes the click (a multiple select's input is a sliver under its tags);
    # a multiple select stays open after a choice.
    if await page.locator(select).get_attribute("aria-expanded") != "true":
        await page.locator(".el-select__wrapper", has=page.locator(select)).click()
    await page.get_by_role("option", name=option, exact=True).click()


async def test_a_shorter_urgent_target_reaches_the_next_ticket_and_the_audit_log(
    web_desk: WebDesk, browser: Browser
) -> None:
    before = await web_desk.call(ADMIN, "GET", "/v1/admin/sla-policies")
    context, page = await new_page(browser, language="en")
    try:
        await log_in(page, web_desk, ADMIN, "/console/admin/sla")
        response = page.locator("[data-test=sla-urgent-response] input").first
        await expect(response).to_have_value(
            str(before["policies"]["urgent"]["response_seconds"] // 60), timeout=SLOW
        )
        await expect(page.get_by_text("apply to tickets filed from now on")).to_be_visible()
        await response.fill("7")
        await response.blur()
        await page.click("[data-test=sla-save]")
        await expect(page.locator(".el-message--success")).to_be_visible()
        stored = await web_desk.call(ADMIN, "GET", "/v1/admin/sla-policies")
        assert stored["policies"]["urgent"]["response_seconds"] == 7 * 60
        # The other priorities and the warning share are as they were.
        assert stored["warning_share"] == before["warning_share"]
        for priority in ("high", "normal", "low"):
            assert stored["policies"][priority] == before["policies"][priority]

        # An urgent ticket filed afterwards (staff set urgent; a customer only suggests it).
        ticket = await web_desk.call(
            "manager@example.com",
            "POST",
            "/v1/tickets",
            json={
                "type": "technical",
                "category": "connection",
                "title": "整个服务都挂了 / the whole service is down",
                "description": "Nobody can log in since 9:00.",
                "priority": "urgent",
                "customer": {"email": "alice@example.com"},
            },
        )
        assert ticket["priority"] == "urgent"
        created = datetime.fromisoformat(ticket["created_at"])
        # Intake answers with the ticket as filed; its workflow sets the clocks from the
        # policy it loads when it starts, and the projection follows.
        started = await eventually(
            lambda: web_desk.call(ADMIN, "GET", f"/v1/tickets/{ticket['id']}"),
            lambda t: t["sla"]["response"].get("target_seconds") == 7 * 60,
        )
        due = datetime.fromisoformat(started["sla"]["response"]["due_at"])
        assert due - created == timedelta(minutes=7)
        resolution = datetime.fromisoformat(started["sla"]["resolution"]["due_at"])
        assert resolution - created == timedelta(
            seconds=before["policies"]["urgent"]["resolution_seconds"]
        )

        await page.goto(f"{web_desk.url}/console/tickets/{ticket['id']}")
        shown = due.astimezone(BROWSER_ZONE).strftime("%Y-%m-%d %H:%M")
        response_due = page.locator(".sla dd").nth(1)
        await expect(response_due).to_contain_text(shown, timeout=SLOW)

        # The audit log, filtered to the admin and the SLA policy, says who changed it.
        await page.goto(f"{web_desk.url}/console/admin/audit")
        await pick(page, "#audit-actor", ADMIN_NAME)
        await page.fill("#audit-path", "sla-policies")
        await page.click("[data-test=audit-apply]")
        first = page.locator("[data-test=audit-table] .el-table__body tr.el-table__row").first
        await expect(first.locator("[data-test=audit-what]")).to_have_text(
            "PUT /v1/admin/sla-policies"
        )
        await expect(first.locator("[data-test=audit-who]")).to_have_text(ADMIN_NAME)
        rows = page.locator("[data-test=audit-table] [data-test=audit-what]")
        for text in await rows.all_inner_texts():
            assert "sla-policies" in text
        await page.screenshot(path=ARTIFACTS / "admin-audit-filtered.png", full_page=True)
    finally:
        await context.close()
        await web_desk.call(
            ADMIN, "PUT", "/v1/admin/sla-policies", json={"policies": before["policies"]}
        )


async def test_an_agent_created_in_the_console_is_assigned_the_ticket_of_their_skill(
    web_desk: WebDesk, browser: Browser
) -> None:
    email = f"agent-{uuid.uuid4().hex[:8]}@example.com"
    name = "周敏 Zhou Min"
    ids = await staff_ids(web_desk)
    # The frontline's one order specialist away: the new agent is the only one with the skill.
    specialist = ids["agent3@example.com"]
    await web_desk.call(ADMIN, "PATCH", f"/v1/admin/agents/{specialist}", json={"available": False})
    admin_context, admin = await new_page(browser, language="en")
    agent_context, agent = await new_page(browser, language="en")
    new_id = None
    try:
        await log_in(admin, web_desk, ADMIN, "/console/admin/agents")
        await admin.click("[data-test=agent-create]")
        form = admin.locator("[data-test=agent-form]")
        await expect(form).to_be_visible(timeout=SLOW)
        # The form checks what the API checks before sending anything.
        await admin.click("[data-test=agent-save]")
        await expect(form.locator(".el-form-item__error").first).to_be_visible()
        await admin.fill("#agent-email", email)
        await admin.fill("#agent-name", name)
        await admin.fill("#agent-password", "short")
        await admin.click("[data-test=agent-save]")
        await expect(form.get_by_text("8 to 256 characters")).to_be_visible()
        await admin.fill("#agent-password", NEW_PASSWORD)
        await pick(admin, "#agent-groups", "Frontline")
        await admin.locator(".el-dialog__title").click()  # a multiple select stays open
        await pick(admin, "#agent-skills", "Invoice")
        await pick(admin, "#agent-skills", "Refund")
        await admin.locator(".el-dialog__title").click()
        await admin.fill("#agent-capacity", "3")
        await admin.click("[data-test=agent-save]")
        # Creating an account hashes its password (slow on purpose).
        await expect(form).to_be_hidden(timeout=SLOW)
        await expect(admin.locator(f"[data-test='agent-row-{email}']")).to_have_text(
            name, timeout=SLOW
        )

        created = next(
            a
            for a in (await web_desk.call(ADMIN, "GET", "/v1/admin/agents", params={"limit": 100}))[
                "items"
            ]
            if a["email"] == email
        )
        new_id = created["id"]
        assert created["groups"] == ["frontline"]
        assert set(created["skills"]) == {"invoice", "refund"}
        assert created["capacity"] == 3
        assert created["role"] == "agent"
        assert created["active"]
        assert created["available"]

        # Creating the same e-mail again is refused with the API's code, said as a sentence.
        await admin.click("[data-test=agent-create]")
        await admin.fill("#agent-email", email)
        await admin.fill("#agent-name", "Someone else")
        await admin.fill("#agent-password", NEW_PASSWORD)
        await admin.click("[data-test=agent-save]")
        await expect(form.locator("[data-test=form-error]")).to_contain_text(
            "Another account uses this e-mail.", timeout=SLOW
        )
        await admin.get_by_role("button", name="Cancel").click()

        ticket = await file_as(
            web_desk,
            "alice@example.com",
            "发票抬头开错了 / wrong name on the invoice",
            type="order",
            category="invoice",
        )
        assigned = await eventually(
            lambda: web_desk.call(ADMIN, "GET", f"/v1/tickets/{ticket['id']}"),
            lambda t: t["assignee"] is not None,
        )
        assert assigned["assignee"]["id"] == new_id
        assert assigned["status"] == "processing"

        # The new agent logs in with the password the admin gave and finds it in their queue.
        await agent.goto(f"{web_desk.url}/login?next=/console")
        await agent.fill("#login-email", email)
        await agent.fill("#login-password", NEW_PASSWORD)
        await agent.click("button[type=submit]")
        await agent.wait_for_url(f"{web_desk.url}/console*")
        await agent.goto(f"{web_desk.url}/console?view=my_open")
        row = agent.locator("tr", has=agent.locator(f"a[data-ticket='{ticket['number']}']"))
        await expect(row).to_be_visible(timeout=SLOW)
        await expect(row).to_contain_text(name)
        await agent.screenshot(path=ARTIFACTS / "admin-new-agent-queue.png", full_page=True)
    finally:
        await admin_context.close()
        await agent_context.close()
        await web_desk.call(
            ADMIN, "PATCH", f"/v1/admin/agents/{specialist}", json={"available": True}
        )
        if new_id is not None:  # out of the way of the other tests' assignments
            await web_desk.call(ADMIN, "DELETE", f"/v1/admin/agents/{new_id}")


@pytest.mark.parametrize(("language", "theme"), list(itertools.product(LANGUAGES, THEMES)))
async def test_every_admin_page_in_each_language_and_theme_passes_axe(
    web_desk: WebDesk, browser: Browser, language: str, theme: str
) -> None:
    problems: dict[str, list[dict[str, Any]]] = {}
    context, page = await new_page(
        browser, language=language, dark=theme == "dark", bypass_csp=True
    )
    try:
        await log_in(page, web_desk, ADMIN, "/console/admin/sla")
        for name, path in PAGES.items():
            await page.goto(f"{web_desk.url}/console/admin/{path}")
            await page.wait_for_load_state("networkidle")
            try:
                await expect(page.locator(".admin-page h2")).to_be_visible(timeout=SLOW)
            except AssertionError:
                await page.screenshot(
                    path=ARTIFACTS / f"admin-{name}-{language}-{theme}-FAILED.png"
                )
                raise
            await expect(page.locator(".el-loading-mask")).to_have_count(0)
            menu = page.locator(f"[data-test=admin-nav-admin-{name}]")
            await expect(menu).to_have_class(re.compile(r"\bis-active\b"))
            assert await page.evaluate("document.documentElement.lang") == language
            is_dark = await page.evaluate("document.documentElement.classList.contains('dark')")
            assert is_dark == (theme == "dark")
            await page.screenshot(
                path=ARTIFACTS / f"admin-{name}-{language}-{theme}.png", full_page=True
            )
            if found := await axe_violations(page):
                problems[name] = found
    finally:
        await context.close()
    assert problems == {}, json.dumps(problems, ensure_ascii=False, indent=1)


async def test_a_manager_sees_only_the_pages_their_role_may_use(
    web_desk: WebDesk, browser: Browser
) -> None:
    context, page = await new_page(browser, language="en")
    try:
        # An admin-only page sends a manager to one of theirs.
        await log_in(page, web_desk, "manager@example.com", "/console/admin/canned")
        await page.goto(f"{web_desk.url}/console/admin/sla")
        await page.wait_for_url(f"{web_desk.url}/console/admin/canned")
        items = page.locator(".menu .el-menu-item")
        await expect(items).to_have_text(["Canned responses", "FAQ articles", "Solutions library"])
    finally:
        await context.close()
