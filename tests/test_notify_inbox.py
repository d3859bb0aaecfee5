"""The in-app inbox (SPEC J1): each user lists and marks their own notifications, and gets
new ones live over Server-Sent Events from a real server, without gaps or repeats."""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from pydantic import ValidationError

from devstack.servers import free_port
from services.notify.inbox import hub as hub_module
from services.notify.inbox import views
from services.notify.inbox.hub import InboxHub
from services.notify.inbox.service import add_item, ensure_indexes
from services.notify.main import create_app
from shared import collections
from shared.auth import Principal
from shared.clock import utcnow
from shared.mongo import Database, Document
from shared.settings import Settings
from tests.conftest import lifespan_client
from tests.intake_support import ALICE, bearer

BOB = Principal(id="u-bob", role="customer", name="Bob")
AGENT = Principal(id="u-agent", role="agent", name="Agent", groups=("frontline",))
WAIT = 10.0  # seconds an expected event may take


def inbox_item(user_id: str, n: int, *, at: datetime, read_at: datetime | None = None) -> Document:
    return {
        "_id": f"ticket-t{n}:{n}:replied|inapp|{user_id}",
        "user_id": user_id,
        "event": "replied",
        "ticket_id": f"t{n}",
        "number": 1000 + n,
        "title": f"工单 #{1000 + n} 有新回复",
        "body": "客服回复了您的工单：无法连接服务器",
        "created_at": at,
        "read_at": read_at,
    }


def as_read(item: Document) -> dict[str, Any]:
    """What the API shows of a stored item."""
    shown = {key: value for key, value in item.items() if key not in ("_id", "user_id")}
    for key in ("created_at", "read_at"):
        if shown[key] is not None:
            shown[key] = shown[key].isoformat().replace("+00:00", "Z")
    return {"id": item["_id"], **shown}


def code_of(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


@pytest.fixture
async def notify(
    settings: Settings, db: Database
) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    """The notify app over ASGI (no streaming), on the test's database."""
    await ensure_indexes(db=db)
    app = create_app(settings)
    async with contextlib.aclosing(lifespan_client(app, "http://notify")) as clients:
        async for client in clients:
            yield client, app


# --- list, read, read-all ---------------------------------------------------------------


async def test_list_shows_own_items_unread_first_newest_first(
    notify: tuple[httpx.AsyncClient, FastAPI], settings: Settings, db: Database
) -> None:
    client, app = notify
    hub = app.state.inbox_hub
    start = utcnow() - timedelta(hours=1)
    mine = [
        inbox_item(ALICE.id, n, at=start + timedelta(minutes=n), read_at=start if n % 2 else None)
        for n in range(1, 8)
    ]
    mine.append(inbox_item(ALICE.id, 8, at=mine[-1]["created_at"]))  # same millisecond as 7
    for item in [*mine, inbox_item(BOB.id, 9, at=start)]:
        assert await add_item(db=db, hub=hub, item=item)
    unread = sorted(
        (i for i in mine if i["read_at"] is None),
        key=lambda i: (i["created_at"], i["_id"]),
        reverse=True,
    )
    read = sorted(
        (i for i in mine if i["read_at"] is not None),
        key=lambda i: (i["created_at"], i["_id"]),
        reverse=True,
    )

    headers = bearer(settings, ALICE)
    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(10):
        params: dict[str, Any] = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = await client.get("/v1/inbox", params=params, headers=headers)
        assert page.status_code == 200, page.text
        assert page.json()["unread"] == len(unread)
        seen += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == [as_read(i) for i in [*unread, *read]]

    only_unread = await client.get("/v1/inbox", params={"unread_only": True}, headers=headers)
    assert only_unread.json()["items"] == [as_read(i) for i in unread]
    assert only_unread.json()["next_cursor"] is None

    bobs = await client.get("/v1/inbox", headers=bearer(settings, BOB))
    assert [i["id"] for i in bobs.json()["items"]] == [f"ticket-t9:9:replied|inapp|{BOB.id}"]
    staff = await client.get("/v1/inbox", headers=bearer(settings, AGENT))
    assert staff.json() == {"items": [], "next_cursor": None, "unread": 0}

    for bad in ("nonsense", "eyJhIjogMX0", "WyJpZCIsICJ4Il0"):
        response = await client.get("/v1/inbox", params={"cursor": bad}, headers=headers)
        assert code_of(response) == (400, "invalid_cursor"), bad
    assert (await client.get("/v1/inbox")).status_code == 401


async def test_marking_read_is_idempotent_and_private(
    notify: tuple[httpx.AsyncClient, FastAPI], settings: Settings, db: Database
) -> None:
    client, app = notify
    now = utcnow()
    items = [inbox_item(ALICE.id, n, at=now - timedelta(minutes=n)) for n in (1, 2, 3)]
    bobs = inbox_item(BOB.id, 4, at=now)
    for item in [*items, bobs]:
        await add_item(db=db, hub=app.state.inbox_hub, item=item)
    alice = bearer(settings, ALICE)

    first = await client.post(f"/v1/inbox/{items[0]['_id']}/read", headers=alice)
    assert first.status_code == 200, first.text
    assert first.json()["read_at"] is not None
    again = await client.post(f"/v1/inbox/{items[0]['_id']}/read", headers=alice)
    assert again.json() == first.json()
    listed = await client.get("/v1/inbox", headers=alice)
    assert listed.json()["unread"] == 2
    assert listed.json()["items"][-1] == first.json()  # read ones come last

    # Someone else's item and an unknown one answer alike.
    for item_id in (bobs["_id"], "no-such-item", "$where"):
        response = await client.post(f"/v1/inbox/{item_id}/read", headers=alice)
        assert code_of(response) == (404, "inbox_item_not_found"), item_id
    stored = await db[collections.INBOX].find_one({"_id": bobs["_id"]})
    assert stored is not None
    assert stored["read_at"] is None

    marked = await client.post("/v1/inbox/read-all", headers=alice)
    assert marked.json() == {"marked": 2}
    assert (await client.post("/v1/inbox/read-all", headers=alice)).json() == {"marked": 0}
    assert (await client.get("/v1/inbox", headers=alice)).json()["unread"] == 0
    assert (await client.get("/v1/inbox", headers=bearer(settings, BOB))).json()["unread"] == 1


async def test_add_item_is_idempotent_and_publishes_once(db: Database) -> None:
    await ensure_indexes(db=db)
    hub = InboxHub()
    item = inbox_item(ALICE.id, 1, at=utcnow())
    with hub.subscribe(ALICE.id) as alice, hub.subscribe(BOB.id) as bob:
        assert await add_item(db=db, hub=hub, item=item)
        assert not await add_item(db=db, hub=hub, item={**item, "title": "changed"})
        async with asyncio.timeout(WAIT):
            assert await anext(alice) == as_read(item)
        with pytest.raises(TimeoutError):  # nothing more: the repeat was not published
            async with asyncio.timeout(0.2):
                await anext(alice)
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                await anext(bob)
    stored = await db[collections.INBOX].find_one({"_id": item["_id"]})
    assert stored is not None
    assert stored["title"] == item["title"]

    # A malformed item is refused before anything is stored.
    with pytest.raises(ValidationError):
        await add_item(db=db, hub=hub, item={"_id": "broken", "user_id": ALICE.id})
    assert await db[collections.INBOX].find_one({"_id": "broken"}) is None


# --- the hub ---------------------------------------------------------------------------------


async def test_hub_subscription_receives_from_creation_and_reports_overflow(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(hub_module, "QUEUE_SIZE", 3)
    hub = InboxHub()
    subscription = hub.subscribe("u-1")
    # Published before the first read: not lost (the stream replays meanwhile).
    hub.publish("u-1", {"n": 0})
    async with asyncio.timeout(WAIT):
        assert await anext(subscription) == {"n": 0}

    for n in range(1, 6):  # two more than the queue holds
        hub.publish("u-1", {"n": n})
    # All that was queued is dropped for one None: the stream reloads from its last item.
    got = [subscription._queue.get_nowait() for _ in range(subscription._queue.qsize())]
    assert got == [None, {"n": 5}]

    assert hub.stream_count("u-1") == 1
    subscription.close()
    subscription.close()
    assert hub.stream_count("u-1") == 0
    hub.publish("u-1", {"n": 6})  # nobody listens: nothing happens


# --- the live stream, over a real server -----------------------------------------------------


@dataclass
class Served:
    app: FastAPI
    url: str
    server: uvicorn.Server

    @property
    def hub(self) -> InboxHub:
        hub: InboxHub = self.app.state.inbox_hub
        return hub

    @property
    def db(self) -> Database:
        db: Database = self.app.state.db
        return db


@contextlib.asynccontextmanager
async def serving(settings: Settings, *, safety_net: bool = True) -> AsyncIterator[Served]:
    """The notify app under uvicorn on a free loopback port (ASGI transports do not stream)."""
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=free_port(),
        log_level="warning",
        # Only a safety net: streams end by themselves when the server stops (tested below).
        timeout_graceful_shutdown=5 if safety_net else None,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(30):
            while not server.started:
                if task.done():
                    raise RuntimeError("the notify app did not start")
                await asyncio.sleep(0.05)
        yield Served(app=app, url=f"http://127.0.0.1:{config.port}", server=server)
    finally:
        server.should_exit = True
        async with asyncio.timeout(30):
            await task


class EventStream:
    """Reads one open SSE response, block by block."""

    def __init__(self, response: httpx.Response) -> None:
        assert response.status_code == 200, response.status_code
        assert response.headers["content-type"].startswith("text/event-stream")
        self._lines = response.aiter_lines()

    async def block(self) -> list[tuple[str, str]]:
        """The next block's lines as (field, value); a comment's field is ''."""
        lines: list[tuple[str, str]] = []
        async for line in self._lines:
            if line == "":
                if lines:
                    return lines
                continue
            name, _, value = line.partition(":")
            lines.append((name, value.removeprefix(" ")))
        raise EOFError("the stream ended")

    async def rest(self) -> list[list[tuple[str, str]]]:
        """The blocks until the server ends the stream."""
        blocks = []
        with contextlib.suppress(EOFError):
            while True:
                blocks.append(await self.block())
        return blocks

    async def live(self) -> None:
        """Wait for the first block: sent once the stream is subscribed."""
        async with asyncio.timeout(WAIT):
            assert (await self.block())[0][0] == "retry"

    async def notification(self) -> tuple[str, dict[str, Any]]:
        """The next notification event's id and data (keep-alives skipped)."""
        async with asyncio.timeout(WAIT):
            while True:
                fields = dict(await self.block())
                if fields.get("event") == "notification":
                    data: dict[str, Any] = json.loads(fields["data"])
                    return fields["id"], data


@contextlib.asynccontextmanager
async def open_stream(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], **params: str
) -> AsyncIterator[EventStream]:
    async with client.stream("GET", f"{url}/v1/inbox/stream", headers=headers, params=params) as r:
        yield EventStream(r)


async def until(condition: Callable[[], bool], what: str) -> None:
    for _ in range(int(WAIT / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"not within {WAIT}s: {what}")


async def test_stream_delivers_new_items_to_their_user_only(
    settings: Settings, db: Database
) -> None:
    await ensure_indexes(db=db)
    async with serving(settings) as served, httpx.AsyncClient(timeout=WAIT) as client:
        alice_headers, bob_headers = bearer(settings, ALICE), bearer(settings, BOB)
        async with (
            open_stream(client, served.url, alice_headers) as alice,
            open_stream(client, served.url, bob_headers) as bob,
        ):
            await alice.live()
            await bob.live()
            for_alice = inbox_item(ALICE.id, 1, at=utcnow())
            assert await add_item(db=served.db, hub=served.hub, item=for_alice)
            assert await alice.notification() == (for_alice["_id"], as_read(for_alice))

            # Bob's first event is his own item: Alice's never reached his stream.
            for_bob = inbox_item(BOB.id, 2, at=utcnow())
            assert await add_item(db=served.db, hub=served.hub, item=for_bob)
            assert await bob.notification() == (for_bob["_id"], as_read(for_bob))
        # The closed streams unsubscribed.
        await until(lambda: served.hub.stream_count(ALICE.id) == 0, "alice unsubscribed")
        await until(lambda: served.hub.stream_count(BOB.id) == 0, "bob unsubscribed")

        no_token = await client.get(f"{served.url}/v1/inbox/stream")
        assert code_of(no_token) == (401, "not_authenticated")


async def test_stream_replays_after_last_event_id_or_since(
    settings: Settings, db: Database
) -> None:
    await ensure_indexes(db=db)
    start = utcnow() - timedelta(minutes=10)
    async with serving(settings) as served, httpx.AsyncClient(timeout=WAIT) as client:
        items = [inbox_item(ALICE.id, n, at=start + timedelta(minutes=n)) for n in range(1, 5)]
        for item in [*items, inbox_item(BOB.id, 9, at=start + timedelta(minutes=5))]:
            await add_item(db=served.db, hub=served.hub, item=item)

        # A browser reconnecting sends the last id it got: what came after is replayed,
        # then new items follow, each once. EventSource logs in with ?access_token=.
        token = bearer(settings, ALICE)["Authorization"].removeprefix("Bearer ")
        headers = {"Last-Event-ID": items[1]["_id"]}
        async with open_stream(client, served.url, headers, access_token=token) as alice:
            await alice.live()
            assert await alice.notification() == (items[2]["_id"], as_read(items[2]))
            assert await alice.notification() == (items[3]["_id"], as_read(items[3]))
            newer = inbox_item(ALICE.id, 5, at=utcnow())
            await add_item(db=served.db, hub=served.hub, item=newer)
            assert await alice.notification() == (newer["_id"], as_read(newer))

        since = (start + timedelta(minutes=3, seconds=30)).isoformat()
        async with open_stream(client, served.url, bearer(settings, ALICE), since=since) as alice:
            await alice.live()
            assert (await alice.notification())[0] == items[3]["_id"]
            assert (await alice.notification())[0] == newer["_id"]

        # Someone else's id replays nothing of theirs (nor anything at all).
        headers = {
            **bearer(settings, ALICE),
            "Last-Event-ID": f"ticket-t9:9:replied|inapp|{BOB.id}",
        }
        async with open_stream(client, served.url, headers) as alice:
            await alice.live()
            latest = inbox_item(ALICE.id, 6, at=utcnow())
            await add_item(db=served.db, hub=served.hub, item=latest)
            assert (await alice.notification())[0] == latest["_id"]


async def test_stream_reloads_what_a_slow_stream_missed(
    settings: Settings, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await ensure_indexes(db=db)
    monkeypatch.setattr(hub_module, "QUEUE_SIZE", 1)
    async with (
        serving(settings) as served,
        httpx.AsyncClient(timeout=WAIT) as client,
        open_stream(client, served.url, bearer(settings, ALICE)) as alice,
    ):
        await alice.live()
        first = inbox_item(ALICE.id, 1, at=utcnow())
        await add_item(db=served.db, hub=served.hub, item=first)
        assert (await alice.notification())[0] == first["_id"]

        # Stored, then published in one burst: the stream's queue of one overflows.
        burst = [inbox_item(ALICE.id, n, at=utcnow()) for n in range(2, 7)]
        await served.db[collections.INBOX].insert_many(burst)
        for item in burst:
            served.hub.publish(ALICE.id, as_read(item))
        got = [(await alice.notification())[0] for _ in burst]
        assert sorted(got) == sorted(item["_id"] for item in burst)

        # Nothing twice: the next event is the next new item.
        last = inbox_item(ALICE.id, 7, at=utcnow())
        await add_item(db=served.db, hub=served.hub, item=last)
        assert (await alice.notification())[0] == last["_id"]


async def test_stream_keeps_alive_and_ends_by_itself(
    settings: Settings, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await ensure_indexes(db=db)
    monkeypatch.setattr(views, "KEEPALIVE_SECONDS", 0.2)
    monkeypatch.setattr(views, "MAX_STREAM_SECONDS", 1.5)
    async with serving(settings) as served, httpx.AsyncClient(timeout=WAIT) as client:
        async with open_stream(client, served.url, bearer(settings, ALICE)) as alice:
            async with asyncio.timeout(WAIT):
                assert await alice.block() == [("retry", str(views.RETRY_MS))]
                assert await alice.block() == [("", "keep-alive")]
                # The stream ends (the browser reconnects with Last-Event-ID), so an open
                # one cannot hold up a server's stop for long.
                assert set(map(tuple, await alice.rest())) <= {(("", "keep-alive"),)}
        assert served.hub.stream_count(ALICE.id) == 0


async def test_a_stopping_server_ends_its_open_streams(settings: Settings, db: Database) -> None:
    await ensure_indexes(db=db)
    async with (
        httpx.AsyncClient(timeout=WAIT) as client,
        # Without uvicorn's graceful-shutdown timeout: it would wait for the stream forever.
        serving(settings, safety_net=False) as served,
        open_stream(client, served.url, bearer(settings, ALICE)) as alice,
    ):
        await alice.live()
        served.server.should_exit = True  # what SIGTERM does
        async with asyncio.timeout(WAIT):
            assert await alice.rest() == []
        await until(lambda: served.hub.stream_count(ALICE.id) == 0, "stream closed")
