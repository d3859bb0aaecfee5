"""People and groups repository of intake: customers, agents, admins and their groups."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pymongo import ASCENDING

from shared import collections
from shared.mongo import Database, ensure_index

_hasher = PasswordHasher()


async def ensure_indexes(*, db: Database) -> None:
    """Create the indexes of the people collections intake owns (idempotent)."""
    users = db[collections.USERS]
    # Sparse, not partial: customers of client systems may have no e-mail (only an external
    # id), and SecantusDB never uses a partial index whose filter is `$type` (every login
    # and every filing for a customer scanned all users: 44 ms at 5,000 of them).
    await ensure_index(users, [("email", ASCENDING)], name="email", unique=True, sparse=True)
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
