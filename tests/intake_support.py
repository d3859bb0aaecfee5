"""Driving the intake API as its real callers: people seeded in the test's database, each
logged in through POST /v1/auth/token."""

import asyncio
import contextlib
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import httpx

from services.intake.main import create_app
from services.intake.users.service import hash_password
from services.workflows.assignment import ensure_indexes as ensure_assignment_indexes
from shared import collections
from shared.auth import Principal, issue_token
from shared.clock import utcnow
from shared.mongo import Database, create_mongo_client, get_database
from shared.settings import Settings
from tests.conftest import Servers, lifespan_client

PASSWORD = "correct horse battery staple"

# name -> (role, groups, skills); agents have room for 10 tickets each.
PEOPLE: dict[str, tuple[str, list[str], list[str]]] = {
    "admin": ("admin", [], []),
    "manager": ("manager", ["management"], []),
    "agent1": ("agent", ["frontline"], ["technical", "account"]),
    "agent2": ("agent", ["frontline"], ["order", "product", "complaint"]),
    "senior": ("senior", ["senior_support"], ["technical"]),
    "tech": ("tech", ["technical_team"], ["technical"]),
    "alice": ("customer", [], []),
    "bob": ("customer", [], []),
}
STAFF = ("admin", "manager", "agent1", "agent2", "senior", "tech")
CUSTOMERS = ("alice", "bob")

NEW_TICKET: dict[str, Any] = {
    "type": "technical",
    "category": "connection",
    "title": "无法连接服务器",
    "description": "Since this morning the app says: connection refused.",
}


ALICE = Principal(id="u-alice", role="customer", name="Alice", email="alice@example.com")


def bearer(settings: Settings, principal: Principal = ALICE) -> dict[str, str]:
    """Headers of a caller with a valid token for `principal` (no login round trip)."""
    return {"Authorization": f"Bearer {issue_token(principal, settings=settings, now=utcnow())}"}


@cache
def _password_hash() -> str:
    return hash_password(PASSWORD)  # argon2 is slow on purpose: hash once per session


def email_of(name: str) -> str:
    return f"{name}@example.com"


async def seed_people(db: Database) -> dict[str, str]:
    """Insert PEOPLE (ids `u-<name>`); returns name -> id."""
    await ensure_assignment_indexes(db=db)
    ids = {}
    for name, (role, groups, skills) in PEOPLE.items():
        ids[name] = f"u-{name}"
        await db[collections.USERS].insert_one(
            {
                "_id": ids[name],
                "email": email_of(name),
                "name": name.capitalize(),
                "role": role,
                "groups": groups,
                "skills": skills,
                "language": "en" if name in ("bob", "agent2") else "zh-CN",
                "capacity": 10 if role != "customer" else 0,
                "available": role != "customer",
                "load": [],
                "password_hash": _password_hash(),
            }
        )
    return ids


@dataclass
class Api:
    """The intake app over HTTP, with a logged-in session per seeded person."""

    client: httpx.AsyncClient
    db: Database
    ids: dict[str, str]
    tokens: dict[str, str] = field(default_factory=dict)

    async def headers(self, name: str) -> dict[str, str]:
        if name not in self.tokens:
            response = await self.client.post(
                "/v1/auth/token", data={"username": email_of(name), "password": PASSWORD}
            )
            assert response.status_code == 200, response.text
            self.tokens[name] = response.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[name]}"}

    async def call(self, name: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {**(await self.headers(name)), **kwargs.pop("headers", {})}
        return await self.client.request(method, url, headers=headers, **kwargs)

    async def file(self, name: str = "alice", **overrides: Any) -> dict[str, Any]:
        response = await self.call(name, "POST", "/v1/tickets", json={**NEW_TICKET, **overrides})
        assert response.status_code == 201, response.text
        ticket: dict[str, Any] = response.json()
        return ticket

    async def act(
        self, name: str, ticket_id: str, action: str, body: dict[str, Any] | None = None
    ) -> httpx.Response:
        return await self.call(
            name, "POST", f"/v1/tickets/{ticket_id}/actions/{action}", json=body or {}
        )

    async def detail(self, name: str, ticket_id: str) -> dict[str, Any]:
        response = await self.call(name, "GET", f"/v1/tickets/{ticket_id}")
        assert response.status_code == 200, response.text
        detail: dict[str, Any] = response.json()
        return detail

    async def wait_for(self, name: str, ticket_id: str, **fields: Any) -> dict[str, Any]:
        """The ticket once its projection shows `fields` (the workflow works asynchronously)."""
        detail: dict[str, Any] = {}
        for _ in range(150):
            detail = await self.detail(name, ticket_id)
            if all(detail.get(key) == value for key, value in fields.items()):
                return detail
            await asyncio.sleep(0.1)
        shown = {key: detail.get(key) for key in fields}
        raise AssertionError(f"ticket never reached {fields}; last {shown}")


async def running_api(settings: Settings, db: Database) -> AsyncGenerator[Api, None]:
    """The intake app on the test's database, with PEOPLE seeded."""
    ids = await seed_people(db)
    # aclosing: a failing test closes this generator, and with it the app's lifespan.
    async with contextlib.aclosing(lifespan_client(create_app(settings), "http://intake")) as c:
        async for client in c:
            yield Api(client=client, db=db, ids=ids)


async def api_with(servers: Servers, **overrides: Any) -> AsyncGenerator[Api, None]:
    """The intake app on a database of its own with `overrides` of its settings, dropped
    afterwards (for a fixture)."""
    settings = servers.settings(**overrides)
    client = create_mongo_client(settings)
    try:
        async for running in running_api(settings, get_database(client, settings)):
            yield running
    finally:
        await client.drop_database(settings.mongodb_db)
        await client.close()
