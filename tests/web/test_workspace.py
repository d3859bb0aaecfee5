"""The agent workspace in a real browser (A1, A2, F1, F2, I5): the live list, the ticket
page and a ticket's whole conversation with a customer in the portal beside it."""

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from playwright.async_api import Browser, Page, expect

from tests.web.conftest import ARTIFACTS, WebDesk, file_as, log_in, new_customer, new_page

FRONTLINE = ("agent1@example.com", "agent2@example.com", "agent3@example.com", "agent4@example.com")


async def agent_ids(desk: WebDesk) -> dict[str, str]:
    page = await desk.call("admin@example.com", "GET", "/v1/admin/agents", params={"limit": 50})
    return {agent["email"]: agent["id"] for agent in page["items"]}


@pytest.fixture
async def nobody_available(web_desk: WebDesk) -> AsyncIterator[None]:
    """The frontline away: a new ticket waits in the queue, unassigned, for a claim."""
    ids = await agent_ids(web_desk)
    for email in FRONTLINE:
        await web_desk.call(
            "admin@example.com",
            "PATCH",
            f"/v1/admin/agents/{ids[email]}",
            json={"available": False},
        )
    yield
    for email in FRONTLINE:
        await web_desk.call(
            "admin@example.com", "PATCH", f"/v1/admin/agents/{ids[email]}", json={"available": True}
        )


def row_of(page: Page, number: int | str):  # type: ignore[no-untyped-def]
    return page.locator("tr", has=page.locator(f"a[data-ticket='{number}']"))


async def test_a_ticket_from_the_list_to_the_customers_rating(
    web_desk: WebDesk, browser: Browser, nobody_available: None
) -> None:
    agent_context, agent = await new_page(browser)
    customer_context, customer = await new_page(browser, language="en")
    try:
        await log_in(agent, web_desk, "agent1@example.com", "/console")
        await expect(agent.locator(".el-table__header")).to_be_visible()
        await agent.wait_for_timeout(500)  # the live stream is open

        submitter = await new_customer(web_desk)
        ticket = await file_as(web_desk, submitter, "服务器连不上 live")
        row = row_of(agent, ticket["number"])
        # appears without a reload, with its countdown
        await expect(row).to_be_visible(timeout=15_000)
        await expect(row.locator(".sla-countdown")).to_have_attribute("data-sla-state", "on_track")
        await agent.screenshot(path=ARTIFACTS / "console-list-live.png")

        await row.get_by_role("link").click()
        await expect(agent.get_by_role("heading", level=1)).to_contain_text("服务器连不上 live")
        # a second agent opening it sees who is there already
        colleague_context, colleague = await new_page(browser)
        try:
            await log_in(
                colleague, web_desk, "manager@example.com", f"/console/tickets/{ticket['id']}"
            )
            presence = colleague.get_by_test_id("presence")
            await expect(presence).to_contain_text("李娜", timeout=15_000)
            await agent.locator("#agent-reply").fill("正在查看")
            await expect(colleague.get_by_test_id("presence")).to_contain_text(
                "正在输入", timeout=8000
            )
            await agent.locator("#agent-reply").fill("")
        finally:
            await colleague_context.close()
        await agent.locator("[data-action=claim]").click()
        await expect(agent.locator("[data-action=claim]")).to_have_count(0)
        await expect(agent.locator(".side")).to_contain_text("李娜")

        # a canned response, its placeholders filled for this ticket
        await agent.get_by_role("combobox", name="快捷回复").click()
        await agent.get_by_role("option", name="问候 / Greeting").click()
        reply = agent.locator("#agent-reply")
        await expect(reply).not_to_have_value("")
        text = await reply.input_value()
        assert "{{" not in text, text
        assert "Alice" in text, text
        await agent.get_by_role("button", name="发送").click()
        await expect(agent.locator(".conversation")).to_contain_text("Alice")

        await agent.locator("[data-action=request-info]").click()
        await agent.get_by_role("dialog").locator("textarea").fill("请提供报错截图。")
        await agent.get_by_role("dialog").get_by_role("button", name="确定").click()
        await expect(agent.locator(".sla-countdown").first).to_have_attribute(
            "data-sla-state", "paused"
        )

        # the customer answers in the portal; the agent's page shows it by itself
        await log_in(customer, web_desk, submitter, f"/tickets/{ticket['id']}")
        await customer.fill("#portal-reply", "Here is what I see: timeout after 30 s.")
        await customer.get_by_role("button", name="Send").click()
        await expect(agent.locator(".conversation")).to_contain_text(
            "timeout after 30 s", timeout=5000
        )

        await agent.locator("[data-action=resolve]").click()
        await agent.get_by_role("dialog").locator("textarea").fill("重启路由器后恢复。")
        await agent.get_by_role("dialog").get_by_role("button", name="确定").click()
        await expect(agent.locator(".main .facts")).to_contain_text("已解决")

        await customer.reload()
        await customer.get_by_role("button", name="Confirm it is solved").click()
        await expect(customer.locator(".facts")).to_contain_text("Closed")
        await expect(customer.get_by_text("Your rating: 5 stars")).to_be_visible()
        await expect(agent.locator(".main .facts")).to_contain_text("已关闭", timeout=15_000)
        await customer.screenshot(path=ARTIFACTS / "portal-ticket-closed.png")
    finally:
        await agent_context.close()
        await customer_context.close()
    stored = await web_desk.db["tickets"].find_one({"_id": ticket["id"]})
    assert stored is not None
    assert stored["status"] == "closed"
    assert stored["rating"]["score"] == 5


async def test_an_urgent_ticket_turns_breached_in_an_open_list_at_its_deadline(
    web_desk: WebDesk, browser: Browser
) -> None:
    before = await web_desk.call("admin@example.com", "GET", "/v1/admin/sla-policies")
    short = {**before["policies"], "urgent": {"response_seconds": 6, "resolution_seconds": 600}}
    await web_desk.call(
        "admin@example.com", "PUT", "/v1/admin/sla-policies", json={"policies": short}
    )
    context, page = await new_page(browser)
    try:
        await log_in(page, web_desk, "manager@example.com", "/console")
        ticket = await file_as(web_desk, "bob@example.com", "整个服务都挂了")
        await web_desk.call(
            "manager@example.com",
            "POST",
            f"/v1/tickets/{ticket['id']}/actions/set-priority",
            json={"priority": "urgent", "reason": "service down"},
        )
        row = row_of(page, ticket["number"])
        await expect(row).to_be_visible(timeout=15_000)
        stored = await web_desk.db["tickets"].find_one({"_id": ticket["id"]})
        assert stored is not None
        due: datetime = stored["sla"]["response"]["due_at"]
        countdown = row.locator(".sla-countdown")
        await expect(countdown).not_to_have_attribute("data-sla-state", "breached")
        # breached within a second of the deadline, with no reload
        wait = (due.timestamp() - datetime.now(due.tzinfo).timestamp()) * 1000 + 1000
        await expect(countdown).to_have_attribute("data-sla-state", "breached", timeout=wait)
        # and the workflow's own timer fired: its state, pushed, is what the row shows now
        for _ in range(50):
            stored = await web_desk.db["tickets"].find_one({"_id": ticket["id"]})
            if stored and stored["sla"]["state"] == "breached":
                break
            await asyncio.sleep(0.1)
        assert stored is not None
        assert stored["sla"]["state"] == "breached"
        await page.screenshot(path=ARTIFACTS / "console-breached.png")
    finally:
        await context.close()
        await web_desk.call(
            "admin@example.com",
            "PUT",
            "/v1/admin/sla-policies",
            json={"policies": before["policies"]},
        )
