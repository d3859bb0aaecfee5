"""Debian's Chromium as the browser tests and the web benchmark drive it (never a browser
Playwright downloads): headless, no GPU, nothing fetched from outside."""

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
