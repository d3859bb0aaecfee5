"""The customer portal in a real browser (H1, H3, B1, I5)."""

import asyncio
import base64
from typing import Any

from playwright.async_api import Browser, expect

from tests.web.conftest import ARTIFACTS, WebDesk, log_in, new_page

# A 1x1 PNG, as a pasted screenshot.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


async def test_a_customer_finds_the_answer_and_the_deflection_report_counts_it(
    web_desk: WebDesk, browser: Browser
) -> None:
    context, page = await new_page(browser)
    try:
        await page.goto(web_desk.url)
        await page.get_by_role("searchbox").fill("忘了密码")
        first = page.locator("ol.hits li a").first
        await expect(first).to_contain_text("密码")
        # the matched words come highlighted, as markup of the server's, never the author's
        await expect(page.locator("ol.hits mark").first).to_be_visible()
        await first.click()
        await expect(page.get_by_role("heading", level=1)).to_contain_text("密码")
        await page.get_by_role("button", name="已解决").click()
        await expect(page.get_by_role("status")).to_contain_text("感谢")
        await page.screenshot(path=ARTIFACTS / "article-solved.png")
    finally:
        await context.close()

    async def report() -> dict[str, Any]:
        figures: dict[str, Any] = await web_desk.call(
            "manager@example.com", "GET", "/v1/stats/deflection"
        )
        return figures

    # The knowledge service writes its events in the background: wait for the vote.
    for _ in range(50):
        figures = await report()
        if figures["self_solved"] >= 1:
            break
        await asyncio.sleep(0.2)
    assert figures["self_solved"] >= 1
    assert figures["searches"] >= 1


async def test_a_customer_files_a_ticket_with_a_pasted_screenshot_and_finds_it(
    web_desk: WebDesk, browser: Browser
) -> None:
    context, page = await new_page(browser)
    try:
        await log_in(page, web_desk, "alice@example.com", "/tickets/new")
        await page.get_by_role("radio", name="账户问题").check(force=True)
        await page.locator("#file-category").click()
        await page.get_by_role("option", name="密码重置").click()
        await page.fill("#file-title", "忘记密码怎么办")
        # suggestions come while typing, before anything is filed
        suggestions = page.get_by_role("region", name="这些文章也许能直接解决您的问题")
        await expect(suggestions.locator("a").first).to_be_visible()
        await page.fill("#file-description", "收不到验证码邮件，已经等了十分钟。")
        # A screenshot pasted into the description, as the browser delivers one.
        await page.evaluate(
            """bytes => {
                const data = new DataTransfer();
                const image = new Uint8Array(bytes);
                data.items.add(new File([image], 'screenshot.png', {type: 'image/png'}));
                const event = new ClipboardEvent('paste', {clipboardData: data, bubbles: true});
                document.querySelector('#file-description').dispatchEvent(event);
            }""",
            list(PNG),
        )
        await expect(page.locator(".files li").first).to_contain_text("screenshot.png")
        await expect(page.locator(".files li").first).to_contain_text("B")  # uploaded: its size
        submit = page.get_by_role("button", name="提交工单")
        await submit.click()
        await page.wait_for_url("**/tickets/*?filed=*")
        await expect(page.get_by_role("heading", level=1)).to_contain_text("忘记密码怎么办")
        ticket_id = page.url.split("/tickets/")[1].split("?")[0]
        # the screenshot on the ticket: its name, and a thumbnail that opens a preview
        await expect(page.locator(".attachment-list")).to_contain_text("screenshot.png")
        await page.get_by_role("button", name="预览 screenshot.png").click()
        preview = page.get_by_role("dialog").locator("img.preview")
        await expect(preview).to_be_visible()
        await expect(preview).to_have_js_property("naturalWidth", 1)  # the picture loaded
        await page.get_by_role("dialog").get_by_role("button", name="关闭此对话框").click()
        await page.goto(f"{web_desk.url}/tickets")
        await expect(page.get_by_role("link", name="忘记密码怎么办")).to_be_visible()
        await page.screenshot(path=ARTIFACTS / "my-tickets.png")
    finally:
        await context.close()
    stored = await web_desk.db["tickets"].find_one({"_id": ticket_id})
    assert stored is not None
    assert len(stored["attachment_ids"]) == 1
    assert stored["source"].get("session")  # the portal's session: deflection knows it filed
    assert await web_desk.db["tickets"].count_documents({"title": "忘记密码怎么办"}) == 1


async def test_markup_in_a_message_shows_as_text_and_runs_nothing(
    web_desk: WebDesk, browser: Browser
) -> None:
    attack = '<img src=x onerror="window.__pwned = 1"><script>window.__pwned = 2</script>'
    ticket = await web_desk.call(
        "bob@example.com",
        "POST",
        "/v1/tickets",
        json={
            "type": "technical",
            "category": "connection",
            "title": attack[:120],
            "description": attack,
        },
    )
    await web_desk.call(
        "bob@example.com", "POST", f"/v1/tickets/{ticket['id']}/messages", json={"body": attack}
    )
    context, page = await new_page(browser)
    try:
        await log_in(page, web_desk, "bob@example.com", f"/tickets/{ticket['id']}")
        await expect(page.locator(".conversation .body").first).to_have_text(attack)
        assert await page.evaluate("window.__pwned") is None
        assert await page.locator(".conversation img").count() == 0
    finally:
        await context.close()
