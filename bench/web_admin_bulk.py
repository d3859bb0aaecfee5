"""A bulk action over BULK_TICKETS tickets against the same updates sent one by one.

Data: 2 x BULK_TICKETS tickets filed by a client system (bench/filing.py: every other one
answered from the FAQ, each for a customer of its own) on the demo desk, settled first.
Subject: one POST /v1/bulk-actions (assign to one agent, by the demo manager) over the
first BULK_TICKETS: from the request until the action's stored phase is `applied` (every
ticket's workflow took its update, each item recorded), tickets per second.
Baseline: the same assignment of the other BULK_TICKETS sent one by one, as a script
would: POST /v1/tickets/{id}/actions/assign, each after the previous answered, through
the same intake. The rate limit is lifted on this stack for both sides (FILING_ENV), so
neither waits on it. Same run, same servers.
"""

import asyncio
import time
from typing import Any

import httpx

from bench.common import bearer, private_stack, run_load
from bench.filing import FILING_ENV, Filer, intake_client, prepare_desk, wait_settled
from shared import collections
from shared.auth import Principal
from shared.enums import Role
from shared.mongo import Database, create_mongo_client, get_database

BULK_TICKETS = 1000
FILING_CONCURRENCY = 20
SETTLE_LIMIT_SECONDS = 600
APPLY_LIMIT_SECONDS = 900
POLL_SECONDS = 0.1


async def _person(db: Database, email: str) -> Principal:
    user = await db[collections.USERS].find_one({"email": email})
    assert user is not None, email
    return Principal(id=user["_id"], role=Role(user["role"]), name=user["name"], email=email)


async def _until_applied(db: Database, action_id: str) -> dict[str, Any]:
    deadline = time.perf_counter() + APPLY_LIMIT_SECONDS
    while time.perf_counter() < deadline:
        action = await db[collections.BULK_ACTIONS].find_one({"_id": action_id})
        if action and action["phase"] in ("applied", "finished"):
            return action
        await asyncio.sleep(POLL_SECONDS)
    raise TimeoutError(f"the bulk action did not finish within {APPLY_LIMIT_SECONDS} s")


async def bulk_figures() -> dict[str, object]:
    async with private_stack(extra_env=FILING_ENV) as stack:
        settings = stack.settings
        mongo = create_mongo_client(settings)
        db = get_database(mongo, settings)
        try:
            key = await prepare_desk(db, settings)
            async with intake_client(settings, {"X-API-Key": key}, FILING_CONCURRENCY) as http:
                filer = Filer(http=http, tag="bulk", ids=[])
                await run_load(filer.file, count=2 * BULK_TICKETS, concurrency=FILING_CONCURRENCY)
            await wait_settled(db, filer.ids, limit=SETTLE_LIMIT_SECONDS)
            ids = sorted(filer.ids, key=filer.ids.index)
            subject_ids, baseline_ids = ids[:BULK_TICKETS], ids[BULK_TICKETS:]
            manager = await _person(db, "manager@example.com")
            agent = await _person(db, "agent3@example.com")
            headers = bearer(settings, manager)
            async with httpx.AsyncClient(
                base_url=settings.intake_url, headers=headers, timeout=60
            ) as http:
                started = time.perf_counter()
                answer = await http.post(
                    "/v1/bulk-actions",
                    json={
                        "kind": "assign",
                        "params": {"agent_id": agent.id},
                        "ticket_ids": subject_ids,
                    },
                )
                answer.raise_for_status()
                action = await _until_applied(db, answer.json()["id"])
                bulk_seconds = time.perf_counter() - started

                refused = 0
                started = time.perf_counter()
                for ticket_id in baseline_ids:
                    one = await http.post(
                        f"/v1/tickets/{ticket_id}/actions/assign", json={"agent_id": agent.id}
                    )
                    refused += one.status_code >= 300
                script_seconds = time.perf_counter() - started
        finally:
            await mongo.close()
    bulk_rate = BULK_TICKETS / bulk_seconds
    script_rate = BULK_TICKETS / script_seconds
    return {
        "tickets": BULK_TICKETS,
        "bulk_action": {
            "seconds": round(bulk_seconds, 2),
            "tickets_per_second": round(bulk_rate, 1),
            "tally": action["tally"],
        },
        "one_by_one_script": {
            "seconds": round(script_seconds, 2),
            "tickets_per_second": round(script_rate, 1),
            "refused": refused,
        },
        "speedup": round(bulk_rate / script_rate, 2),
    }
