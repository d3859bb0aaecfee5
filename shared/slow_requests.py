"""A warning in the service's log for every request answered slowly, with how long it took:
uvicorn's access log says what was asked but not for how long, and a page that waits on one
slow call (a list search, a bulk action reading its view) is found from this line."""

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# A request whose answer began later than this is logged; a stream counts until it opens.
SLOW_SECONDS = 1.0

log = logging.getLogger("helpdesk.slow")


class SlowRequestLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                seconds = time.perf_counter() - started
                if seconds >= SLOW_SECONDS:
                    # The route's template, not the path: no ticket text or query string.
                    route = getattr(scope.get("route"), "path", None) or "unmatched"
                    log.warning(
                        "slow request: %s %s answered %s after %.2f s",
                        scope["method"],
                        route,
                        message["status"],
                        seconds,
                    )
            await send(message)

        await self.app(scope, receive, timed)
