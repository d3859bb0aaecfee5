"""Relevance: realistic customer queries (Chinese and English, colloquial, with typos)
against the seeded FAQ; the right article must be among the first three (recall@3)."""

import json
from pathlib import Path

from shared import collections
from tests.knowledge_support import Knowledge, seed_faq

QUERIES = Path(__file__).parent / "data" / "relevance_queries.json"
MIN_RECALL_AT_3 = 0.9


async def test_recall_at_3_of_the_seeded_faq(knowledge: Knowledge) -> None:
    await seed_faq(knowledge.db)
    await knowledge.in_step()
    ids = {
        article["slug"]: article["_id"]
        async for article in knowledge.db[collections.FAQ_ARTICLES].find({})
    }
    queries = json.loads(QUERIES.read_text(encoding="utf-8"))["queries"]
    assert len(queries) >= 60
    found, misses = 0, []
    for case in queries:
        result = await knowledge.search(q=case["q"], lang=case["lang"], limit=3)
        top = [hit["id"] for hit in result["hits"]]
        if any(ids[slug] in top for slug in case["expect"]):
            found += 1
        else:
            misses.append(case["q"])
    recall = found / len(queries)
    print(f"\nrecall@3 = {recall:.3f} ({found}/{len(queries)}); misses: {misses}")
    assert recall >= MIN_RECALL_AT_3, misses
