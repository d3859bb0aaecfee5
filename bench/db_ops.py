"""`db_ops`: how many MongoDB commands one ticket costs, from filing until the desk has
settled it (assigned or queued, automatic answer given, every notification sent), per
process and per step, counted with PyMongo's command monitoring (a count, not a timing).

COUNT tickets are filed through an API key, each for a new customer, every other one asking
what an FAQ article answers (so it gets an automatic reply), on the demo desk (four
frontline agents with 8 slots each: the first 32 are assigned, the rest queued). The
processes write their tallies (MONGO_COMMAND_TALLY_DIR); the figures are the commands sent
between the first filing and the moment nothing but the periodic pollers sends any more,
plus the next statistics refresh, divided by COUNT. Pollers that run on a clock whatever
is filed (the index syncer, the dispatcher's sweep, intake's sweeper, the outbox drain)
are reported per minute apart.

Baseline: the counts measured with the same benchmark before the reductions of
issue 13 (kept in the result file as `before`); `after` is this run.
"""

import asyncio
import json
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.common import RESULTS, private_stack, run_load, write_result
from bench.filing import FILING_ENV, Filer, intake_client, prepare_desk
from shared import collections
from shared.mongo import create_mongo_client, get_database

COUNT = 200
CONCURRENCY = 20
PERIODIC_STEPS = frozenset({"syncer", "dispatcher sweep", "sweeper", "outbox"})
QUIET_SECONDS = 4.0
LIMIT_SECONDS = 600

Counts = dict[tuple[str, str, str, str], int]  # process, step, command, collection


def read_tallies(directory: Path) -> Counts:
    counts: Counts = {}
    for path in directory.glob("*.json"):
        for row in json.loads(path.read_text(encoding="utf-8"))["commands"]:
            counts[(path.stem, row["step"], row["command"], row["collection"])] = row["count"]
    return counts


def difference(after: Counts, before: Counts) -> Counts:
    return {key: n - before.get(key, 0) for key, n in after.items() if n > before.get(key, 0)}


def per_ticket(counts: Counts, count: int) -> list[dict[str, Any]]:
    return [
        {
            "process": process,
            "step": step,
            "command": command,
            "collection": collection,
            "per_ticket": round(n / count, 3),
        }
        for (process, step, command, collection), n in sorted(counts.items())
        if step not in PERIODIC_STEPS
    ]


def totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    by_process: dict[str, float] = defaultdict(float)
    by_step: dict[str, float] = defaultdict(float)
    for row in rows:
        by_process[row["process"]] += row["per_ticket"]
        by_step[f"{row['process']}: {row['step']}"] += row["per_ticket"]
    return {
        "commands_per_ticket": round(sum(by_process.values()), 2),
        "by_process": {name: round(n, 2) for name, n in sorted(by_process.items())},
        "by_step": {name: round(n, 2) for name, n in sorted(by_step.items())},
    }


async def wait_quiet(directory: Path, db: Any) -> None:
    """Until no step but the pollers has sent a command for QUIET_SECONDS and no delivery
    is left to send."""
    last: Counts = {}
    quiet_since = time.perf_counter()
    deadline = time.perf_counter() + LIMIT_SECONDS
    while time.perf_counter() < deadline:
        await asyncio.sleep(1.0)
        now = {k: n for k, n in read_tallies(directory).items() if k[1] not in PERIODIC_STEPS}
        if now != last:
            last, quiet_since = now, time.perf_counter()
            continue
        pending = await db[collections.NOTIFICATION_DELIVERIES].find_one(
            {"status": {"$in": ["pending", "sending"]}}, projection={"_id": 1}
        )
        if pending is None and time.perf_counter() - quiet_since >= QUIET_SECONDS:
            return
    raise TimeoutError("the desk did not settle")


async def wait_stats_refresh(db: Any, after: float) -> None:
    """Until the statistics refresh has run once more since `after` (epoch seconds)."""
    for _ in range(int(LIMIT_SECONDS)):
        state = await db[collections.STATS_STATE].find_one({"_id": "ticket_stats"}) or {}
        watermark = state.get("watermark")
        if watermark is not None and watermark.timestamp() > after:
            return
        await asyncio.sleep(1.0)
    raise TimeoutError("no statistics refresh ran")


async def main() -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="helpdesk-db-ops-") as tally_dir:
        directory = Path(tally_dir)
        env = {**FILING_ENV, "MONGO_COMMAND_TALLY_DIR": tally_dir}
        async with private_stack(extra_env=env) as stack:
            mongo = create_mongo_client(stack.settings)
            db = get_database(mongo, stack.settings)
            key = await prepare_desk(db, stack.settings)
            await wait_quiet(directory, db)
            before = read_tallies(directory)
            started = time.perf_counter()
            async with intake_client(stack.settings, {"X-API-Key": key}, CONCURRENCY) as http:
                filer = Filer(http=http, tag="ops", ids=[])
                await run_load(filer.file, count=COUNT, concurrency=CONCURRENCY)
            await wait_quiet(directory, db)
            await wait_stats_refresh(db, after=time.time())
            await asyncio.sleep(1.5)  # the tallies are written every second
            seconds = time.perf_counter() - started
            counts = difference(read_tallies(directory), before)
            await mongo.close()

    rows = per_ticket(counts, COUNT)
    periodic = {
        f"{process}: {step}: {command} {collection}": round(n / seconds * 60, 1)
        for (process, step, command, collection), n in sorted(counts.items())
        if step in PERIODIC_STEPS
    }
    after = {**totals(rows), "commands": rows, "periodic_per_minute": periodic}
    previous_path = RESULTS / "db_ops.json"
    previous = json.loads(previous_path.read_text()) if previous_path.exists() else {}
    figures: dict[str, object] = {
        "description": __doc__.strip() if __doc__ else "",
        "tickets": COUNT,
        "concurrency": CONCURRENCY,
        "before": previous.get("before", after),
        "after": after,
    }
    before_total = figures["before"]["commands_per_ticket"]  # type: ignore[index]
    figures["ratio_commands_per_ticket"] = round(after["commands_per_ticket"] / before_total, 3)
    write_result("db_ops", figures)
    return figures
