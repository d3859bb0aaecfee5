"""The web app in a real browser: the desk's processes and the router on free ports against
the suite's servers, the built app (web/dist, `make test` builds it first), and Debian's
Chromium driven by Playwright (never a browser of Playwright's own download)."""

import os
import shutil
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from bson import ObjectId
from playwright.async_api import Browser, BrowserContext, Page, Request, async_playwright

from devstack.browser import CHROMIUM, CHROMIUM_FLAGS
from devstack.seed import DEMO_PASSWORD, seed_demo_data
from devstack.servers import RunningProcess, free_port, start_all, stop_all
from devstack.stack import process_environment, services, web_router
from shared import collections
from shared.mongo import Database, create_mongo_client, get_database
from shared.settings import Environment, Settings
from tests.conftest import REPO_ROOT, Servers

# Overridable so that two suites can run side by side on builds and artifacts of their own.
DIST = Path(os.environ.get("HELPDESK_TEST_WEB_DIST", REPO_ROOT / "web" / "dist"))
ARTIFACTS = Path(os.environ.get("HELPDESK_TEST_ARTIFACTS", REPO_ROOT / "test-artifacts" / "web"))


@dataclass
class WebDesk:
    settings: Settings
    db: Database
    http: httpx.AsyncClient
    processes: list[RunningProcess]
    log_dir: Path
    tokens: dict[str, str] = field(default_factory=dict)

    def kill(self, name: str) -> None:
        """SIGKILL one of the desk's processes, as a crash would."""
        next(p for p in self.processes if p.spec.name == name).kill()

    async def restart(self, name: str) -> None:
        """Start a process of the desk again (after `kill`) and wait until it is ready."""
        index = next(i for i, p in enumerate(self.processes) if p.spec.name == name)
        self.processes[index].kill()
        (self.processes[index],) = await start_all(
            [self.processes[index].spec], self.log_dir, REPO_ROOT
        )

    @property
    def url(self) -> str:
        return self.settings.web_url

    async def token(self, email: str) -> str:
        if email not in self.tokens:
            answer = await self.http.post(
                f"{self.url}/v1/auth/token", data={"username": email, "password": DEMO_PASSWORD}
            )
            answer.raise_for_status()
            self.tokens[email] = answer.json()["access_token"]
        return self.tokens[email]

    async def call(
        self, email: str, method: str, path: str, *, base: str | None = None, **kwargs: Any
    ) -> Any:
        """An API call as `email`, through the router (or straight to the process at `base`)."""
        headers = {"Authorization": f"Bearer {await self.token(email)}"}
        url = f"{base or self.url}{path}"
        answer = await self.http.request(method, url, headers=headers, **kwargs)
        assert answer.status_code < 300, answer.text
        return answer.json() if answer.content else None


async def file_as(
    desk: WebDesk, email: str, title: str, *, base: str | None = None, **fields: str
) -> dict[str, str]:
    """A ticket filed by `email` (a technical connection problem unless `fields` say
    otherwise), through the router or straight to the process at `base`."""
    body = {
        "type": "technical",
        "category": "connection",
        "title": title,
        "description": "The app cannot reach the server since this morning.",
        **fields,
    }
    ticket: dict[str, str] = await desk.call(email, "POST", "/v1/tickets", base=base, json=body)
    return ticket


async def new_customer(desk: WebDesk) -> str:
    """A customer of the desk's own who has filed nothing yet (the demo password, Alice's
    other fields): the desk is shared, and a third ticket of one category within a week
    from the same customer starts at escalation level 1 (repeat escalation), out of the
    frontline's sight, however many tickets the tests before filed as the demo customers."""
    alice = await desk.db[collections.USERS].find_one({"email": "alice@example.com"})
    assert alice is not None
    suffix = uuid.uuid4().hex[:8]
    email = f"customer-{suffix}@example.com"
    await desk.db[collections.USERS].insert_one(
        {**alice, "_id": str(ObjectId()), "email": email, "name": f"Alice {suffix}"}
    )
    return email


@pytest.fixture(scope="session")
async def web_desk(
    servers: Servers, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[WebDesk]:
    assert (DIST / "index.html").is_file(), "build the web app first: make web"
    var = tmp_path_factory.mktemp("web")
    settings = servers.settings(
        intake_url=f"http://127.0.0.1:{free_port()}",
        # Two intake processes behind the router, as a busier desk runs them.
        router_intake_urls=[f"http://127.0.0.1:{free_port()}"],
        knowledge_url=f"http://127.0.0.1:{free_port()}",
        notify_url=f"http://127.0.0.1:{free_port()}",
        web_url=f"http://127.0.0.1:{free_port()}",
        web_dist_dir=str(DIST),
        meili_index_prefix=f"web_{uuid.uuid4().hex[:8]}_",
        workflow_sweep_interval_seconds=2.0,
        desk_config_cache_seconds=0.0,
        # One ticket update at a time: the bulk test's worker crash lands inside an action
        # of 200 with most of it still to do (at 8 at once it could finish between polls).
        bulk_concurrent_updates=1,
    )
    client = create_mongo_client(settings)
    db = get_database(client, settings)
    await seed_demo_data(db, settings.model_copy(update={"environment": Environment.DEVELOPMENT}))
    env = process_environment(settings)
    specs = [*services(settings, env), web_router(settings, env)]
    processes = await start_all(specs, var / "log", REPO_ROOT)
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            yield WebDesk(
                settings=settings, db=db, http=http, processes=processes, log_dir=var / "log"
            )
    finally:
        stop_all(processes)
        await client.drop_database(settings.mongodb_db)
        await client.close()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    assert shutil.which(CHROMIUM), "Debian's chromium is needed (.ci/run installs it)"
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture(scope="session", autouse=True)
def artifacts() -> Path:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


async def new_page(
    browser: Browser,
    *,
    language: str = "zh-CN",
    dark: bool = False,
    width: int = 1280,
    bypass_csp: bool = False,
) -> tuple[BrowserContext, Page]:
    """A fresh browser profile (its own cookies) in the given language and colour scheme."""
    context = await browser.new_context(
        locale=language,
        color_scheme="dark" if dark else "light",
        viewport={"width": width, "height": 900},
        timezone_id="Asia/Shanghai",
        bypass_csp=bypass_csp,  # only to inject axe-core: the app itself runs under its CSP
    )
    page = await context.new_page()
    return context, page


async def log_in(page: Page, desk: WebDesk, email: str, next_path: str = "/") -> None:
    await page.goto(f"{desk.url}/login?next={next_path}")
    await page.fill("#login-email", email)
    await page.fill("#login-password", DEMO_PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{desk.url}{next_path}*")


class NetworkLog:
    """What the page asked the API and when each answer came, for a failure's message: a
    step that waits on the server says whether the request left, and what came back."""

    def __init__(self, page: Page) -> None:
        self._started = time.monotonic()
        self._lines: list[str] = []
        page.on("request", lambda r: self._note(r, "sent"))
        page.on("response", lambda r: self._note(r.request, f"answered {r.status}"))
        page.on("requestfailed", lambda r: self._note(r, f"failed {r.failure}"))

    def _note(self, request: Request, what: str) -> None:
        if "/v1/" in request.url:
            path = request.url.split("/v1/", 1)[1].split("?", 1)[0]
            self._lines.append(
                f"{time.monotonic() - self._started:7.2f} s {request.method} /v1/{path} {what}"
            )

    def __str__(self) -> str:
        return "\n".join(self._lines[-60:])
