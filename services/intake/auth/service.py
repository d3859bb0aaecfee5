"""Authentication repository of intake: passwords, API keys, customers of client systems."""

import asyncio
import contextlib
import hashlib
import hmac
import math
import secrets
import time
from datetime import datetime

from bson import ObjectId
from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from services.intake.auth.models import CustomerRef
from services.intake.users.service import verify_password
from shared import collections
from shared.auth import Principal
from shared.clock import as_utc
from shared.enums import ApiKeyScope, Role
from shared.mongo import ACKNOWLEDGED, Database, Document, ensure_index
from shared.refusals import Conflict, Invalid, NotAuthenticated

API_KEY_PREFIX = "hdk"


async def ensure_indexes(*, db: Database) -> None:
    """Indexes of the authentication collections (idempotent)."""
    # Sparse rather than partial on `$type`, which SecantusDB does not use (users/service.py).
    await ensure_index(
        db[collections.USERS],
        [("external_id", ASCENDING)],
        name="external_id",
        unique=True,
        sparse=True,
    )


def principal_of(user: Document) -> Principal:
    """The principal a stored user acts as."""
    return Principal(
        id=str(user["_id"]),
        role=Role(user["role"]),
        name=user.get("name", ""),
        email=user.get("email"),
        groups=tuple(user.get("groups", [])),
        language=user.get("language", "zh-CN"),
    )


async def authenticate(*, db: Database, email: str, password: str) -> Principal | None:
    """The user with this e-mail and password, unless disabled; None otherwise."""
    user = await db[collections.USERS].find_one({"email": email.strip().lower()})
    stored_hash = (user or {}).get("password_hash")
    # argon2 takes tens of milliseconds of CPU: off the event loop, and paid for unknown
    # e-mails too, so the answer's timing does not tell which accounts exist.
    matches = await asyncio.to_thread(verify_password, stored_hash, password)
    if user is None or not matches or user.get("active") is False:
        return None
    return principal_of(user)


async def get_user(*, db: Database, user_id: str) -> Document | None:
    """A stored user by id."""
    return await db[collections.USERS].find_one({"_id": user_id})


def _hash_secret(secret: str) -> str:
    # API key secrets are 256 random bits: a plain SHA-256 cannot be brute-forced.
    return hashlib.sha256(secret.encode()).hexdigest()


def new_api_key(
    *,
    name: str,
    created_by: str,
    now: datetime,
    scopes: list[str] | None = None,
    customer_domains: list[str] | None = None,
    expires_at: datetime | None = None,
) -> tuple[Document, str]:
    """A new API key's document and the key itself (shown once, never stored); without
    `scopes`, it may do everything."""
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    document = {
        "_id": key_id,
        "name": name,
        "prefix": f"{API_KEY_PREFIX}_{key_id}",
        "secret_hash": _hash_secret(secret),
        "created_at": now,
        "created_by": created_by,
        "last_used_at": None,
        "revoked_at": None,
        "scopes": list(ApiKeyScope) if scopes is None else list(dict.fromkeys(scopes)),
        "customer_domains": list(dict.fromkeys(customer_domains or [])),
        "expires_at": expires_at,
    }
    return document, f"{API_KEY_PREFIX}_{key_id}_{secret}"


class ApiKeys:
    """The keys of client systems as stored, cached for `ttl` seconds (a key revoked
    through another intake process stops working within that time; through this one, at
    once), with `last_used_at` written at most every `touch_every` seconds: a client system
    filing 50 tickets a second cost two reads and a write of `api_keys` per request."""

    def __init__(
        self, *, ttl: float = 30.0, touch_every: float = 60.0, max_entries: int = 10_000
    ) -> None:
        self._ttl = ttl
        self._touch_every = touch_every
        self._max_entries = max_entries
        self._entries: dict[str, tuple[float, Document]] = {}
        self._touched: dict[str, float] = {}

    async def principal(self, *, db: Database, key: str, now: datetime) -> Principal:
        """The client system a valid, unrevoked key belongs to; 401 `invalid_api_key`
        otherwise."""
        prefix, _, rest = key.partition("_")
        key_id, _, secret = rest.partition("_")
        invalid = NotAuthenticated("invalid_api_key", "The API key is not valid or was revoked.")
        if prefix != API_KEY_PREFIX or not key_id or not secret or len(key) > 200:
            raise invalid
        document = await self._document(db, key_id)
        if document is None or document.get("revoked_at") is not None:
            raise invalid
        if not hmac.compare_digest(document["secret_hash"], _hash_secret(secret)):
            raise invalid
        expires_at = document.get("expires_at")
        if expires_at is not None and as_utc(expires_at) <= now:
            raise NotAuthenticated("api_key_expired", "The API key has expired; ask for a new one.")
        await self._touch(db, key_id, now)
        return Principal(
            id=f"api_key:{key_id}",
            role=Role.CUSTOMER,
            name=document["name"],
            api_key_id=key_id,
            # keys issued before scopes existed may do everything, for anyone
            api_key_scopes=tuple(document.get("scopes", list(ApiKeyScope))),
            api_key_domains=tuple(document.get("customer_domains", [])),
        )

    def forget(self, key_id: str) -> None:
        """Read the key again on its next use (it was just revoked)."""
        self._entries.pop(key_id, None)

    async def _document(self, db: Database, key_id: str) -> Document | None:
        clock = time.monotonic()
        cached = self._entries.get(key_id)
        if cached is not None and cached[0] > clock:
            return cached[1]
        document = await db[collections.API_KEYS].find_one({"_id": key_id})
        if document is not None:  # unknown ids are not kept: anyone can send them
            if len(self._entries) >= self._max_entries:
                self._entries.clear()
            self._entries[key_id] = (clock + self._ttl, document)
        return document

    async def _touch(self, db: Database, key_id: str, now: datetime) -> None:
        clock = time.monotonic()
        if clock - self._touched.get(key_id, -math.inf) < self._touch_every:
            return
        self._touched[key_id] = clock
        await (
            db[collections.API_KEYS]
            .with_options(write_concern=ACKNOWLEDGED)
            .update_one({"_id": key_id}, {"$set": {"last_used_at": now}})
        )


async def find_or_create_customer(*, db: Database, ref: CustomerRef, now: datetime) -> Document:
    """The customer a client system names, created on first use (no password: no login)."""
    users = db[collections.USERS]
    query: Document = (
        {"external_id": ref.external_id} if ref.external_id is not None else {"email": ref.email}
    )
    for _ in range(2):
        user = await users.find_one(query)
        if user is not None:
            if user.get("role") != Role.CUSTOMER:
                raise Invalid(
                    "not_a_customer", "Tickets are filed for customers, not staff accounts."
                )
            return user
        document: Document = {
            "_id": str(ObjectId()),
            "role": Role.CUSTOMER.value,
            "name": ref.name or ref.email or ref.external_id or "",
            "language": ref.language,
            "groups": [],
            "created_at": now,
        }
        if ref.email is not None:
            document["email"] = ref.email
        if ref.external_id is not None:
            document["external_id"] = ref.external_id
        with contextlib.suppress(DuplicateKeyError):  # created concurrently: read it again
            await users.insert_one(document)
            return document
    raise Conflict(
        "customer_conflict",
        "That e-mail belongs to a customer with another external id.",
    )


class StaffAccounts:
    """Staff accounts as stored, cached for a few seconds: a deactivated, demoted or moved
    agent loses what the token still claims within `ttl` seconds, at one read per agent and
    period instead of one per request."""

    def __init__(self, *, ttl: float = 30.0, max_entries: int = 10_000) -> None:
        self._ttl = ttl
        self._max_entries = max_entries
        self._entries: dict[str, tuple[float, Principal | None]] = {}

    async def current(self, *, db: Database, principal: Principal) -> Principal:
        """The principal as its stored account says now; 401 if disabled or gone."""
        now = time.monotonic()
        cached = self._entries.get(principal.id)
        if cached is None or cached[0] <= now:
            user = await get_user(db=db, user_id=principal.id)
            fresh = principal_of(user) if user and user.get("active") is not False else None
            if len(self._entries) >= self._max_entries:
                self._entries.clear()
            cached = self._entries[principal.id] = (now + self._ttl, fresh)
        if cached[1] is None:
            raise NotAuthenticated("account_disabled", "This account is disabled; log in again.")
        return cached[1]
