"""Scale-out on one machine: one process of each kind against two, side by side in one run.

For each stack (devstack/scale.py: the embedded servers, then 1 or 2 processes each of
intake, knowledge, notify and the worker, and the router) a client system files the same
number of tickets through every intake process in turn, `CONCURRENCY` requests in flight,
and the run waits until the desk has settled them (assigned or queued, the automatic answer
decided, every notification delivered). Throughput is tickets per second from the first
request to the last ticket settled; the CPU seconds each process used say where the time
went. Then, on the two-copy stack, the load goes on while one copy of each kind is
SIGKILLed in turn, and the consistency checks run (every ticket and notification once, one
login budget, shared presence). Both stacks share this machine's two cores with the
embedded MongoDB (one Python process) and Temporal, so the gain is bounded by them.
Figures in bench/results/scale.json."""

import asyncio
import time
from collections import defaultdict
from typing import Any

from bench.common import cpu_seconds_of, write_result
from bench.filing import wait_settled
from devstack.scale import (
    Filer,
    ScaleStack,
    consistency_checks,
    kill_second_copies,
    scale_stack,
)

TICKETS = 400
WARMUP = 40
CONCURRENCY = 8
SETTLE_LIMIT_SECONDS = 600
SECONDS_BETWEEN_KILLS = 6.0
KILL_PHASE_TICKETS = 2_000  # the bound of the load during the kills


def _kind(name: str) -> str:
    return name.split("-")[0]


def _cpu(stack: ScaleStack) -> dict[str, float]:
    """CPU seconds each process of the stack has used so far."""
    return {p.spec.name: cpu_seconds_of(p.pid) for p in stack.supervisor.processes}


async def _throughput(stack: ScaleStack, copies: int) -> dict[str, Any]:
    warm = Filer(urls=stack.intake_urls, key=stack.key)
    await warm.run(asyncio.Event(), concurrency=CONCURRENCY, limit=WARMUP)
    await wait_settled(stack.db, warm.acknowledged, limit=SETTLE_LIMIT_SECONDS)
    await warm.close()

    filer = Filer(urls=stack.intake_urls, key=stack.key)
    before = _cpu(stack)
    started = time.perf_counter()
    filing_seconds = await filer.run(asyncio.Event(), concurrency=CONCURRENCY, limit=TICKETS)
    settled_at = await wait_settled(stack.db, filer.acknowledged, limit=SETTLE_LIMIT_SECONDS)
    seconds = settled_at - started
    after = _cpu(stack)
    await filer.close()
    by_process = {name: round(after[name] - before.get(name, 0.0), 2) for name in after}
    by_kind: dict[str, float] = defaultdict(float)
    for name, used in by_process.items():
        by_kind[_kind(name)] += used
    cpu_total = sum(by_process.values())
    print(f"{copies} cop{'y' if copies == 1 else 'ies'}: {TICKETS / seconds:.1f} tickets/s")
    return {
        "copies_of_each_process": copies,
        "tickets": TICKETS,
        "concurrency": CONCURRENCY,
        "filing_seconds": round(filing_seconds, 2),
        "accepted_per_second": round(TICKETS / filing_seconds, 1),
        "seconds_to_all_settled": round(seconds, 2),
        "settled_per_second": round(TICKETS / seconds, 1),
        "by_intake_process": dict(filer.by_intake),
        "cpu_seconds_by_kind": {k: round(v, 2) for k, v in sorted(by_kind.items())},
        "cpu_seconds_by_process": dict(sorted(by_process.items())),
        "cpu_share_of_two_cores": round(cpu_total / (2 * seconds), 2),
    }


async def _kill_phase(stack: ScaleStack) -> dict[str, Any]:
    filer = Filer(urls=stack.intake_urls, key=stack.key)
    stop = asyncio.Event()
    supervising_stop = asyncio.Event()
    supervising = asyncio.create_task(stack.supervisor.supervise(supervising_stop))
    load = asyncio.create_task(filer.run(stop, concurrency=CONCURRENCY, limit=KILL_PHASE_TICKETS))
    try:
        kills = await kill_second_copies(stack, between=SECONDS_BETWEEN_KILLS)
        await asyncio.sleep(SECONDS_BETWEEN_KILLS)
        stop.set()
        await load
        await wait_settled(stack.db, filer.acknowledged, limit=SETTLE_LIMIT_SECONDS)
        checks = await consistency_checks(stack, filer)
    finally:
        stop.set()
        supervising_stop.set()
        gave_up = await supervising
        await filer.close()
    return {
        "kills": kills,
        "tickets_acknowledged": len(filer.acknowledged),
        "clients_saw": dict(sorted(filer.seen.items())),
        "tickets_asked_again": filer.asked_again,
        "supervisor_gave_up_on": None if gave_up is None else gave_up.spec.name,
        "checks": checks,
        "all_held": gave_up is None
        and all(value is not False for value in checks.values())
        and all(kill["seconds_away"] is not None for kill in kills),
    }


async def main() -> dict[str, object]:
    runs = []
    kill_phase: dict[str, Any] = {}
    for copies in (1, 2):
        async with scale_stack(copies) as stack:
            runs.append(await _throughput(stack, copies))
            if copies == 2:
                kill_phase = await _kill_phase(stack)
    one, two = runs
    figures: dict[str, object] = {
        "description": __doc__.strip() if __doc__ else "",
        "baseline": one,
        "two_copies": two,
        "speedup_settled": round(two["settled_per_second"] / one["settled_per_second"], 2),
        "speedup_accepted": round(two["accepted_per_second"] / one["accepted_per_second"], 2),
        "kill_one_copy_of_each": kill_phase,
    }
    write_result("scale", figures)
    return figures
