"""`GET /v1/tickets/stream`: the tickets the caller may see, as they change (A1, K2)."""

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse

from services.intake.deps import CurrentUser, DbDep
from services.intake.resources import resources_of
from services.intake.tickets import access, reads
from services.intake.tickets.feed import SLACK, TicketFeed, changed_since
from shared.auth import Principal
from shared.clock import as_utc, utcnow
from shared.mongo import Database, Document
from shared.streams import server_stopping

router = APIRouter(prefix="/v1/tickets", tags=["tickets"])

# A stream ends after this long and the browser reconnects with Last-Event-ID, losing
# nothing; it also bounds how long a stopping server waits for its streams.
MAX_STREAM_SECONDS = 300.0
KEEPALIVE_SECONDS = 15.0
STOP_CHECK_SECONDS = 0.5
RETRY_MS = 2000
REPLAY_LIMIT = 2000
# A client further behind than this reads its list again (`event: reload`) rather than
# replaying: the replay's read grows with every ticket changed since.
REPLAY_WINDOW = timedelta(minutes=15)
RELOAD = "event: reload\ndata: {}\n\n"


def event_id(document: Document) -> str:
    return f"{document['updated_at'].isoformat()}|{document['_id']}"


def _position(last_event_id: str | None) -> datetime | None:
    if not last_event_id:
        return None
    stamp, _, _ = last_event_id.partition("|")
    try:
        return datetime.fromisoformat(stamp)
    except ValueError:
        return None


def _hidden_frame(document: Document) -> str:
    return f"event: hidden\ndata: {json.dumps({'id': document['_id']})}\n\n"


def _frame(document: Document) -> str:
    ticket = reads.ticket_read(document).model_dump(mode="json")
    data = json.dumps({"ticket": ticket, "server_time": utcnow().isoformat()})
    return f"id: {event_id(document)}\nevent: ticket\ndata: {data}\n\n"


@router.get(
    "/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "The live stream."}},
)
async def stream_tickets(
    request: Request,
    principal: CurrentUser,
    db: DbDep,
    last_event_id: Annotated[str | None, Header(max_length=200)] = None,
    since: Annotated[
        datetime | None,
        Query(description="replay changes from this moment (a list page's `server_time`)"),
    ] = None,
) -> StreamingResponse:
    """Every ticket the caller may see, each time it changes, as Server-Sent Events
    (`event: ticket`, `data: {ticket, server_time}`). Browsers resend the last `id:` on
    reconnect (`Last-Event-ID`); the changes since come first. `event: hidden`
    (`data: {id}`) says a ticket this stream sent is no longer the caller's to see (it was
    escalated or moved to another group): drop it. `event: reload` says some were dropped
    for a client too slow: read the list again. A first connection may name `since`, the
    `server_time` of the page it shows, to get what changed after that page was read;
    `Last-Event-ID`, once there is one, goes before it."""
    feed = resources_of(request.app).ticket_feed
    start = _position(last_event_id) or (as_utc(since) if since else None)
    events = _events(request, feed=feed, db=db, principal=principal, since=start)
    return StreamingResponse(
        events,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _events(
    request: Request,
    *,
    feed: TicketFeed,
    db: Database,
    principal: Principal,
    since: datetime | None,
) -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    ends_at = loop.time() + MAX_STREAM_SECONDS
    # Only tickets this stream sent are said to be hidden: naming any other would tell the
    # caller that a ticket it may not see exists (K2).
    sent: set[str] = set()

    def frame_of(document: Document) -> str | None:
        if access.can_see(principal, document):
            sent.add(document["_id"])
            return _frame(document)
        if document["_id"] in sent:
            sent.discard(document["_id"])
            return _hidden_frame(document)
        return None

    # Listening before the replay: a change stored meanwhile is in both, never in neither
    # (the client keeps the newest version of each ticket).
    with feed.listen() as queue:
        yield f"retry: {RETRY_MS}\n\n"
        if since is not None and utcnow() - since > REPLAY_WINDOW:
            yield RELOAD
        elif since is not None:
            async for document in changed_since(db, since - SLACK, limit=REPLAY_LIMIT):
                if (frame := frame_of(document)) is not None:
                    yield frame
        keepalive_at = loop.time() + KEEPALIVE_SECONDS
        while (now := loop.time()) < ends_at and not server_stopping():
            wait = min(now + STOP_CHECK_SECONDS, keepalive_at, ends_at) - now
            try:
                async with asyncio.timeout(wait):
                    changed = await queue.get()
            except TimeoutError:
                if loop.time() < keepalive_at:
                    continue
                if await request.is_disconnected():
                    return
                yield ": keep-alive\n\n"
                keepalive_at = loop.time() + KEEPALIVE_SECONDS
                continue
            if changed is None:
                yield RELOAD
            elif (frame := frame_of(changed)) is not None:
                yield frame
