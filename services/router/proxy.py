"""Forwarding a request to the service that answers it, streaming both ways: a live stream
(server-sent events) reaches the browser event by event, an upload the service as it
comes."""

import logging
import time
from collections.abc import Sequence

import httpx
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from shared.errors import error_body
from shared.slow_requests import SLOW_SECONDS

log = logging.getLogger("helpdesk.router")

# Connection-scoped headers (RFC 9110 7.6.1) are not forwarded; `host` names the upstream.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "x-forwarded-for",
        "x-forwarded-proto",
        "x-forwarded-host",
    }
)


def _forwarded_headers(request: Request) -> list[tuple[str, str]]:
    headers = [(k, v) for k, v in request.headers.items() if k not in HOP_BY_HOP]
    # The router is the edge: what the client says about earlier hops is not kept. The
    # services trust these from loopback (uvicorn's --forwarded-allow-ips default), so the
    # login throttle sees the browser's address, not the router's.
    client = request.client.host if request.client else "unknown"
    headers += [
        ("x-forwarded-for", client),
        ("x-forwarded-proto", request.url.scheme),
        ("x-forwarded-host", request.headers.get("host", "")),
    ]
    return headers


async def _send(
    client: httpx.AsyncClient, outgoing: httpx.Request, *, may_repeat: bool
) -> httpx.Response:
    try:
        return await client.send(outgoing, stream=True)
    except httpx.RemoteProtocolError:
        # The upstream closed an idle keep-alive connection as the request went out, so it
        # answered nothing; a request without a body is sent again, once, on a new one.
        if not may_repeat:
            raise
        return await client.send(outgoing, stream=True)


async def forward(
    request: Request, client: httpx.AsyncClient, upstreams: Sequence[str], turn: int
) -> Response:
    """Send `request` to one of `upstreams` (processes of one service), beginning with the
    one whose `turn` it is; one that refuses the connection is passed over (nothing of the
    request was sent to it), any other failure is a 503."""
    started = time.perf_counter()
    has_body = request.method not in ("GET", "HEAD", "OPTIONS")
    body = request.stream() if has_body else None
    answer: httpx.Response | None = None
    for attempt in range(len(upstreams)):
        upstream = upstreams[(turn + attempt) % len(upstreams)]
        url = httpx.URL(upstream + request.url.path, query=request.url.query.encode())
        outgoing = client.build_request(
            request.method, url, headers=_forwarded_headers(request), content=body
        )
        try:
            answer = await _send(client, outgoing, may_repeat=not has_body)
            break
        except httpx.ConnectError as exc:
            log.warning("%s %s: %s refused: %s", request.method, request.url.path, upstream, exc)
        except httpx.TransportError as exc:
            log.warning("%s %s: %s failed: %s", request.method, request.url.path, upstream, exc)
            break
    if answer is None:
        return JSONResponse(
            error_body(
                "service_unavailable",
                "This part of the help desk is not answering right now; try again shortly.",
            ),
            status_code=503,
            headers={"Retry-After": "2"},
        )
    seconds = time.perf_counter() - started
    if seconds >= SLOW_SECONDS:
        # The path names ids at most; the query string (search words) is left out.
        log.warning(
            "slow answer: %s %s from %s: %s after %.2f s",
            request.method,
            request.url.path,
            upstream,
            answer.status_code,
            seconds,
        )
    response = StreamingResponse(
        answer.aiter_raw(), status_code=answer.status_code, background=BackgroundTask(answer.aclose)
    )
    # Set raw: a mapping would keep one of the two Set-Cookie headers of a login.
    response.raw_headers = [
        (k.encode("latin-1"), v.encode("latin-1"))
        for k, v in answer.headers.multi_items()
        if k.lower() not in HOP_BY_HOP
    ]
    return response
