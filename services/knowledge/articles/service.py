"""Article repository of the knowledge service: MongoDB is the source of truth; every change
marks the article for the search index (see indexing.py)."""

from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING

from services.knowledge.articles.models import ArticleCreate, ArticleStatus, ArticleUpdate
from services.knowledge.library import LIVE, live_page
from shared import collections
from shared.enums import CATEGORIES_BY_TYPE, Category, TicketType
from shared.mongo import Database, Document, ensure_index, update_and_read
from shared.refusals import Invalid, NotFound, Refusal


def not_found(article_id: str) -> Refusal:
    return NotFound("article_not_found", f"No article with id '{article_id}'.")


def check_category(*, type_: TicketType, category: Category) -> None:
    """422 `invalid_category` unless the category belongs to the type (SPEC A3)."""
    if category not in CATEGORIES_BY_TYPE[type_]:
        raise Invalid(
            "invalid_category",
            f"Category '{category}' does not belong to type '{type_}'.",
            {"allowed": list(CATEGORIES_BY_TYPE[type_])},
        )


def _changed(now: datetime) -> dict[str, Any]:
    return {"$set": {"updated_at": now, "index_pending": True}, "$inc": {"version": 1}}


async def create_article(
    *, db: Database, data: ArticleCreate, author: str, now: datetime
) -> Document:
    """Store a new article (journaled), pending for the index."""
    check_category(type_=data.type, category=data.category)
    document: Document = {
        "_id": str(ObjectId()),
        **data.model_dump(mode="json"),
        "views": 0,
        "helpful": 0,
        "not_helpful": 0,
        "created_by": author,
        "created_at": now,
        "updated_at": now,
        "version": 1,
        "index_pending": True,
    }
    await db[collections.FAQ_ARTICLES].insert_one(document)
    return document


async def get_article(*, db: Database, article_id: str) -> Document:
    """A live article, or 404."""
    article = await db[collections.FAQ_ARTICLES].find_one({"_id": article_id, **LIVE})
    if article is None:
        raise not_found(article_id)
    return article


async def update_article(
    *, db: Database, article_id: str, data: ArticleUpdate, now: datetime
) -> Document:
    """Change the given fields; the article is pending for the index again."""
    current = await get_article(db=db, article_id=article_id)
    changes: dict[str, Any] = data.model_dump(mode="json", exclude_unset=True, exclude_none=True)
    merged = {**current, **changes}
    check_category(type_=TicketType(merged["type"]), category=Category(merged["category"]))
    update = _changed(now)
    update["$set"].update(changes)
    result = await update_and_read(
        db[collections.FAQ_ARTICLES], {"_id": article_id, **LIVE}, update
    )
    if result is None:
        raise not_found(article_id)
    return result


async def delete_article(*, db: Database, article_id: str, now: datetime) -> None:
    """Mark the article deleted; the syncer removes it from the index, then from MongoDB."""
    update = _changed(now)
    update["$set"]["deleted"] = True
    result = await db[collections.FAQ_ARTICLES].update_one({"_id": article_id, **LIVE}, update)
    if result.matched_count == 0:
        raise not_found(article_id)


async def list_articles(
    *,
    db: Database,
    status: ArticleStatus | None,
    type_: TicketType | None,
    category: Category | None,
    lang: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[Document], str | None]:
    """A page of live articles in id order, filtered."""
    return await live_page(
        db[collections.FAQ_ARTICLES],
        {"status": status, "type": type_, "category": category, "lang": lang},
        cursor=cursor,
        limit=limit,
        newest_first=False,
    )


async def count_open(*, db: Database, article_id: str) -> None:
    """One more view of the article (best effort bookkeeping)."""
    await db[collections.FAQ_ARTICLES].update_one({"_id": article_id}, {"$inc": {"views": 1}})


async def count_vote(*, db: Database, article_id: str, helpful: bool) -> None:
    """One more "this solved my problem" (or did not) vote."""
    field = "helpful" if helpful else "not_helpful"
    await db[collections.FAQ_ARTICLES].update_one({"_id": article_id}, {"$inc": {field: 1}})


async def ensure_slug_index(*, db: Database) -> None:
    """Seeded articles have a unique slug; articles written in the API have none."""
    collection = db[collections.FAQ_ARTICLES]
    if "slug_1" in await collection.index_information():
        await collection.drop_index("slug_1")  # the first seed's index did not allow "none"
    # Sparse: SecantusDB never uses a partial index on `$type`.
    await ensure_index(collection, [("slug", ASCENDING)], name="slug", unique=True, sparse=True)


async def import_articles(
    *, db: Database, articles: list[dict[str, Any]], now: datetime, status: str = "published"
) -> int:
    """Load articles keyed by their `slug`; one already there is left as it is (its edits
    are kept). How many were added."""
    collection = db[collections.FAQ_ARTICLES]
    await ensure_slug_index(db=db)
    added = 0
    for article in articles:
        document: Document = {
            "_id": str(ObjectId()),
            **article,
            "status": status,
            "views": 0,
            "helpful": 0,
            "not_helpful": 0,
            "created_at": now,
            "updated_at": now,
            "version": 1,
            "index_pending": True,
        }
        result = await collection.update_one(
            {"slug": article["slug"]}, {"$setOnInsert": document}, upsert=True
        )
        added += result.upserted_id is not None
    return added
