"""Webhooks (SPEC J1): admin-managed subscriptions per event, signed deliveries to a real
local receiver, how receivers' answers classify, and the delivery log."""

import contextlib
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from devstack.servers import free_port
from services.notify.deliveries.errors import PermanentDeliveryError, TransientDeliveryError
from services.notify.main import create_app
from services.notify.webhooks import service
from services.notify.webhooks.models import EVENTS, WebhookCreate
from services.notify.webhooks.service import (
    GIVE_UP_AFTER,
    retry_delay,
    send_webhook,
    sign,
    subscriptions_for,
    verify,
    webhook_body,
)
from services.notify.webhooks.signing import TOLERANCE_SECONDS
from shared import collections
from shared.auth import Principal
from shared.mongo import Database, Document
from shared.settings import Settings
from tests.conftest import lifespan_client
from tests.intake_support import bearer
from tests.notify_webhook_support import hanging_up_receiver, running_receiver

ADMIN = Principal(id="u-admin", role="admin", name="Admin")
AGENT = Principal(id="u-agent1", role="agent", name="Agent1", groups=("frontline",))
MANAGER = Principal(id="u-manager", role="manager", name="Manager")
AT = datetime(2025, 3, 1, 8, 30, 15, 123000, tzinfo=UTC)
NOW = datetime(2025, 3, 1, 8, 30, 20, tzinfo=UTC)
ERRORS = (TransientDeliveryError, PermanentDeliveryError)
FAR_AHEAD = datetime(2999, 1, 1, tzinfo=UTC)
OTHER_URL = "https://other.example.net:8443/in"
NEW = {"url": "https://crm.example.com/hooks/helpdesk", "events": ["received", "resolved"]}


@pytest.fixture
async def notify(settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """The notify app in-process; requests are admin's unless they send other headers."""
    await service.ensure_indexes(db=db)
    app = create_app(settings)
    async with contextlib.aclosing(
        lifespan_client(app, "http://notify", headers=bearer(settings, ADMIN))
    ) as clients:
        async for client in clients:
            yield client


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


async def subscribe(db: Database, url: str, events: list[str], active: bool = True) -> Document:
    data = WebhookCreate(url=url, events=events, active=active)
    return await service.create_subscription(
        db=db, data=data, created_by="u-admin", now=NOW, allow_private=True
    )


async def send_local(**attempt: Any) -> int:
    """A delivery attempt allowed to reach these tests' receivers on 127.0.0.1."""
    return await send_webhook(allow_private=True, **attempt)


def delivery(target: str, **fields: Any) -> Document:
    """A delivery document as the notify dispatcher writes it."""
    return {
        "_id": "wf-1:3:resolved|webhook|" + target,
        "notification_key": "wf-1:3:resolved",
        "event": "resolved",
        "ticket_id": "t-42",
        "at": AT,
        "payload": {"number": 42, "status": "resolved", "title": "无法连接服务器 — VPN"},
        "channel": "webhook",
        "target": target,
        "status": "sending",
        "attempts": 1,
        "created_at": NOW,
        **fields,
    }


# --- administration ---------------------------------------------------------------------


async def test_admin_creates_reads_updates_and_deletes(
    notify: httpx.AsyncClient, db: Database
) -> None:
    created = await notify.post("/v1/webhooks", json={**NEW, "description": " CRM sync "})
    assert created.status_code == 201, created.text
    hook = created.json()
    secret = hook.pop("secret")
    assert len(secret) >= 40  # token_urlsafe(32): 43 characters
    assert hook["url"] == NEW["url"]
    assert hook["events"] == ["received", "resolved"]
    assert (hook["active"], hook["description"], hook["created_by"]) == (True, "CRM sync", ADMIN.id)
    stored = await db[collections.WEBHOOK_SUBSCRIPTIONS].find_one({"_id": hook["id"]})
    assert stored is not None
    assert stored["secret"] == secret

    # The secret is never shown again.
    read = await notify.get(f"/v1/webhooks/{hook['id']}")
    assert read.status_code == 200
    assert read.json() == hook
    listed = await notify.get("/v1/webhooks")
    assert listed.json() == {"items": [hook], "next_cursor": None}
    assert secret not in read.text + listed.text

    patched = await notify.patch(
        f"/v1/webhooks/{hook['id']}",
        json={
            "events": ["*"],
            "active": False,
            "url": OTHER_URL,
            "description": None,
        },
    )
    assert patched.status_code == 200, patched.text
    changed = patched.json()
    assert (changed["events"], changed["active"], changed["description"]) == (["*"], False, None)
    assert changed["url"] == OTHER_URL
    assert "secret" not in changed
    assert changed["updated_at"] >= hook["updated_at"]
    assert changed["created_at"] == hook["created_at"]

    refused = await notify.patch(f"/v1/webhooks/{hook['id']}", json={"url": None})
    assert refused.status_code == 422
    stored = await db[collections.WEBHOOK_SUBSCRIPTIONS].find_one({"_id": hook["id"]})
    assert stored is not None
    assert stored["url"] == OTHER_URL

    deleted = await notify.delete(f"/v1/webhooks/{hook['id']}")
    assert deleted.status_code == 204
    assert await db[collections.WEBHOOK_SUBSCRIPTIONS].count_documents({}) == 0
    for method, path in (
        ("GET", ""),
        ("PATCH", ""),
        ("DELETE", ""),
        ("POST", "/rotate-secret"),
        ("GET", "/deliveries"),
    ):
        body = {"active": True} if method == "PATCH" else None
        gone = await notify.request(method, f"/v1/webhooks/{hook['id']}{path}", json=body)
        assert (gone.status_code, gone.json()["error"]["code"]) == (404, "webhook_not_found")


async def test_rotate_secret_shows_the_new_secret_once(
    notify: httpx.AsyncClient, db: Database
) -> None:
    hook = (await notify.post("/v1/webhooks", json=NEW)).json()
    rotated = await notify.post(f"/v1/webhooks/{hook['id']}/rotate-secret")
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["secret"]
    assert new_secret != hook["secret"]
    stored = await db[collections.WEBHOOK_SUBSCRIPTIONS].find_one({"_id": hook["id"]})
    assert stored is not None
    assert stored["secret"] == new_secret
    read = await notify.get(f"/v1/webhooks/{hook['id']}")
    assert "secret" not in read.json()
    assert new_secret not in read.text


async def test_list_pages_in_creation_order(notify: httpx.AsyncClient) -> None:
    ids = [
        (await notify.post("/v1/webhooks", json={**NEW, "description": str(n)})).json()["id"]
        for n in range(3)
    ]
    first = (await notify.get("/v1/webhooks", params={"limit": 2})).json()
    assert [item["id"] for item in first["items"]] == ids[:2]
    rest = (await notify.get("/v1/webhooks", params={"cursor": first["next_cursor"]})).json()
    assert ([item["id"] for item in rest["items"]], rest["next_cursor"]) == (ids[2:], None)
    bad = await notify.get("/v1/webhooks", params={"cursor": "eyIkbmUiOiAxfQ"})  # {"$ne": 1}
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "invalid_cursor")


async def test_only_admins_may_manage_webhooks(
    notify: httpx.AsyncClient, settings: Settings, db: Database
) -> None:
    hook = (await notify.post("/v1/webhooks", json=NEW)).json()
    routes = [
        ("POST", "/v1/webhooks", NEW),
        ("GET", "/v1/webhooks", None),
        ("GET", f"/v1/webhooks/{hook['id']}", None),
        ("PATCH", f"/v1/webhooks/{hook['id']}", {"active": False}),
        ("DELETE", f"/v1/webhooks/{hook['id']}", None),
        ("POST", f"/v1/webhooks/{hook['id']}/rotate-secret", None),
        ("GET", f"/v1/webhooks/{hook['id']}/deliveries", None),
    ]
    for method, path, body in routes:
        for principal in (AGENT, MANAGER):
            staff = await notify.request(
                method, path, json=body, headers=bearer(settings, principal)
            )
            assert (staff.status_code, staff.json()["error"]["code"]) == (403, "admin_only")
        anonymous = await notify.request(method, path, json=body, headers={"Authorization": ""})
        assert anonymous.status_code == 401, (method, path)
    stored = await db[collections.WEBHOOK_SUBSCRIPTIONS].find({}).to_list()
    assert len(stored) == 1
    assert (stored[0]["active"], stored[0]["secret"]) == (True, hook["secret"])


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({**NEW, "url": "ftp://files.example.com/in"}, "invalid_url"),
        ({**NEW, "url": "javascript:alert(1)"}, "invalid_url"),
        ({**NEW, "url": "file:///etc/passwd"}, "invalid_url"),
        ({**NEW, "url": "https://"}, "invalid_url"),
        ({**NEW, "url": "hooks.example.com/in"}, "invalid_url"),
        ({**NEW, "url": "https://user:pw@hooks.example.com/in"}, "invalid_url"),
        ({**NEW, "url": "https://hooks.example.com/a b"}, "invalid_url"),
        ({**NEW, "url": "https://hooks.example.com:99999/in"}, "invalid_url"),
        ({**NEW, "url": "https://hooks.example.com/" + "x" * 2000}, "invalid_url"),
        ({**NEW, "url": {"$gt": ""}}, "validation_error"),
        ({**NEW, "events": ["received", "exploded"]}, "invalid_events"),
        ({**NEW, "events": ["*", "received"]}, "invalid_events"),
        ({**NEW, "events": []}, "validation_error"),
        ({**NEW, "events": {"$ne": None}}, "validation_error"),
        ({"url": NEW["url"]}, "validation_error"),
        ({**NEW, "secret": "chosen-by-caller"}, "validation_error"),
    ],
)
async def test_invalid_subscriptions_are_refused_and_not_stored(
    notify: httpx.AsyncClient, db: Database, body: dict[str, Any], code: str
) -> None:
    refused = await notify.post("/v1/webhooks", json=body)
    assert (refused.status_code, refused.json()["error"]["code"]) == (422, code)
    assert await db[collections.WEBHOOK_SUBSCRIPTIONS].count_documents({}) == 0


async def test_invalid_updates_change_nothing(notify: httpx.AsyncClient, db: Database) -> None:
    hook = (await notify.post("/v1/webhooks", json=NEW)).json()
    before = await db[collections.WEBHOOK_SUBSCRIPTIONS].find_one({"_id": hook["id"]})
    for body, code in (
        ({"url": "gopher://example.com", "active": False}, "invalid_url"),
        ({"events": ["received", "nope"], "active": False}, "invalid_events"),
        ({"active": None}, "validation_error"),
        ({"secret": "x"}, "validation_error"),
    ):
        refused = await notify.patch(f"/v1/webhooks/{hook['id']}", json=body)
        assert (refused.status_code, refused.json()["error"]["code"]) == (422, code), body
    after = await db[collections.WEBHOOK_SUBSCRIPTIONS].find_one({"_id": hook["id"]})
    assert after == before


async def test_subscriptions_for_matches_named_and_all_events(db: Database) -> None:
    await service.ensure_indexes(db=db)
    named = await subscribe(db, "https://a.example.com/", ["received", "resolved"])
    everything = await subscribe(db, "https://b.example.com/", ["*"])
    await subscribe(db, "https://c.example.com/", ["received"], active=False)
    await subscribe(db, "https://d.example.com/", ["closed"])

    def ids(found: list[Document]) -> list[str]:
        return [str(subscription["_id"]) for subscription in found]

    assert ids(await subscriptions_for(db=db, event="received")) == [
        named["_id"],
        everything["_id"],
    ]
    assert ids(await subscriptions_for(db=db, event="sla_breach")) == [everything["_id"]]
    assert ids(await subscriptions_for(db=db, event="auto_closed")) == [everything["_id"]]
    assert set(EVENTS) >= {"received", "sla_breach", "auto_closed", "internal_note"}


# --- delivery ---------------------------------------------------------------------------


async def test_delivery_is_signed_and_verified_by_the_receiver(
    db: Database, http: httpx.AsyncClient
) -> None:
    async with running_receiver(now=NOW.timestamp()) as receiver:
        hook = await subscribe(db, receiver.url, ["resolved"])
        receiver.secret = hook["secret"]
        document = delivery(hook["_id"])

        status = await send_webhook(
            http=http, db=db, allow_private=True, delivery=document, now=NOW
        )
        assert status == 204
        [got] = receiver.received
        assert got.verified, "the receiver could not verify the signature"
        assert got.headers["content-type"] == "application/json"
        assert got.headers["user-agent"] == "helpdesk-webhooks/1"
        assert got.headers["x-helpdesk-event"] == "resolved"
        assert got.headers["x-helpdesk-delivery"] == document["_id"]
        assert "x-helpdesk-timestamp" not in got.headers  # it is in the signature
        assert got.headers["x-helpdesk-signature"] == sign(
            hook["secret"], got.body, timestamp=int(NOW.timestamp())
        )
        assert json.loads(got.body.decode("utf-8")) == {
            "id": document["_id"],
            "event": "resolved",
            "ticket_id": "t-42",
            "occurred_at": "2025-03-01T08:30:15.123Z",
            "data": {"number": 42, "status": "resolved", "title": "无法连接服务器 — VPN"},
        }
        assert "无法连接服务器".encode() in got.body  # UTF-8, not \u escapes
        assert got.body == webhook_body(document)

        # A retry (read back from MongoDB, later) sends the very same bytes and id.
        await db[collections.NOTIFICATION_DELIVERIES].insert_one(document)
        again = await db[collections.NOTIFICATION_DELIVERIES].find_one({"_id": document["_id"]})
        assert again is not None
        later = NOW + timedelta(minutes=5)
        assert await send_local(http=http, db=db, delivery=again, now=later) == 204
        retried = receiver.received[1]
        assert retried.body == got.body
        assert retried.verified
        assert retried.headers["x-helpdesk-delivery"] == got.headers["x-helpdesk-delivery"]
        assert retried.headers["x-helpdesk-signature"].startswith(f"t={int(later.timestamp())},")


async def test_verify_refuses_tampering_other_secrets_and_replays() -> None:
    body = webhook_body(delivery("s-1"))
    sent_at = int(NOW.timestamp())
    signature = sign("the secret", body, timestamp=sent_at)
    assert re.fullmatch(rf"t={sent_at},v1=[0-9a-f]{{64}}", signature)
    assert verify("the secret", body, signature, now=sent_at + 3)
    assert not verify("the secret", body.replace(b'"resolved"', b'"closed"', 1), signature)
    assert not verify("another secret", body, signature, now=sent_at)
    assert not verify("the secret", body, signature.split(",")[1], now=sent_at)  # no t
    assert not verify("the secret", body, f"t={sent_at},v1=" + "0" * 64, now=sent_at)
    assert not verify("the secret", body, f"t={sent_at},v1=ü", now=sent_at)
    # the timestamp is signed too: moved to now, the signature no longer matches
    moved = signature.replace(f"t={sent_at}", f"t={sent_at + 600}")
    assert not verify("the secret", body, moved, now=sent_at + 600)
    # a captured delivery sent again later is refused by the documented tolerance
    assert verify("the secret", body, signature, now=sent_at + TOLERANCE_SECONDS)
    assert not verify("the secret", body, signature, now=sent_at + TOLERANCE_SECONDS + 1)
    # while a secret rotates, any one matching v1 will do
    both = signature + ",v1=" + sign("new secret", body, timestamp=sent_at).split("v1=")[1]
    assert verify("new secret", body, both, now=sent_at)


async def test_a_rotated_secret_signs_the_next_attempt(
    db: Database, http: httpx.AsyncClient
) -> None:
    async with running_receiver(now=NOW.timestamp()) as receiver:
        hook = await subscribe(db, receiver.url, ["resolved"])
        receiver.secret = hook["secret"]  # the receiver still knows only the old secret
        await service.rotate_secret(db=db, webhook_id=hook["_id"], now=NOW)
        with pytest.raises(PermanentDeliveryError) as refused:
            await send_webhook(
                http=http, db=db, allow_private=True, delivery=delivery(hook["_id"]), now=NOW
            )
        assert "401" in str(refused.value)
        assert receiver.received[0].verified is False


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (500, TransientDeliveryError),
        (503, TransientDeliveryError),
        (429, TransientDeliveryError),
        (408, TransientDeliveryError),
        (410, PermanentDeliveryError),
        (404, PermanentDeliveryError),
        (400, PermanentDeliveryError),
    ],
)
async def test_receiver_answers_classify_as_retry_or_give_up(
    db: Database, http: httpx.AsyncClient, answer: int, error: type[Exception]
) -> None:
    async with running_receiver(now=NOW.timestamp()) as receiver:
        hook = await subscribe(db, receiver.url, ["resolved"])
        receiver.secret = hook["secret"]
        receiver.answers.append(answer)
        with pytest.raises(error) as raised:
            await send_webhook(
                http=http, db=db, allow_private=True, delivery=delivery(hook["_id"]), now=NOW
            )
        other = (
            PermanentDeliveryError if error is TransientDeliveryError else TransientDeliveryError
        )
        assert not isinstance(raised.value, other)
        assert str(raised.value) == f"HTTP {answer}: answer {answer} with details"
        assert getattr(raised.value, "response_status", None) == answer
        assert len(receiver.received) == 1
        assert receiver.received[0].verified


async def test_redirects_are_not_followed(db: Database, http: httpx.AsyncClient) -> None:
    async with running_receiver(now=NOW.timestamp()) as receiver:
        hook = await subscribe(db, f"{receiver.base_url}/moved", ["resolved"])
        receiver.secret = hook["secret"]
        with pytest.raises(PermanentDeliveryError, match="redirect"):
            await send_webhook(
                http=http, db=db, allow_private=True, delivery=delivery(hook["_id"]), now=NOW
            )
        assert [got.path for got in receiver.received] == ["/moved"]


async def test_unreachable_receivers_are_retried(db: Database, http: httpx.AsyncClient) -> None:
    nobody = await subscribe(db, f"http://127.0.0.1:{free_port()}/hook", ["resolved"])
    with pytest.raises(TransientDeliveryError, match="ConnectError") as refused:
        await send_webhook(
            http=http, db=db, allow_private=True, delivery=delivery(nobody["_id"]), now=NOW
        )
    assert len(str(refused.value)) <= 300

    async with hanging_up_receiver() as url:
        rude = await subscribe(db, url, ["resolved"])
        with pytest.raises(TransientDeliveryError) as dropped:
            await send_webhook(
                http=http, db=db, allow_private=True, delivery=delivery(rude["_id"]), now=NOW
            )
        assert not isinstance(dropped.value, PermanentDeliveryError)
        assert "RemoteProtocolError" in str(dropped.value)


async def test_inactive_or_deleted_subscriptions_are_not_sent_to(
    db: Database, http: httpx.AsyncClient
) -> None:
    async with running_receiver(now=NOW.timestamp()) as receiver:
        paused = await subscribe(db, receiver.url, ["resolved"], active=False)
        with pytest.raises(PermanentDeliveryError, match="deleted or inactive"):
            await send_webhook(
                http=http, db=db, allow_private=True, delivery=delivery(paused["_id"]), now=NOW
            )
        deleted = await subscribe(db, receiver.url, ["resolved"])
        await service.delete_subscription(db=db, webhook_id=deleted["_id"])
        with pytest.raises(PermanentDeliveryError, match="deleted or inactive"):
            await send_webhook(
                http=http, db=db, allow_private=True, delivery=delivery(deleted["_id"]), now=NOW
            )
        assert receiver.received == []


def test_retry_delay_backs_off_exponentially_up_to_an_hour() -> None:
    delays = [retry_delay(attempts).total_seconds() for attempts in range(1, 12)]
    assert delays == [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600]
    assert retry_delay(0) == timedelta(seconds=10)
    assert retry_delay(10_000) == timedelta(hours=1)
    assert timedelta(hours=24) < GIVE_UP_AFTER
    # Retrying on this schedule until GIVE_UP_AFTER means more than a day of attempts.
    waited, attempts = timedelta(0), 0
    while waited + retry_delay(attempts + 1) < GIVE_UP_AFTER:
        attempts += 1
        waited += retry_delay(attempts)
    assert waited > timedelta(hours=24)
    assert attempts > 24


# --- delivery log -----------------------------------------------------------------------


async def test_delivery_log_lists_newest_first_with_filter_and_cursor(
    notify: httpx.AsyncClient, db: Database
) -> None:
    hook = (await notify.post("/v1/webhooks", json=NEW)).json()
    other = (await notify.post("/v1/webhooks", json=NEW)).json()
    base = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    rows = [
        delivery(
            hook["id"],
            _id=f"k{n}|webhook|{hook['id']}",
            created_at=base + timedelta(minutes=n // 2),  # pairs share a created_at
            status=status,
            attempts=n,
            last_error="HTTP 503" if status != "sent" else None,
            response_status=503 if status == "failed" else 200 if status == "sent" else None,
            last_attempt_at=base + timedelta(minutes=n),
            sent_at=base + timedelta(minutes=n) if status == "sent" else None,
            # Far ahead: a dispatcher running in the app must not pick the pending one up.
            next_attempt_at=FAR_AHEAD,
        )
        for n, status in enumerate(["sent", "failed", "pending", "sent", "sent", "failed"])
    ]
    noise = [
        delivery(other["id"], _id="x|webhook|other"),
        {**delivery(hook["id"], _id="x|email|u-alice"), "channel": "email"},
    ]
    await db[collections.NOTIFICATION_DELIVERIES].insert_many(rows + noise)

    log = await notify.get(f"/v1/webhooks/{hook['id']}/deliveries")
    assert log.status_code == 200, log.text
    page = log.json()
    newest_first = [row["_id"] for row in reversed(rows)]
    assert [item["id"] for item in page["items"]] == newest_first
    assert page["next_cursor"] is None
    top = page["items"][0]
    assert top == {
        "id": rows[5]["_id"],
        "event": "resolved",
        "ticket_id": "t-42",
        "status": "failed",
        "attempts": 5,
        "last_error": "HTTP 503",
        "created_at": "2025-03-01T09:02:00Z",
        "last_attempt_at": "2025-03-01T09:05:00Z",
        "sent_at": None,
        "next_attempt_at": "2999-01-01T00:00:00Z",
        "response_status": 503,
    }

    sent = (await notify.get(f"/v1/webhooks/{hook['id']}/deliveries?status=sent")).json()
    assert [item["id"] for item in sent["items"]] == [
        rows[4]["_id"],
        rows[3]["_id"],
        rows[0]["_id"],
    ]

    seen: list[str] = []
    cursor: str | None = None
    for _ in range(5):
        params: dict[str, str | int] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        chunk = (await notify.get(f"/v1/webhooks/{hook['id']}/deliveries", params=params)).json()
        seen += [item["id"] for item in chunk["items"]]
        cursor = chunk["next_cursor"]
        if cursor is None:
            break
    assert seen == newest_first  # ties on created_at neither skipped nor repeated

    wrong = await notify.get(f"/v1/webhooks/{hook['id']}/deliveries?status=lost")
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (422, "validation_error")
    forged = await notify.get(
        f"/v1/webhooks/{hook['id']}/deliveries", params={"cursor": "WyJpZCIsICJ4Il0"}
    )
    assert (forged.status_code, forged.json()["error"]["code"]) == (400, "invalid_cursor")
    too_many = await notify.get(f"/v1/webhooks/{hook['id']}/deliveries?limit=101")
    assert too_many.status_code == 422
