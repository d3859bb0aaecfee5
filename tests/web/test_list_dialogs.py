"""The agent list's dialogs of issue 16 (the command palette, saving a view, the column
picker, a bulk action) in zh-CN and en, light and dark: a screenshot of each kept as a
test artifact, and axe-core finding no serious or critical violation while it is open."""

import itertools
import json
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from tests.web.conftest import ARTIFACTS, WebDesk, log_in, new_page
from tests.web.test_pages import LANGUAGES, THEMES, axe_violations


async def open_palette(page: Page) -> None:
    await page.keyboard.press("Control+k")
    await expect(page.locator("input[data-command-input]")).to_be_focused()


async def open_save_view(page: Page) -> None:
    await page.click("[data-saved-view-save]")
    await expect(page.locator("input[data-saved-view-name]")).to_be_visible()


async def open_columns(page: Page) -> None:
    await page.click("[data-columns-open]")
    await expect(page.locator("[data-columns]")).to_be_visible()


async def open_bulk(page: Page) -> None:
    await page.click("[data-bulk-open]")
    await expect(page.locator("[data-bulk-run]")).to_be_visible()


DIALOGS = {
    "palette": open_palette,
    "save-view": open_save_view,
    "columns": open_columns,
    "bulk": open_bulk,
}


@pytest.mark.parametrize(("language", "theme"), list(itertools.product(LANGUAGES, THEMES)))
async def test_the_lists_dialogs_pass_axe_in_each_language_and_theme(
    web_desk: WebDesk, browser: Browser, language: str, theme: str
) -> None:
    problems: dict[str, list[dict[str, Any]]] = {}
    for name, opening in DIALOGS.items():
        context, page = await new_page(
            browser, language=language, dark=theme == "dark", bypass_csp=True
        )
        try:
            await log_in(page, web_desk, "manager@example.com", "/console")
            await page.wait_for_load_state("networkidle")
            await opening(page)
            await page.screenshot(path=ARTIFACTS / f"list-{name}-{language}-{theme}.png")
            if found := await axe_violations(page):
                problems[name] = found
        finally:
            await context.close()
    assert problems == {}, json.dumps(problems, ensure_ascii=False, indent=1)
