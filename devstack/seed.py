"""Demo data for a development stack: groups, agents with skills, customers, FAQ articles.

Seeded once per database (a marker document records it); refused outside development.
"""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING

from services.intake.users.service import ensure_indexes as ensure_user_indexes
from services.intake.users.service import hash_password
from shared import collections
from shared.enums import LABELS, StandardGroup
from shared.mongo import Database
from shared.settings import Settings

DATA = Path(__file__).parent / "seed_data"
DEMO_PASSWORD = "demo"  # noqa: S105 - the documented password of the development seed only
SEED_MARKER = {"_id": "demo_seed"}
META = "meta"


def demo_logins() -> list[tuple[str, str]]:
    """(e-mail, role) of every demo user, as `make run` prints them."""
    people = json.loads((DATA / "people.json").read_text(encoding="utf-8"))
    return [(user["email"], user["role"]) for user in people["users"]]


async def seed_demo_data(db: Database, settings: Settings) -> bool:
    """Insert the demo data unless it is there already; whether anything was inserted."""
    if not settings.is_development:
        raise RuntimeError("demo data is seeded in development mode only")
    if await db[META].find_one(SEED_MARKER) is not None:
        return False
    now = datetime.now(UTC)
    people = json.loads((DATA / "people.json").read_text(encoding="utf-8"))
    await ensure_user_indexes(db=db)
    for group in people["groups"]:
        label = LABELS[StandardGroup(group["key"])]
        await db[collections.GROUPS].update_one(
            {"_id": group["key"]},
            {
                "$setOnInsert": {
                    "name": {"zh-CN": label.zh_cn, "en": label.en},
                    "escalation_level": group["escalation_level"],
                    "created_at": now,
                }
            },
            upsert=True,
        )
    password_hash = hash_password(DEMO_PASSWORD)
    for user in people["users"]:
        document: dict[str, Any] = {
            "_id": str(ObjectId()),
            "capacity": 0,
            "available": user["role"] != "customer",
            **user,
            "password_hash": password_hash,
            "created_at": now,
        }
        del document["email"]
        await db[collections.USERS].update_one(
            {"email": user["email"]}, {"$setOnInsert": document}, upsert=True
        )
    articles = json.loads((DATA / "faq.json").read_text(encoding="utf-8"))
    await db[collections.FAQ_ARTICLES].create_index([("slug", ASCENDING)], unique=True)
    for article in articles:
        document = {
            "_id": str(ObjectId()),
            **article,
            "status": "published",
            "views": 0,
            "helpful": 0,
            "created_at": now,
            "updated_at": now,
        }
        del document["slug"]
        await db[collections.FAQ_ARTICLES].update_one(
            {"slug": article["slug"]}, {"$setOnInsert": document}, upsert=True
        )
    await db[META].insert_one({**SEED_MARKER, "at": now})
    return True
