"""`open_tickets`: many open tickets held by one worker.

OPEN_TICKETS tickets (default 10,000) are filed through intake, each by its own customer
with a bearer token, and left open; then the worker's resident memory is read, and an
update (an internal note) is sent to tickets filed first, long evicted from the worker's
workflow cache (cold: the worker replays the ticket's history before applying it).
Baseline in the same run: the same update on a ticket the worker has just touched (hot,
in cache).
"""

import asyncio
import os
import random
import time
import uuid

import httpx

from bench.common import customer_headers, percentiles, private_stack, run_load, write_result
from shared import collections
from shared.enums import Role, Visibility
from shared.mongo import create_mongo_client, get_database
from shared.temporal import connect_temporal
from shared.ticket_client import update_ticket
from shared.ticket_updates import ActingUser, AddMessageRequest, UpdateName

COUNT = int(os.environ.get("OPEN_TICKETS", "10000"))
SAMPLES = 200
CONCURRENCY = 20
SETTLE_LIMIT_SECONDS = 900
AGENT = ActingUser(id="bench-agent", role=Role.AGENT, name="bench")


async def main() -> dict[str, object]:
    async with private_stack() as stack:
        settings = stack.settings
        mongo = create_mongo_client(settings)
        db = get_database(mongo, settings)
        temporal = await connect_temporal(settings)
        ids: list[str] = []
        customers = customer_headers(settings, COUNT)
        async with httpx.AsyncClient(base_url=settings.intake_url, timeout=60) as http:

            async def file(index: int) -> None:
                response = await http.post(
                    "/v1/tickets",
                    headers=customers[index],
                    json={
                        "type": "product",
                        "category": "features",
                        "title": f"Question {index} {uuid.uuid4().hex[:6]}",
                        "description": "Does the plan include SSO?",
                    },
                )
                response.raise_for_status()
                ids.append(response.json()["id"])

            filing = await run_load(file, count=COUNT, concurrency=CONCURRENCY)
        # wait until every workflow has run its start (created + queued recorded)
        started = time.monotonic()
        tickets = db[collections.TICKETS]
        while time.monotonic() - started < SETTLE_LIMIT_SECONDS:
            settled = await tickets.count_documents({"last_event_seq": {"$gte": 1}})
            if settled >= COUNT:
                break
            await asyncio.sleep(5)
        settle_seconds = time.monotonic() - started
        await asyncio.sleep(5)
        rss_mib = stack.rss_mib("worker")

        note = 0

        async def add_note(ticket_id: str) -> None:
            nonlocal note
            note += 1
            request = AddMessageRequest(
                actor=AGENT, message_id=f"note-{note}", visibility=Visibility.INTERNAL
            )
            await update_ticket(temporal, ticket_id, UpdateName.ADD_MESSAGE, request)

        cold_ids = random.sample(ids[: COUNT // 2], SAMPLES)  # filed first: evicted long ago
        cold = await run_load(lambda i: add_note(cold_ids[i]), count=SAMPLES, concurrency=1)
        hot_id = ids[-1]
        await add_note(hot_id)
        hot = await run_load(lambda _: add_note(hot_id), count=SAMPLES, concurrency=1)
        await mongo.close()

    figures: dict[str, object] = {
        "description": __doc__.strip() if __doc__ else "",
        "open_tickets": COUNT,
        "filing_per_second": round(filing.per_second, 1),
        "seconds_until_all_started": round(settle_seconds, 1),
        "worker_rss_mib": round(rss_mib, 1),
        "subject": {"name": "update on an evicted ticket (cold), ms", **cold.summary()},
        "baseline": {"name": "update on a cached ticket (hot), ms", **hot.summary()},
        "ratio_latency_p50": round(
            cold.summary()["latency_ms_p50"] / hot.summary()["latency_ms_p50"], 2
        ),
        "goal": "worker RSS < 1024 MiB, cold update p50 < 100 ms",
        "latency_ms": {
            "cold": percentiles(cold.latencies_ms),
            "hot": percentiles(hot.latencies_ms),
        },
    }
    write_result("open_tickets", figures)
    return figures
