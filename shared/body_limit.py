"""A cap on request bodies, applied before anything reads or parses them: FastAPI reads a
JSON body whole before authentication runs, so without it anyone could fill the memory.
And the answer to a body refused before it was read, made readable to every client."""

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from shared.errors import error_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyLimit:
    """ASGI middleware: 413 `payload_too_large` for a body over `max_bytes`, except on the
    paths in `exempt` (uploads, which enforce their own limit while streaming)."""

    def __init__(self, app: App, *, max_bytes: int, exempt: tuple[str, ...] = ()) -> None:
        self._app = app
        self._max_bytes = max_bytes
        self._exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self._exempt):
            await self._app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self._max_bytes:
            await self._refuse(send)
            return
        # Read it here (bounded), then hand the app the same messages.
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self._max_bytes:
                await self._refuse(send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self._app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            error_body(
                "payload_too_large",
                f"The request body is larger than {self._max_bytes} bytes.",
                {"max_bytes": self._max_bytes},
            )
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class LingeringClose:
    """ASGI middleware: an answer given before the request body was read whole (a 413 by
    its Content-Length, an upload refused halfway) is sent at once, and the rest of the body
    is then read and thrown away, up to `max_bytes` and `max_seconds`, before the response
    ends. A client that sends its whole body before it reads (Python's urllib, many HTTP
    libraries) otherwise finds the connection reset and never sees the answer: a socket
    closed with unread data makes the kernel send a reset. nginx does the same (its
    lingering close); a body declared larger than `max_bytes` is not waited for."""

    def __init__(self, app: App, *, max_bytes: int, max_seconds: float = 30.0) -> None:
        self._app = app
        self._max_bytes = max_bytes
        self._max_seconds = max_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers") or []) if scope["type"] == "http" else {}
        declared = headers.get(b"content-length", b"")
        has_body = b"transfer-encoding" in headers or declared not in (b"", b"0")
        if not has_body or (declared.isdigit() and int(declared) > self._max_bytes):
            await self._app(scope, receive, send)
            return
        body_read = False

        async def tracked_receive() -> Message:
            nonlocal body_read
            message = await receive()
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_read = True
            return message

        async def lingering_send(message: Message) -> None:
            last = message["type"] == "http.response.body" and not message.get("more_body")
            if not last or body_read:
                await send(message)
                return
            await send({**message, "more_body": True})
            await self._discard_rest(tracked_receive)
            await send({"type": "http.response.body", "body": b"", "more_body": False})

        await self._app(scope, tracked_receive, lingering_send)

    async def _discard_rest(self, receive: Receive) -> None:
        size = 0
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._max_seconds):
                while size <= self._max_bytes:
                    message = await receive()
                    if message["type"] != "http.request":
                        return
                    size += len(message.get("body", b""))
                    if not message.get("more_body", False):
                        return
