"""Every page in zh-CN and en, light and dark: a screenshot of each kept as a test artifact
(test-artifacts/web/), axe-core finding no serious or critical violation, and the portal and
the ticket page usable at a phone's 375 px."""

import itertools
import json
from typing import Any

import pytest
from playwright.async_api import Browser, Page

from tests.conftest import REPO_ROOT
from tests.web.conftest import ARTIFACTS, WebDesk, log_in, new_page

AXE = REPO_ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
LANGUAGES = ("zh-CN", "en")
THEMES = ("light", "dark")


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    await page.add_script_tag(path=AXE)
    found: list[dict[str, Any]] = await page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => ({id: v.id, nodes: v.nodes.slice(0, 4).map(n => ({
                    target: n.target.join(' '),
                    why: (n.any[0] || n.all[0] || {}).message || '',
                }))}));
        }"""
    )
    return found


@pytest.fixture(scope="module")
async def pages(web_desk: WebDesk) -> dict[str, tuple[str | None, str]]:
    """Each page: who looks at it (None: anyone) and its path."""
    ticket = await web_desk.call(
        "alice@example.com",
        "POST",
        "/v1/tickets",
        json={
            "type": "account",
            "category": "login",
            "title": "登录后立刻被退出 / logged out right after login",
            "description": "每次登录几秒后就退出了。It logs me out after a few seconds.",
        },
    )
    hits = await web_desk.call("alice@example.com", "GET", "/v1/search", params={"q": "密码"})
    article = hits["hits"][0]["id"]
    return {
        "help-center": (None, "/"),
        "article": (None, f"/articles/{article}"),
        "login": (None, "/login"),
        "file-ticket": ("alice@example.com", "/tickets/new"),
        "my-tickets": ("alice@example.com", "/tickets"),
        "portal-ticket": ("alice@example.com", f"/tickets/{ticket['id']}"),
        "console-list": ("manager@example.com", "/console"),
        "console-ticket": ("manager@example.com", f"/console/tickets/{ticket['id']}"),
    }


@pytest.mark.parametrize(("language", "theme"), list(itertools.product(LANGUAGES, THEMES)))
async def test_every_page_in_each_language_and_theme_passes_axe(
    web_desk: WebDesk,
    browser: Browser,
    pages: dict[str, tuple[str | None, str]],
    language: str,
    theme: str,
) -> None:
    problems: dict[str, list[dict[str, Any]]] = {}
    for name, (who, path) in pages.items():
        context, page = await new_page(
            browser, language=language, dark=theme == "dark", bypass_csp=True
        )
        try:
            if who:
                await log_in(page, web_desk, who, path)
            else:
                await page.goto(f"{web_desk.url}{path}")
            await page.wait_for_load_state("networkidle")
            assert await page.evaluate("document.documentElement.lang") == language
            is_dark = await page.evaluate("document.documentElement.classList.contains('dark')")
            assert is_dark == (theme == "dark")
            await page.screenshot(path=ARTIFACTS / f"{name}-{language}-{theme}.png", full_page=True)
            if found := await axe_violations(page):
                problems[name] = found
        finally:
            await context.close()
    assert problems == {}, json.dumps(problems, ensure_ascii=False, indent=1)


@pytest.mark.parametrize("name", ["help-center", "file-ticket", "portal-ticket", "console-ticket"])
async def test_a_phone_sees_the_page_without_sideways_scrolling(
    web_desk: WebDesk, browser: Browser, pages: dict[str, tuple[str | None, str]], name: str
) -> None:
    who, path = pages[name]
    context, page = await new_page(browser, width=375)
    try:
        if who:
            await log_in(page, web_desk, who, path)
        else:
            await page.goto(f"{web_desk.url}{path}")
        await page.wait_for_load_state("networkidle")
        await page.screenshot(path=ARTIFACTS / f"{name}-375px.png", full_page=True)
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 376, f"{name} is {width} px wide at 375 px"
    finally:
        await context.close()
