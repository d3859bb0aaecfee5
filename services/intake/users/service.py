"""People and groups repository of intake: customers, agents, admins and their groups."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pymongo import ASCENDING

from shared import collections
from shared.mongo import Database

_hasher = PasswordHasher()


async def ensure_indexes(*, db: Database) -> None:
    """Create the indexes of the people collections intake owns (idempotent)."""
    users = db[collections.USERS]
    # Partial: customers of client systems may have no e-mail (only an external id).
    only_strings = {"email": {"$type": "string"}}
    existing = (await users.index_information()).get("email")
    if existing is not None and not existing.get("partialFilterExpression"):
        await users.drop_index("email")  # the first version of this index was not partial
    await users.create_index(
        [("email", ASCENDING)], name="email", unique=True, partialFilterExpression=only_strings
    )
    await db[collections.USERS].create_index(
        [("role", ASCENDING), ("groups", ASCENDING)], name="role_groups"
    )


def hash_password(password: str) -> str:
    """An argon2id hash of `password`, salted."""
    return _hasher.hash(password)


# Verified when no account matches, so a wrong e-mail costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("no account has this password")


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches the stored hash."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False
