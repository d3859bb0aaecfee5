"""Webhooks cannot reach the internal network (checked on the resolved address, at
delivery time), a receiver's Retry-After is honoured, and every webhook and preference
change is in the audit log."""

import contextlib
import ipaddress
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from services.notify.deliveries.dispatcher import Dispatcher
from services.notify.deliveries.errors import PermanentDeliveryError, TransientDeliveryError
from services.notify.deliveries.service import Channel
from services.notify.main import create_app
from services.notify.webhooks.models import WebhookCreate
from services.notify.webhooks.service import create_subscription, retry_delay, send_webhook
from services.notify.webhooks.targets import refusal
from shared import collections
from shared.auth import Principal
from shared.mongo import Database, Document
from shared.settings import Settings
from tests.conftest import lifespan_client
from tests.intake_support import bearer
from tests.notify_webhook_support import running_receiver

ADMIN = Principal(id="u-admin", role="admin", name="Admin")
AGENT = Principal(id="u-agent", role="agent", name="Agent")
NOW = datetime.now(UTC)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


async def hook_to(db: Database, url: str) -> Document:
    data = WebhookCreate(url=url, events=["resolved"])
    # stored as an older version of the desk could have (no check at creation)
    return await create_subscription(
        db=db, data=data, created_by="u-admin", now=NOW, allow_private=True
    )


def delivery(target: str) -> Document:
    return {
        "_id": f"wf-1:3:resolved|webhook|{target}",
        "event": "resolved",
        "ticket_id": "t-1",
        "at": NOW,
        "payload": {},
        "channel": "webhook",
        "target": target,
        "attempts": 1,
        "created_at": NOW,
    }


async def resolves_to_private(host: str, port: int) -> list[str]:
    """A name server that answers with an internal address, as a hostile name would."""
    return ["93.184.215.14", "10.1.2.3"] if host == "intranet.example.com" else []


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.8",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "::1",
        "fd00:ec2::254",
        "0.0.0.0",  # noqa: S104 - an address under test, not a bind
        "::ffff:127.0.0.1",
        "fe80::1",
    ],
)
def test_internal_addresses_are_refused(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is not None


def test_public_addresses_are_allowed() -> None:
    for address in ("93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"):
        assert refusal(ipaddress.ip_address(address)) is None


async def test_a_webhook_to_loopback_is_refused_and_never_sent(
    db: Database, http: httpx.AsyncClient
) -> None:
    async with running_receiver() as receiver:
        by_address = await hook_to(db, receiver.url)
        with pytest.raises(PermanentDeliveryError, match="loopback"):
            await send_webhook(http=http, db=db, delivery=delivery(by_address["_id"]), now=NOW)
        by_name = await hook_to(db, receiver.url.replace("127.0.0.1", "localhost"))
        with pytest.raises(PermanentDeliveryError, match="localhost resolves to"):
            await send_webhook(http=http, db=db, delivery=delivery(by_name["_id"]), now=NOW)
        assert receiver.received == []
        # allowed by the operator, the same delivery reaches the receiver (which, knowing
        # no secret here, answers 401)
        with pytest.raises(PermanentDeliveryError, match="HTTP 401"):
            await send_webhook(
                http=http, db=db, delivery=delivery(by_address["_id"]), now=NOW, allow_private=True
            )
        assert len(receiver.received) == 1


async def test_a_name_that_resolves_to_a_private_address_is_refused(
    db: Database, http: httpx.AsyncClient
) -> None:
    hook = await hook_to(db, "https://intranet.example.com/hook")
    with pytest.raises(PermanentDeliveryError, match=r"10\.1\.2\.3, a private"):
        await send_webhook(
            http=http,
            db=db,
            delivery=delivery(hook["_id"]),
            now=NOW,
            resolve=resolves_to_private,
        )
    unknown = await hook_to(db, "https://nowhere.example.com/hook")
    with pytest.raises(TransientDeliveryError, match="cannot resolve"):
        await send_webhook(
            http=http,
            db=db,
            delivery=delivery(unknown["_id"]),
            now=NOW,
            resolve=resolves_to_private,
        )


async def test_an_internal_address_is_refused_when_a_webhook_is_created(
    settings: Settings, db: Database
) -> None:
    app = create_app(settings)
    async with contextlib.aclosing(
        lifespan_client(app, "http://notify", headers=bearer(settings, ADMIN))
    ) as clients:
        async for notify in clients:
            for url in ("http://127.0.0.1:9/hook", "http://[::1]/hook", "http://169.254.169.254/"):
                response = await notify.post("/v1/webhooks", json={"url": url, "events": ["*"]})
                assert response.status_code == 422, url
                assert response.json()["error"]["code"] == "webhook_target_not_allowed"
            assert await db[collections.WEBHOOK_SUBSCRIPTIONS].count_documents({}) == 0


async def test_retry_after_is_honoured(db: Database, http: httpx.AsyncClient) -> None:
    async with running_receiver() as receiver:
        hook = await hook_to(db, receiver.url)
        receiver.answers.append(503)
        receiver.retry_after = "120"
        with pytest.raises(TransientDeliveryError) as raised:
            await send_webhook(
                http=http, db=db, delivery=delivery(hook["_id"]), now=NOW, allow_private=True
            )
    assert raised.value.retry_after == timedelta(seconds=120)
    dispatcher = Dispatcher(
        db=db,
        senders={},
        backoff={Channel.WEBHOOK: retry_delay},
        give_up_after={Channel.WEBHOOK: timedelta(hours=25)},
        concurrency=1,
    )
    at = dispatcher._retry_at(
        Channel.WEBHOOK, delivery(hook["_id"]), NOW, asked=raised.value.retry_after
    )
    assert at == NOW + timedelta(seconds=120)  # not the 10 s of the first backoff


async def test_webhook_and_preference_changes_are_audited(settings: Settings, db: Database) -> None:
    app = create_app(settings)
    async with contextlib.aclosing(
        lifespan_client(app, "http://notify", headers=bearer(settings, ADMIN))
    ) as clients:
        async for notify in clients:
            body = {"url": "https://crm.example.com/in", "events": ["resolved"]}
            created = (await notify.post("/v1/webhooks", json=body)).json()
            await notify.patch(f"/v1/webhooks/{created['id']}", json={"active": False})
            await notify.post(f"/v1/webhooks/{created['id']}/rotate-secret")
            await notify.delete(f"/v1/webhooks/{created['id']}")
            await notify.get("/v1/webhooks")  # a read: not audited
            await db[collections.USERS].insert_one({"_id": AGENT.id, "role": "agent"})
            muted = {"muted": {"reminder": ["email"]}}
            changed = await notify.put(
                "/v1/preferences", json=muted, headers=bearer(settings, AGENT)
            )
            assert changed.status_code == 200, changed.text
    entries = [entry async for entry in db[collections.AUDIT_LOG].find({}).sort("at", 1)]
    assert [(entry["method"], entry["route"], entry["status"]) for entry in entries] == [
        ("POST", "/v1/webhooks", 201),
        ("PATCH", "/v1/webhooks/{webhook_id}", 200),
        ("POST", "/v1/webhooks/{webhook_id}/rotate-secret", 200),
        ("DELETE", "/v1/webhooks/{webhook_id}", 204),
        ("PUT", "/v1/preferences", 200),
    ]
    assert [entry["actor"]["id"] for entry in entries] == [ADMIN.id] * 4 + [AGENT.id]
    assert all(entry["target_id"] == created["id"] for entry in entries[1:4])
