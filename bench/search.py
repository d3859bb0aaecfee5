"""`search`: FAQ search through the knowledge API against the raw Meilisearch search for
the same queries, in the same run on the same servers.

Data: ARTICLES published FAQ articles (default 10,000): the 117 seeded articles and
variants of them built with a fixed seed (a qualifier and a number in the question, a
paragraph of another article of the same language added to the answer, tags of both),
zh-CN and en alike, stored as import_articles stores them (pending for the index) and
indexed by the knowledge service's own syncer.
Queries: the customer queries of tests/data/relevance_queries.json (colloquial Chinese and
English, some with typos), each with its language, 10 hits (the portal's page).
Subject: GET /v1/search over HTTP, served by uvicorn in its own process: the whole product
path (rate limit, validation, the query built, Meilisearch called, hits shaped, the search
recorded for deflection after the answer).
Baseline: POST /indexes/{uid}/search straight to Meilisearch with the request body the
API sends for the same query (checked: both return the same hits for every query).

Both over keep-alive HTTP on 127.0.0.1, neither asking for compression. After a warm-up
of each side, alternating rounds (B S S B B S) one request at a time (latency), then the
same at CONCURRENCY requests at a time; the figures are over every request of all rounds
of a side. After each round the benchmark waits until the API has recorded every search
answered so far, so that no round pays for an earlier one's writes (`settle_seconds`).
Goal: API p99 < 20 ms, and API p99 at most 1.3x the raw p99 (sequential requests).
"""

import asyncio
import json
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

import httpx
from bson import ObjectId

from bench.common import REPO_ROOT, LoadResult, combined, private_stack, run_load, write_result
from devstack.servers import ProcessSpec, free_port, http_probe, start_all, stop_all
from services.knowledge.indexing import ARTICLES as ARTICLE_INDEX
from services.knowledge.indexing import PENDING
from services.knowledge.search import query
from shared import collections
from shared.clock import utcnow
from shared.mongo import Database, create_mongo_client, get_database
from shared.settings import Settings

ARTICLES = int(os.environ.get("SEARCH_ARTICLES", "10000"))
SEED = 20_250_601
COUNT_PER_ROUND = 300
ROUNDS = 3
WARMUP = 100
CONCURRENCY = 8
LIMIT = 10  # hits a page of the portal shows
ORDER = "BSSBBS"  # B: baseline round, S: subject round
INDEX_LIMIT_SECONDS = 900
SETTLE_LIMIT_SECONDS = 120
GOAL_P99_MS = 20.0
GOAL_RATIO_P99 = 1.3

SEED_FAQ = REPO_ROOT / "devstack" / "seed_data" / "faq.json"
QUERIES = REPO_ROOT / "tests" / "data" / "relevance_queries.json"
QUALIFIERS = {
    "en": ["on Windows", "on a Mac", "on Android", "on iPhone", "in the web app", "team plan"],
    "zh-CN": ["Windows 电脑", "苹果电脑", "安卓手机", "iPhone", "网页版", "团队版"],
}


def articles(count: int, seed: int) -> list[dict[str, Any]]:
    """The seeded articles, then deterministic variants of them up to `count`."""
    originals: list[dict[str, Any]] = json.loads(SEED_FAQ.read_text(encoding="utf-8"))
    rng = random.Random(seed)
    same_language: dict[str, list[dict[str, Any]]] = {}
    for article in originals:
        same_language.setdefault(article["lang"], []).append(article)
    built = [dict(article) for article in originals[:count]]
    for index in range(len(built), count):
        original = originals[index % len(originals)]
        variant = index // len(originals)
        donor = rng.choice(same_language[original["lang"]])
        qualifier = rng.choice(QUALIFIERS[original["lang"]])
        paragraphs = donor["answer"].split("\n\n")
        tags = original["tags"] + rng.sample(donor["tags"], min(2, len(donor["tags"])))
        built.append(
            {
                **original,
                "slug": f"{original['slug']}-v{variant}",
                "question": f"{original['question']} ({qualifier} #{variant})",
                "answer": f"{original['answer']}\n\n{rng.choice(paragraphs)}",
                "tags": list(dict.fromkeys(tags))[:20],
            }
        )
    return built


async def store(db: Database, built: list[dict[str, Any]]) -> None:
    """The documents import_articles writes, in bulk: it upserts one article at a time by
    slug, which SecantusDB answers with a scan of the collection (~120 ms an article at
    10,000 articles, over 11 minutes in all); insert_many takes seconds."""
    now = utcnow()
    documents = [
        {
            "_id": str(ObjectId()),
            **article,
            "status": "published",
            "views": 0,
            "helpful": 0,
            "not_helpful": 0,
            "created_at": now,
            "updated_at": now,
            "version": 1,
            "index_pending": True,
        }
        for article in built
    ]
    for first in range(0, len(documents), 1000):
        await db[collections.FAQ_ARTICLES].insert_many(documents[first : first + 1000])


def side_figures(name: str, rounds: list[LoadResult]) -> dict[str, object]:
    return {
        "name": name,
        **combined(rounds).summary(),
        "per_second_by_round": [round(result.per_second, 1) for result in rounds],
    }


async def alternate(
    sides: Mapping[str, Callable[[int], Awaitable[None]]],
    settle: Callable[[], Awaitable[None]],
    *,
    concurrency: int,
) -> tuple[dict[str, list[LoadResult]], list[float]]:
    """A warm-up of each side, then the rounds in ORDER (the same queries in every round),
    each followed by `settle` (how long it took), so that no round pays for the previous
    one's after-effects."""
    for operation in sides.values():
        await run_load(operation, count=WARMUP, concurrency=concurrency)
        await settle()
    results: dict[str, list[LoadResult]] = {side: [] for side in sides}
    settled: list[float] = []
    for side in ORDER:
        results[side].append(
            await run_load(sides[side], count=COUNT_PER_ROUND, concurrency=concurrency)
        )
        started = time.perf_counter()
        await settle()
        settled.append(round(time.perf_counter() - started, 2))
    return results, settled


def comparison(
    results: dict[str, list[LoadResult]], settled: list[float], concurrency: int
) -> dict[str, object]:
    raw, api = combined(results["B"]).summary(), combined(results["S"]).summary()
    return {
        "concurrency": concurrency,
        "baseline": side_figures("POST /indexes/{uid}/search to Meilisearch", results["B"]),
        "subject": side_figures("GET /v1/search of the knowledge API", results["S"]),
        "ratio_latency_p50": round(api["latency_ms_p50"] / raw["latency_ms_p50"], 3),
        "ratio_latency_p99": round(api["latency_ms_p99"] / raw["latency_ms_p99"], 3),
        # seconds until the round's searches were recorded, round by round (in ORDER)
        "settle_seconds_by_round": settled,
    }


async def in_step(db: Database, meili: httpx.AsyncClient, uid: str) -> None:
    """Wait until the syncer has brought every article to the index and Meilisearch has no
    task left (bounded)."""
    deadline = time.monotonic() + INDEX_LIMIT_SECONDS
    while await db[collections.FAQ_ARTICLES].count_documents(PENDING) > 0:
        if time.monotonic() > deadline:
            raise RuntimeError("the articles did not reach the search index in time")
        await asyncio.sleep(1)
    while True:
        tasks = await meili.get("/tasks", params={"statuses": "enqueued,processing", "limit": 1})
        tasks.raise_for_status()
        if not tasks.json()["results"]:
            break
        if time.monotonic() > deadline:
            raise RuntimeError("Meilisearch did not finish its tasks in time")
        await asyncio.sleep(0.2)
    stats = await meili.get(f"/indexes/{uid}/stats")
    stats.raise_for_status()
    if stats.json()["numberOfDocuments"] != ARTICLES:
        raise RuntimeError(f"the index holds {stats.json()['numberOfDocuments']} documents")


def raw_body(case: dict[str, Any]) -> dict[str, Any]:
    """What GET /v1/search?q=&lang=&limit= sends to Meilisearch (built as the view builds
    it; `measure` checks that both answer with the same hits)."""
    params = query.search_params(
        q=case["q"],
        limit=LIMIT,
        filter_=query.filters(status="published", lang=case["lang"]),
        snippet_of="answer",
        title_of="question",
    )
    params["facets"] = ["type", "category"]
    return params


async def measure(settings: Settings) -> dict[str, object]:
    cases: list[dict[str, Any]] = json.loads(QUERIES.read_text(encoding="utf-8"))["queries"]
    uid = ARTICLE_INDEX.uid(settings.meili_index_prefix)
    master_key = settings.meili_master_key.get_secret_value()
    mongo = create_mongo_client(settings)
    db = get_database(mongo, settings)
    # httpx asks for gzip by default; Meilisearch then sends a compressed, chunked answer
    # whose last write waits out the client's delayed ACK (~40 ms) on a kept-alive
    # connection. The baseline is the engine's latency, not that stall, so neither client
    # asks for compression (the API sends none anyway).
    plain = {"Accept-Encoding": "identity"}
    try:
        async with (
            httpx.AsyncClient(
                base_url=settings.meili_url,
                headers={**plain, "Authorization": f"Bearer {master_key}"},
                timeout=30,
            ) as meili,
            httpx.AsyncClient(base_url=settings.knowledge_url, headers=plain, timeout=30) as api,
        ):
            started = time.monotonic()
            await store(db, articles(ARTICLES, SEED))
            stored = time.monotonic() - started
            await in_step(db, meili, uid)
            indexed = time.monotonic() - started

            bodies = [raw_body(case) for case in cases]
            params = [{"q": case["q"], "lang": case["lang"], "limit": LIMIT} for case in cases]
            path = f"/indexes/{uid}/search"
            events = db[collections.KNOWLEDGE_EVENTS]
            answered = 0  # API searches answered so far; the API records each one
            for body, param in zip(bodies, params, strict=True):
                expected = (await meili.post(path, json=body)).raise_for_status().json()
                got = (await api.get("/v1/search", params=param)).raise_for_status().json()
                answered += 1
                if [hit["id"] for hit in got["hits"]] != [h["id"] for h in expected["hits"]]:
                    raise RuntimeError(f"API and raw search differ for {param['q']!r}")

            async def raw(index: int) -> None:
                response = await meili.post(path, json=bodies[index % len(bodies)])
                response.raise_for_status()

            async def search(index: int) -> None:
                nonlocal answered
                response = await api.get("/v1/search", params=params[index % len(params)])
                response.raise_for_status()
                answered += 1

            async def recorded() -> None:
                """Wait until every search answered so far is recorded (the API writes its
                event after answering, and these writes can lag far behind on SecantusDB)."""
                deadline = time.monotonic() + SETTLE_LIMIT_SECONDS
                while await events.count_documents({}) < answered:
                    if time.monotonic() > deadline:
                        raise RuntimeError("the searches were not recorded in time")
                    await asyncio.sleep(0.2)

            sides = {"B": raw, "S": search}
            sequential, sequential_settled = await alternate(sides, recorded, concurrency=1)
            concurrent, concurrent_settled = await alternate(
                sides, recorded, concurrency=CONCURRENCY
            )
    finally:
        await mongo.close()

    # the goal is about latency: one request at a time
    api_p99 = combined(sequential["S"]).summary()["latency_ms_p99"]
    raw_p99 = combined(sequential["B"]).summary()["latency_ms_p99"]
    return {
        "description": __doc__.strip() if __doc__ else "",
        "articles": ARTICLES,
        "store_seconds": round(stored, 1),
        "seconds_until_indexed": round(indexed, 1),
        "queries": len(cases),
        "rounds": ORDER,
        "count_per_round": COUNT_PER_ROUND,
        "warmup_per_side": WARMUP,
        "sequential": comparison(sequential, sequential_settled, 1),
        "concurrent": comparison(concurrent, concurrent_settled, CONCURRENCY),
        "goal": f"api p99 < {GOAL_P99_MS} ms and api p99 <= {GOAL_RATIO_P99} x raw p99",
        "goal_p99_met": api_p99 < GOAL_P99_MS,
        "goal_ratio_met": api_p99 <= GOAL_RATIO_P99 * raw_p99,
        "goal_met": api_p99 < GOAL_P99_MS and api_p99 <= GOAL_RATIO_P99 * raw_p99,
    }


async def main() -> dict[str, object]:
    assert ORDER.count("B") == ORDER.count("S") == ROUNDS
    begun = time.monotonic()
    async with private_stack(with_services=False) as stack:
        port = free_port()
        own = {
            "knowledge_url": f"http://127.0.0.1:{port}",
            "meili_index_prefix": f"bench{uuid.uuid4().hex[:8]}_",
            # far above what the benchmark sends: the limiter is checked, never in the way
            "search_rate_per_second": 1_000_000.0,
            "search_rate_burst": 1_000_000,
        }
        settings = stack.settings.model_copy(update=own)
        knowledge = ProcessSpec(
            name="knowledge",
            argv=[
                *(sys.executable, "-m", "uvicorn", "--factory"),
                "services.knowledge.main:create_app",
                *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
            ],
            port=port,
            probe=http_probe(f"{settings.knowledge_url}/readyz"),
            env={**stack.env, **{key.upper(): str(value) for key, value in own.items()}},
        )
        with tempfile.TemporaryDirectory(prefix="helpdesk-bench-knowledge-") as logs:
            processes = await start_all([knowledge], Path(logs), REPO_ROOT)
            try:
                figures = await measure(settings)
            finally:
                stop_all(processes)
    figures["seconds_total"] = round(time.monotonic() - begun, 1)
    write_result("search", figures)
    return figures
