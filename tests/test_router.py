"""The web app's one origin (services/router): which service answers which path, intake's
processes taken in turn and a refused one passed over, events streamed as they come, both
cookies of a login kept, and the built app's caching and Content-Security-Policy."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from devstack.servers import free_port
from services.router.main import create_app
from services.router.routes import upstreams_of
from shared.settings import Settings

INDEX = "<!doctype html><title>desk</title><script type=module src=/assets/app-1a2b3c.js></script>"


@contextlib.asynccontextmanager
async def serving(app: object, port: int) -> AsyncIterator[str]:
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")  # type: ignore[arg-type]
    )
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def upstream(name: str, release: asyncio.Event) -> Starlette:
    """A stand-in service that says who answered; its stream sends one event, then waits."""

    async def anything(request: Request) -> Response:
        return JSONResponse({"upstream": name, "path": request.url.path})

    async def stream(_: Request) -> Response:
        async def events() -> AsyncIterator[str]:
            yield "event: ticket\ndata: first\n\n"
            await release.wait()
            yield "event: ticket\ndata: second\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    async def login(_: Request) -> Response:
        response = JSONResponse({"upstream": name})
        response.set_cookie("helpdesk_session", "s", httponly=True, samesite="strict")
        response.set_cookie("helpdesk_csrf", "c", samesite="strict")
        return response

    return Starlette(
        routes=[
            Route("/v1/tickets/stream", stream),
            Route("/v1/auth/session", login, methods=["POST"]),
            Route("/v1/{path:path}", anything, methods=["GET", "POST"]),
        ]
    )


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX)
    (tmp_path / "assets" / "app-1a2b3c.js").write_text("console.log('desk')")
    return tmp_path


def test_each_path_goes_to_its_service() -> None:
    settings = Settings(
        intake_url="http://intake:1",
        knowledge_url="http://knowledge:2",
        notify_url="http://notify:3",
        router_intake_urls=["http://intake:4"],
    )
    assert upstreams_of("/v1/tickets/5/actions/claim", settings) == (
        "http://intake:1",
        "http://intake:4",
    )
    assert upstreams_of("/v1/stats/deflection", settings) == ("http://knowledge:2",)
    assert upstreams_of("/v1/stats/overview", settings) == ("http://intake:1", "http://intake:4")
    assert upstreams_of("/v1/search", settings) == ("http://knowledge:2",)
    assert upstreams_of("/v1/searching", settings) == ("http://intake:1", "http://intake:4")
    assert upstreams_of("/v1/inbox/stream", settings) == ("http://notify:3",)
    assert upstreams_of("/console/tickets/5", settings) is None
    copies = settings.model_copy(
        update={
            "router_knowledge_urls": ["http://knowledge:5"],
            "router_notify_urls": ["http://n:6"],
        }
    )
    assert upstreams_of("/v1/search", copies) == ("http://knowledge:2", "http://knowledge:5")
    assert upstreams_of("/v1/webhooks/w-1", copies) == ("http://notify:3", "http://n:6")


async def test_intake_processes_are_taken_in_turn_and_a_refused_one_is_passed_over(
    dist: Path,
) -> None:
    release = asyncio.Event()
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    async with (
        serving(upstream("one", release), free_port()) as one,
        serving(upstream("two", release), free_port()) as two,
    ):
        settings = Settings(intake_url=one, router_intake_urls=[dead, two], web_dist_dir=dist)
        async with (
            serving(create_app(settings), free_port()) as router,
            httpx.AsyncClient(base_url=router) as http,
        ):
            answered = [(await http.get("/v1/tickets")).json()["upstream"] for _ in range(6)]
            # in turn: one, (dead, passed over to) two, two, one, two, two
            assert answered == ["one", "two", "two", "one", "two", "two"]
            posted = await http.post("/v1/tickets", json={"title": "through the router"})
            assert posted.status_code == 200


async def test_no_process_answering_is_a_503_to_retry(dist: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    settings = Settings(intake_url=dead, web_dist_dir=dist)
    async with (
        serving(create_app(settings), free_port()) as router,
        httpx.AsyncClient(base_url=router) as http,
    ):
        answer = await http.get("/v1/tickets")
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "service_unavailable"
    assert answer.headers["retry-after"] == "2"


async def test_events_arrive_while_the_stream_is_open_and_both_login_cookies_are_kept(
    dist: Path,
) -> None:
    release = asyncio.Event()
    async with serving(upstream("one", release), free_port()) as one:
        settings = Settings(intake_url=one, web_dist_dir=dist)
        async with (
            serving(create_app(settings), free_port()) as router,
            httpx.AsyncClient(base_url=router, timeout=10) as http,
        ):
            async with http.stream("GET", "/v1/tickets/stream") as answer:
                lines = answer.aiter_lines()
                # the first event comes through while the upstream still holds the stream
                assert await asyncio.wait_for(anext(lines), 5) == "event: ticket"
                assert await asyncio.wait_for(anext(lines), 5) == "data: first"
                release.set()
                rest = [line async for line in lines]
            assert "data: second" in rest
            login = await http.post("/v1/auth/session")
    cookies = login.headers.get_list("set-cookie")
    assert [cookie.split("=")[0] for cookie in cookies] == ["helpdesk_session", "helpdesk_csrf"]


async def test_pages_are_the_app_uncached_under_a_policy_and_assets_are_immutable(
    dist: Path,
) -> None:
    settings = Settings(web_dist_dir=dist)
    async with (
        serving(create_app(settings), free_port()) as router,
        httpx.AsyncClient(base_url=router) as http,
    ):
        page = await http.get("/console/tickets/5")
        asset = await http.get("/assets/app-1a2b3c.js")
        missing = await http.get("/v1-not-an-api")
    assert page.status_code == 200
    assert page.text == INDEX
    assert page.headers["cache-control"] == "no-cache"
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert asset.text == "console.log('desk')"
    assert missing.text == INDEX  # any other path is a page of the app
