"""The search indexes and how MongoDB's articles and solutions reach them.

MongoDB is the source of truth. Every change marks its document `index_pending` (with a
new `version`); the syncer pushes pending documents to Meilisearch, waits until
Meilisearch has applied them, and only then clears the mark for that version. An update
that fails stays pending and is retried; nothing is dropped, and a Meilisearch that was
down catches up when it is back.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pymongo import ASCENDING

from services.knowledge.meili import MeiliGateway
from shared import collections
from shared.mongo import Database, Document

DATA = Path(__file__).parent / "data"
# An equality, so the index answers it: the syncer asks every 2 s, and a `$ne` scanned the
# whole collection (150 ms at 10,000 articles on SecantusDB).
PENDING = {"index_pending": True}


def plain_text(markdown: str) -> str:
    """Markdown as the text people read (for matching and snippets)."""
    text = re.sub(r"`{1,3}([^`]*)`{1,3}", r"\1", markdown)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[*_#>]+", "", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def article_document(article: Document) -> dict[str, Any]:
    return {
        "id": article["_id"],
        "question": article["question"],
        "answer": plain_text(article["answer"]),
        "tags": article.get("tags", []),
        "type": article["type"],
        "category": article["category"],
        "lang": article["lang"],
        "status": article.get("status", "draft"),
        "helpful": article.get("helpful", 0),
    }


def solution_document(solution: Document) -> dict[str, Any]:
    return {
        "id": solution["_id"],
        "problem": solution["problem"],
        "cause": solution.get("cause", ""),
        "fix": plain_text(solution["fix"]),
        "tags": solution.get("tags", []),
        "type": solution["type"],
        "category": solution["category"],
        "lang": solution["lang"],
        "ticket_number": solution.get("ticket_number"),
    }


def synonyms() -> dict[str, list[str]]:
    """Multi-way synonyms of both languages: every phrase of a group stands for the others."""
    groups = json.loads((DATA / "synonyms.json").read_text(encoding="utf-8"))
    table: dict[str, set[str]] = {}
    for language_groups in groups.values():
        for group in language_groups:
            for phrase in group:
                table.setdefault(phrase.lower(), set()).update(
                    other.lower() for other in group if other.lower() != phrase.lower()
                )
    return {phrase: sorted(others) for phrase, others in table.items()}


def stop_words() -> list[str]:
    words: dict[str, list[str]] = json.loads((DATA / "stop_words.json").read_text(encoding="utf-8"))
    return sorted({word for language in words.values() for word in language})


@dataclass(frozen=True)
class IndexSpec:
    """One searchable collection: where it lives, how it is indexed."""

    collection: str
    name: str
    to_document: Callable[[Document], dict[str, Any]]
    searchable: tuple[str, ...]
    filterable: tuple[str, ...]

    def uid(self, prefix: str) -> str:
        return f"{prefix}{self.name}"

    def settings(self) -> dict[str, Any]:
        return {
            "searchableAttributes": list(self.searchable),
            "filterableAttributes": list(self.filterable),
            "sortableAttributes": [],
            "synonyms": synonyms(),
            "stopWords": stop_words(),
            "typoTolerance": {"minWordSizeForTypos": {"oneTypo": 4, "twoTypos": 8}},
            "faceting": {"maxValuesPerFacet": 50},
        }


ARTICLES = IndexSpec(
    collection=collections.FAQ_ARTICLES,
    name="faq",
    to_document=article_document,
    searchable=("question", "tags", "answer"),
    filterable=("status", "type", "category", "lang"),
)
SOLUTIONS = IndexSpec(
    collection=collections.SOLUTIONS,
    name="solutions",
    to_document=solution_document,
    searchable=("problem", "tags", "cause", "fix"),
    filterable=("type", "category", "lang"),
)
SPECS = (ARTICLES, SOLUTIONS)


async def ensure_mongo_indexes(*, db: Database) -> None:
    """The MongoDB indexes the syncer and the article lists use (idempotent)."""
    for spec in SPECS:
        await db[spec.collection].create_index([("index_pending", ASCENDING)], name="index_pending")
        # Documents written before the flag existed are pending (once; idempotent).
        await db[spec.collection].update_many(
            {"index_pending": {"$exists": False}}, {"$set": {"index_pending": True}}
        )
    await db[collections.FAQ_ARTICLES].create_index(
        [("status", ASCENDING), ("type", ASCENDING), ("category", ASCENDING)],
        name="status_type_category",
    )


async def ensure_search_indexes(*, meili: MeiliGateway, prefix: str) -> None:
    """Create the indexes and apply their settings (idempotent; waits until applied)."""
    for spec in SPECS:
        await meili.run("POST", "/indexes", json={"uid": spec.uid(prefix), "primaryKey": "id"})
        await meili.run("PATCH", f"/indexes/{spec.uid(prefix)}/settings", json=spec.settings())


async def sync_pending(*, db: Database, meili: MeiliGateway, prefix: str, batch: int = 500) -> int:
    """Push every pending change to its index; how many documents were brought in step."""
    done = 0
    for spec in SPECS:
        source = db[spec.collection]
        pending = [doc async for doc in source.find(PENDING).limit(batch)]
        if not pending:
            continue
        live = [doc for doc in pending if not doc.get("deleted")]
        gone = [doc["_id"] for doc in pending if doc.get("deleted")]
        uid = spec.uid(prefix)
        if live:
            documents = [spec.to_document(doc) for doc in live]
            await meili.run("PUT", f"/indexes/{uid}/documents", json=documents)
        if gone:
            await meili.run("POST", f"/indexes/{uid}/documents/delete-batch", json=gone)
        for doc in pending:  # only the version that was pushed; a newer change stays pending
            version = {"version": doc["version"]} if "version" in doc else {}
            if doc.get("deleted"):
                await source.delete_one({"_id": doc["_id"], **version})
            else:
                await source.update_one(
                    {"_id": doc["_id"], **version}, {"$set": {"index_pending": False}}
                )
        done += len(pending)
    return done
