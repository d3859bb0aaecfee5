"""People and groups repository of intake: customers, agents, admins and their groups."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pymongo import ASCENDING

from shared import collections
from shared.mongo import Database

_hasher = PasswordHasher()


async def ensure_indexes(*, db: Database) -> None:
    """Create the indexes of the people collections intake owns (idempotent)."""
    await db[collections.USERS].create_index([("email", ASCENDING)], unique=True, name="email")
    await db[collections.USERS].create_index(
        [("role", ASCENDING), ("groups", ASCENDING)], name="role_groups"
    )


def hash_password(password: str) -> str:
    """An argon2id hash of `password`, salted."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether `password` matches the stored hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
