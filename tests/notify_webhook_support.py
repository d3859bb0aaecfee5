"""Real HTTP receivers for webhook tests, on 127.0.0.1 and free ports: one verifying the
signature as a customer's endpoint would, one that hangs up without answering."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from devstack.servers import free_port
from services.notify.webhooks.signing import verify


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool


@dataclass
class Receiver:
    """Answers POST /hook: 204 when the signature verifies with `secret`, 401 when not,
    unless `answers` holds statuses to give first. POST /moved redirects to /hook."""

    base_url: str = ""
    secret: str = ""
    now: float | None = None  # the receiver's clock for the timestamp check (None: real)
    retry_after: str | None = None  # sent with the answers of `answers`
    answers: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"{self.base_url}/hook"

    async def hook(self, request: Request) -> Response:
        body = await request.body()  # the raw bytes: verified before any parsing
        signature = request.headers.get("x-helpdesk-signature", "")
        verified = bool(self.secret) and verify(self.secret, body, signature, now=self.now)
        self.received.append(Received(request.url.path, dict(request.headers), body, verified))
        if self.answers:
            status = self.answers.pop(0)
            headers = {"Retry-After": self.retry_after} if self.retry_after else None
            return PlainTextResponse(
                f"answer {status}\n  with   details", status_code=status, headers=headers
            )
        return Response(status_code=204 if verified else 401)

    async def moved(self, request: Request) -> Response:
        self.received.append(Received(request.url.path, dict(request.headers), b"", False))
        return RedirectResponse("/hook", status_code=301)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/hook", self.hook, methods=["POST"]),
                Route("/moved", self.moved, methods=["POST"]),
            ]
        )


@contextlib.asynccontextmanager
async def running_receiver(now: float | None = None) -> AsyncIterator[Receiver]:
    """A uvicorn server with a Receiver, stopped when the block ends."""
    receiver = Receiver(now=now)
    port = free_port()
    config = uvicorn.Config(
        receiver.app(),
        host="127.0.0.1",
        port=port,
        lifespan="off",
        log_level="warning",
        access_log=False,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(10):
            while not server.started:
                if task.done():
                    task.result()  # raises why it could not start
                    raise AssertionError("the receiver stopped before it started")
                await asyncio.sleep(0.01)
        receiver.base_url = f"http://127.0.0.1:{port}"
        yield receiver
    finally:
        server.should_exit = True
        await task


@contextlib.asynccontextmanager
async def hanging_up_receiver() -> AsyncIterator[str]:
    """The URL of a server that reads a request and closes the connection unanswered."""

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            await reader.readuntil(b"\r\n\r\n")
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()

    port = free_port()
    server = await asyncio.start_server(hang_up, "127.0.0.1", port)
    try:
        yield f"http://127.0.0.1:{port}/hook"
    finally:
        server.close()
        await server.wait_closed()
