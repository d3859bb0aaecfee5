"""Notification preferences (SPEC J2): each person mutes channels per event type, except
that managers and admins always hear of SLA breaches."""

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from services.notify.main import create_app
from services.notify.preferences.models import CHANNELS, EVENTS
from services.notify.preferences.service import muted_channels
from shared import collections
from shared.auth import Principal
from shared.mongo import Database
from shared.settings import Settings
from tests.conftest import lifespan_client
from tests.intake_support import bearer

CUSTOMER = Principal(id="u-x", role="customer", name="X")
MANAGER = Principal(id="u-m", role="manager", name="M", groups=("management",))
ADMIN = Principal(id="u-a", role="admin", name="A")


def code_of(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


@pytest.fixture
async def client(settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """The notify app, with a customer, a manager and an admin stored as intake does."""
    for person in (CUSTOMER, MANAGER, ADMIN):
        await db[collections.USERS].insert_one(
            {
                "_id": person.id,
                "role": person.role.value,
                "email": f"{person.id}@example.com",
                "language": "zh-CN",
            }
        )
    app = create_app(settings)
    async with contextlib.aclosing(lifespan_client(app, "http://notify")) as clients:
        async for running in clients:
            yield running


async def put(client: httpx.AsyncClient, settings: Settings, who: Principal, muted: Any) -> Any:
    return await client.put("/v1/preferences", json={"muted": muted}, headers=bearer(settings, who))


async def test_a_customer_mutes_and_unmutes_channels(
    client: httpx.AsyncClient, settings: Settings, db: Database
) -> None:
    headers = bearer(settings, CUSTOMER)
    first = await client.get("/v1/preferences", headers=headers)
    assert first.status_code == 200, first.text
    assert first.json() == {"muted": {}, "events": list(EVENTS), "channels": list(CHANNELS)}
    assert len(EVENTS) == 12
    assert set(CHANNELS) == {"email", "inapp"}

    # Repeats and order do not matter; an empty list mutes nothing. Customers may mute
    # anything, SLA breaches included.
    muted = {"reminder": ["inapp", "email", "inapp"], "replied": [], "sla_breach": ["email"]}
    saved = await put(client, settings, CUSTOMER, muted)
    assert saved.status_code == 200, saved.text
    expected = {"reminder": ["email", "inapp"], "sla_breach": ["email"]}
    assert saved.json()["muted"] == expected
    assert (await client.get("/v1/preferences", headers=headers)).json()["muted"] == expected
    user = await db[collections.USERS].find_one({"_id": CUSTOMER.id})
    assert user is not None
    assert user["notification_preferences"] == expected
    assert user["email"] == "u-x@example.com"  # intake's fields are left alone
    assert muted_channels(user, "reminder") == {"email", "inapp"}
    assert muted_channels(user, "sla_breach") == {"email"}
    assert muted_channels(user, "replied") == frozenset()

    # A PUT replaces every mute.
    replaced = await put(client, settings, CUSTOMER, {"closed": ["inapp"]})
    assert replaced.json()["muted"] == {"closed": ["inapp"]}
    cleared = await put(client, settings, CUSTOMER, {})
    assert cleared.json()["muted"] == {}

    assert (await client.get("/v1/preferences")).status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {"muted": {"no_such_event": ["email"]}},
        {"muted": {"reminder": ["sms"]}},
        {"muted": {"reminder": ["webhook"]}},  # webhooks are not per person
        {"muted": {"reminder": "email"}},
        {"muted": {"$where": ["email"]}},
        {"muted": {"reminder": ["email"]}, "extra": True},
        {"muted": None},
        {},
    ],
)
async def test_unknown_events_and_channels_are_refused(
    client: httpx.AsyncClient, settings: Settings, db: Database, body: dict[str, Any]
) -> None:
    headers = bearer(settings, CUSTOMER)
    assert (await put(client, settings, CUSTOMER, {"closed": ["email"]})).status_code == 200
    response = await client.put("/v1/preferences", json=body, headers=headers)
    assert code_of(response) == (422, "validation_error"), body
    # Nothing stored: the earlier mutes stand.
    read = await client.get("/v1/preferences", headers=headers)
    assert read.json()["muted"] == {"closed": ["email"]}


async def test_managers_and_admins_cannot_mute_sla_breaches(
    client: httpx.AsyncClient, settings: Settings, db: Database
) -> None:
    for who in (MANAGER, ADMIN):
        refused = await put(client, settings, who, {"sla_breach": ["inapp"], "reminder": ["email"]})
        assert code_of(refused) == (422, "cannot_mute_sla_breach"), who.role
        read = await client.get("/v1/preferences", headers=bearer(settings, who))
        assert read.json()["muted"] == {}, who.role
        # Everything else they may mute, SLA warnings included.
        allowed = await put(client, settings, who, {"sla_warning": ["email"], "sla_breach": []})
        assert allowed.json()["muted"] == {"sla_warning": ["email"]}, who.role

    # The stored role decides, even with a token issued before a promotion.
    await db[collections.USERS].update_one({"_id": CUSTOMER.id}, {"$set": {"role": "manager"}})
    refused = await put(client, settings, CUSTOMER, {"sla_breach": ["email"]})
    assert code_of(refused) == (422, "cannot_mute_sla_breach")


async def test_people_unknown_to_intake_have_no_preferences(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    stranger = Principal(id="u-gone", role="customer", name="Gone")
    read = await client.get("/v1/preferences", headers=bearer(settings, stranger))
    assert code_of(read) == (404, "user_not_found")
    assert code_of(await put(client, settings, stranger, {})) == (404, "user_not_found")


def test_muted_channels_never_mutes_sla_breaches_for_managers_and_admins() -> None:
    stored = {"sla_breach": ["email", "inapp"], "reminder": ["inapp"]}
    for role in ("manager", "admin"):
        # As an older version (or a hand edit) may have stored it.
        user = {"_id": "u-1", "role": role, "notification_preferences": stored}
        assert muted_channels(user, "sla_breach") == frozenset(), role
        assert muted_channels(user, "reminder") == {"inapp"}, role
    for role in ("customer", "agent", "senior", "tech"):
        user = {"_id": "u-1", "role": role, "notification_preferences": stored}
        assert muted_channels(user, "sla_breach") == {"email", "inapp"}, role

    # Nothing stored, or something malformed, mutes nothing; unknown channels are ignored.
    assert muted_channels({"_id": "u-1", "role": "customer"}, "replied") == frozenset()
    odd: dict[str, Any] = {"replied": "email", "closed": ["email", "sms", 3], "assigned": None}
    user = {"_id": "u-1", "role": "agent", "notification_preferences": odd}
    assert muted_channels(user, "replied") == frozenset()
    assert muted_channels(user, "closed") == {"email"}
    assert muted_channels(user, "assigned") == frozenset()
    broken = {"_id": "u-1", "role": "agent", "notification_preferences": ["email"]}
    assert muted_channels(broken, "closed") == frozenset()
