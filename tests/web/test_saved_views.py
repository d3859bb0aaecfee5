"""Saved views in the browser (issue 16, test 5): a view with its own columns, saved by one
agent, is there again after logout and login, and a shared one appears for a colleague
with the same filters and columns."""

import uuid

from playwright.async_api import Browser, Page, expect

from tests.web.conftest import ARTIFACTS, WebDesk, file_as, log_in, new_customer, new_page


async def headers(page: Page) -> list[str]:
    """The list's column titles, left to right (the selection column has none)."""
    cells = page.locator(".el-table__header-wrapper th .cell")
    texts = [text.strip() for text in await cells.all_inner_texts()]
    return [text for text in texts if text]


async def headers_once_shown(page: Page, first: str, last: str) -> list[str]:
    """The column titles once the table shows `first` first and `last` last: it re-renders
    its header after each change of the columns, not at once (bounded wait)."""
    for _ in range(50):
        titles = await headers(page)
        if titles and titles[0] == first and titles[-1] == last:
            return titles
        await page.wait_for_timeout(100)
    return await headers(page)


async def test_a_saved_view_keeps_its_columns_across_logins_and_is_shared(
    web_desk: WebDesk, browser: Browser
) -> None:
    word = f"view{uuid.uuid4().hex[:8]}"
    customer = await new_customer(web_desk)
    mine = await file_as(web_desk, customer, f"{word} VPN drops every hour")
    await file_as(web_desk, "bob@example.com", "Unrelated", type="order", category="invoice")
    name = f"VPN {word}"

    context, page = await new_page(browser, language="en")
    try:
        await log_in(page, web_desk, "agent1@example.com", "/console")
        await page.get_by_placeholder("Search").fill(word)
        await expect(page.locator("[data-ticket]")).to_have_count(1)
        # Columns: the submitter's hidden, the assignee's moved to the front, one added.
        await page.click("[data-columns-open]")
        columns = page.locator("[data-columns]")
        await columns.locator("[data-column=submitter] .el-checkbox").click()
        for _ in range(7):
            await columns.locator("[data-column=assignee] [data-move=up]").click()
        await columns.locator("[data-column=category] .el-checkbox").click()
        wanted = await headers_once_shown(page, "Assignee", "Category")
        assert wanted[:2] == ["Assignee", "No."], wanted
        assert "Submitter" not in wanted
        assert wanted[-1] == "Category"
        await page.keyboard.press("Escape")

        await page.click("[data-saved-view-save]")
        dialog = page.locator("[data-saved-view-dialog]")
        await dialog.locator("input[data-saved-view-name]").fill(name)
        await dialog.locator("[data-saved-view-shared]").click()
        await dialog.locator("[data-saved-view-confirm]").click()
        await expect(dialog).to_be_hidden()

        # Logged out and in again: the view is there and opens with its filters and columns.
        await page.get_by_role("button", name="Log out").click()
        await page.wait_for_url(f"{web_desk.url}/**")
        await log_in(page, web_desk, "agent1@example.com", "/console")
        await page.click("[data-saved-view-pick]")
        await page.get_by_role("option", name=name, exact=True).click()
        await expect(page.locator("[data-ticket]")).to_have_count(1)
        await expect(page.locator(f"[data-ticket='{mine['number']}']")).to_be_visible()
        assert await headers_once_shown(page, wanted[0], wanted[-1]) == wanted
        await page.screenshot(path=ARTIFACTS / "saved-view-en.png", full_page=True)
    finally:
        await context.close()

    # A colleague sees it among the shared views, with its owner's name, filters and columns.
    context, page = await new_page(browser, language="en")
    try:
        await log_in(page, web_desk, "agent2@example.com", "/console")
        await page.click("[data-saved-view-pick]")
        await page.get_by_role("option", name=f"{name} · 李娜 Li Na").click()
        await expect(page.locator(f"[data-ticket='{mine['number']}']")).to_be_visible()
        await expect(page.locator("[data-ticket]")).to_have_count(1)
        assert await headers_once_shown(page, wanted[0], wanted[-1]) == wanted
    finally:
        await context.close()
