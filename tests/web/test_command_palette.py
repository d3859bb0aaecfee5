"""The command palette (Ctrl/Cmd-K): to a ticket by its number, an action on the open
ticket, and a view of the list, all from the keyboard."""

from playwright.async_api import Browser, expect

from tests.web.conftest import WebDesk, file_as, log_in, new_page


async def test_the_palette_goes_to_a_ticket_acts_on_it_and_opens_a_view(
    web_desk: WebDesk, browser: Browser
) -> None:
    ticket = await file_as(web_desk, "alice@example.com", "Palette: the sync never finishes")
    context, page = await new_page(browser, language="en")
    try:
        await log_in(page, web_desk, "manager@example.com", "/console")
        palette = page.locator("[data-command-palette]")
        command = palette.locator("input[data-command-input]")

        async def ask(text: str) -> None:
            await page.keyboard.press("Control+k")
            await expect(command).to_be_focused()
            await command.fill(text)

        await ask(f"#{ticket['number']}")
        await expect(palette.locator("[data-command=go-ticket]")).to_have_attribute(
            "aria-selected", "true"
        )
        await page.keyboard.press("Enter")
        await page.wait_for_url(f"{web_desk.url}/console/tickets/{ticket['id']}")
        await expect(palette).to_be_hidden()

        # The open ticket's actions are commands: "set priority" opens its form.
        await ask("priority")
        await expect(palette.locator("[data-command='action:set-priority']")).to_be_visible()
        await page.keyboard.press("Enter")
        form = page.get_by_role("dialog", name="Set priority")
        await expect(form).to_be_visible()
        await page.keyboard.press("Escape")
        await expect(form).to_be_hidden()

        await ask("breached")
        await page.keyboard.press("Enter")
        await page.wait_for_url(f"{web_desk.url}/console?view=breached")
        await expect(page.get_by_role("radio", name="Breached")).to_be_checked()
        await expect(palette).to_be_hidden()

        # A number nobody can see is said so, and the palette stays.
        await ask("#999999999")
        await page.keyboard.press("Enter")
        await expect(palette.locator("[data-command-error]")).to_contain_text("#999999999")
    finally:
        await context.close()
