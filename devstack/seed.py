"""Demo data for a development stack: groups, agents with skills, customers, FAQ articles.

Seeded once per database (a marker document records it); refused outside development.
"""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bson import ObjectId

from services.intake.canned.models import CannedResponseCreate
from services.intake.canned.service import new_canned_document
from services.intake.users.service import ensure_indexes as ensure_user_indexes
from services.intake.users.service import hash_password
from services.knowledge.articles.service import import_articles
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


async def _seed_orders(db: Database) -> None:
    """Demo orders of the demo customers, for the related-order view of a ticket (A2)."""
    for order in json.loads((DATA / "orders.json").read_text(encoding="utf-8")):
        customer = await db[collections.USERS].find_one({"email": order.pop("customer_email")})
        document = {
            **order,
            # As tickets name their submitter: the account id as a string.
            "customer_id": str(customer["_id"]) if customer else None,
            "placed_at": datetime.fromisoformat(order["placed_at"]),
        }
        await db[collections.ORDERS].update_one(
            {"_id": order["_id"]}, {"$setOnInsert": document}, upsert=True
        )


async def _seed_canned_responses(db: Database, now: datetime) -> None:
    """A few reply templates agents use every day (F2)."""
    admin = await db[collections.USERS].find_one({"role": "admin"}, projection={"_id": 1})
    author = admin["_id"] if admin else "system"
    for template in json.loads((DATA / "canned_responses.json").read_text(encoding="utf-8")):
        slug = template.pop("slug")
        data = CannedResponseCreate.model_validate(template)
        document = {**new_canned_document(data=data, created_by=author, now=now), "_id": slug}
        await db[collections.CANNED_RESPONSES].update_one(
            {"_id": slug}, {"$setOnInsert": document}, upsert=True
        )


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
    await import_articles(db=db, articles=articles, now=now)
    await _seed_orders(db)
    await _seed_canned_responses(db, now)
    await db[META].insert_one({**SEED_MARKER, "at": now})
    return True
