"""Inbox routes (SPEC J1): every logged-in user reads their own in-app notifications, as a
list or as a live Server-Sent Events stream."""

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse

from services.notify.deps import CurrentUser, DbDep, InboxHubDep
from services.notify.inbox import service
from services.notify.inbox.hub import InboxHub
from services.notify.inbox.models import InboxItemRead, InboxPage, InboxReadAll
from shared.clock import as_utc, utcnow
from shared.mongo import Database
from shared.streams import server_stopping

router = APIRouter(prefix="/v1/inbox", tags=["inbox"])

MAX_LIMIT = 100
# A comment line this often keeps proxies from closing an idle stream (and notices a
# client that went away).
KEEPALIVE_SECONDS = 15.0
# A stream ends after this long and the browser reconnects (after RETRY_MS) with
# Last-Event-ID, losing nothing: under a server other than uvicorn (see server_stopping),
# an open stream delays its stop by this at most.
MAX_STREAM_SECONDS = 300.0
STOP_CHECK_SECONDS = 0.5  # how soon a stream ends once uvicorn is told to stop
RETRY_MS = 2000
# After missed items, the reload looks this far back from the last item sent: concurrent
# deliveries can store an item a moment after a newer one. What was sent is skipped.
LATE_INSERT_SLACK = timedelta(seconds=10)
RECENT_IDS = 1000  # ids remembered to skip what the reload or the replay already sent


@router.get("", response_model=InboxPage)
async def list_inbox(
    user: CurrentUser,
    db: DbDep,
    unread_only: bool = False,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> InboxPage:
    """Your notifications: unread first, then read, each newest first."""
    items, next_cursor = await service.list_items(
        db=db, user_id=user.id, unread_only=unread_only, cursor=cursor, limit=limit
    )
    return InboxPage(
        items=[service.to_read(item) for item in items],
        next_cursor=next_cursor,
        unread=await service.count_unread(db=db, user_id=user.id),
    )


@router.post("/read-all", response_model=InboxReadAll)
async def read_all(user: CurrentUser, db: DbDep) -> InboxReadAll:
    """Mark all your notifications read; `marked` counts those that were unread."""
    return InboxReadAll(marked=await service.mark_all_read(db=db, user_id=user.id, now=utcnow()))


@router.post("/{item_id}/read", response_model=InboxItemRead)
async def read_item(item_id: str, user: CurrentUser, db: DbDep) -> InboxItemRead:
    """Mark one of your notifications read (again: no change); 404 `inbox_item_not_found`."""
    item = await service.mark_read(db=db, user_id=user.id, item_id=item_id, now=utcnow())
    return service.to_read(item)


@router.get(
    "/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "The live stream."}},
)
async def stream_inbox(
    request: Request,
    user: CurrentUser,
    db: DbDep,
    hub: InboxHubDep,
    since: Annotated[datetime | None, Query(description="replay items created after")] = None,
    last_event_id: Annotated[str | None, Header(max_length=200)] = None,
) -> StreamingResponse:
    """Your new notifications as Server-Sent Events (`event: notification`, `id:` the item
    id, `data:` the item as in the list). Sent `Last-Event-ID` (browsers do on reconnect)
    or `since`, the items created after it come first. `?access_token=` logs in where
    headers cannot be sent (EventSource)."""
    events = _events(
        request,
        db=db,
        hub=hub,
        user_id=user.id,
        since=as_utc(since) if since else None,
        last_event_id=last_event_id,
    )
    return StreamingResponse(
        events,
        media_type="text/event-stream",
        # No caching, and no buffering by a proxy (nginx) in front.
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _frame(item: InboxItemRead) -> str:
    # A line break in an id would end the field early: such an id is left out.
    event_id = "" if any(c in item.id for c in "\r\n\0") else f"id: {item.id}\n"
    return f"{event_id}event: notification\ndata: {item.model_dump_json()}\n\n"


class _Sent:
    """What one stream sent: the newest creation time, and the latest ids (to skip an item
    both replayed and published, or reloaded twice)."""

    def __init__(self, start: datetime) -> None:
        self.newest = start
        self._ids: OrderedDict[str, None] = OrderedDict()

    def frame(self, item: InboxItemRead) -> str | None:
        """The event to send for `item`; None if it was sent already."""
        if item.id in self._ids:
            return None
        self._ids[item.id] = None
        if len(self._ids) > RECENT_IDS:
            self._ids.popitem(last=False)
        self.newest = max(self.newest, item.created_at)
        return _frame(item)


async def _events(
    request: Request,
    *,
    db: Database,
    hub: InboxHub,
    user_id: str,
    since: datetime | None,
    last_event_id: str | None,
) -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    ends_at = loop.time() + MAX_STREAM_SECONDS
    # Subscribed before the replay: an item stored meanwhile is in both, never in neither.
    with hub.subscribe(user_id) as subscription:
        opened_at = utcnow()
        yield f"retry: {RETRY_MS}\n\n"  # also tells the client the stream is live
        # An id that is not the caller's (or unknown) replays from `since`, if given.
        after = (
            await service.find_position(db=db, user_id=user_id, item_id=last_event_id)
            if last_event_id
            else None
        )
        sent = _Sent(after.created_at if after else since or opened_at)
        if after is not None or since is not None:
            replay = service.items_since(db=db, user_id=user_id, after=after, since=since)
            async for item in replay:
                if chunk := sent.frame(item):
                    yield chunk
        keepalive_at = loop.time() + KEEPALIVE_SECONDS
        while (now := loop.time()) < ends_at and not server_stopping():
            wait = min(now + STOP_CHECK_SECONDS, keepalive_at, ends_at) - now
            try:
                async with asyncio.timeout(wait):
                    published = await anext(subscription)
            except TimeoutError:
                if loop.time() < keepalive_at:
                    continue
                if await request.is_disconnected():
                    return
                yield ": keep-alive\n\n"
                keepalive_at = loop.time() + KEEPALIVE_SECONDS
                continue
            if published is not None:
                if chunk := sent.frame(InboxItemRead.model_validate(published)):
                    yield chunk
                continue
            # The hub dropped items this stream was too slow for: reload them from MongoDB.
            reload = service.items_since(
                db=db, user_id=user_id, since=sent.newest - LATE_INSERT_SLACK
            )
            async for item in reload:
                if chunk := sent.frame(item):
                    yield chunk
