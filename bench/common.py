"""What every benchmark shares: a private stack on free ports, timing, result files."""

import asyncio
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from devstack.servers import free_port, start_all, stop_all
from devstack.stack import servers_on_free_ports, services, settings_environment, web_router
from shared.auth import Principal, issue_token
from shared.clock import utcnow
from shared.enums import Role
from shared.settings import DEV_JWT_SECRET, DEV_MEILI_MASTER_KEY, Environment, Settings

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Stack:
    settings: Settings
    env: dict[str, str]
    pids: dict[str, int]

    def cpu_seconds(self, name: str) -> float:
        """CPU time (user and system) one of the stack's processes has used so far."""
        return cpu_seconds_of(self.pids[name])

    def cpu_all(self) -> dict[str, float]:
        return {name: self.cpu_seconds(name) for name in self.pids}

    def rss_all(self) -> dict[str, float]:
        return {name: round(self.rss_mib(name), 1) for name in self.pids}

    def rss_mib(self, name: str) -> float:
        """Resident memory of one of the stack's processes, in MiB."""
        for line in Path(f"/proc/{self.pids[name]}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError(f"no VmRSS for {name}")


def cpu_seconds_of(pid: int) -> float:
    """CPU time (user and system) the process `pid` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@asynccontextmanager
async def private_stack(
    *,
    with_services: bool = True,
    with_router: bool = False,
    extra_env: dict[str, str] | None = None,
) -> AsyncIterator[Stack]:
    """Embedded servers (and the help desk's processes, with `extra_env` added to their
    environment, and the web app's router) on free ports in a temp dir."""
    with tempfile.TemporaryDirectory(prefix="helpdesk-bench-") as tmp:
        var = Path(tmp)
        ports, servers = servers_on_free_ports(var, DEV_MEILI_MASTER_KEY)
        intake_port, knowledge_port, notify_port = free_port(), free_port(), free_port()
        values = {
            **ports.settings_values(),
            "environment": Environment.TEST.value,
            "mongodb_db": "bench",
            "intake_url": f"http://127.0.0.1:{intake_port}",
            "knowledge_url": f"http://127.0.0.1:{knowledge_port}",
            "notify_url": f"http://127.0.0.1:{notify_port}",
            # pinned, so that the tokens the benchmark mints are the ones intake accepts
            # whatever JWT_SECRET the calling shell may have set
            "jwt_secret": DEV_JWT_SECRET,
            "web_url": f"http://127.0.0.1:{free_port()}",
            "web_dist_dir": str(REPO_ROOT / "web" / "dist"),
        }
        settings = Settings.model_validate(values)
        # the child processes read the same settings from their environment
        env = settings_environment(values) | (extra_env or {})
        apps = services(settings, env) if with_services else []
        if with_router:
            apps.append(web_router(settings, env))
        processes = await start_all(servers, var / "log", REPO_ROOT)
        try:
            processes += await start_all(apps, var / "log", REPO_ROOT)
            yield Stack(
                settings=settings,
                env={**os.environ, **env},
                pids={process.spec.name: process.pid for process in processes},
            )
        finally:
            stop_all(processes)


def bearer(settings: Settings, principal: Principal) -> dict[str, str]:
    """Headers of a caller with a valid token for `principal` (no login round trip)."""
    return {"Authorization": f"Bearer {issue_token(principal, settings=settings, now=utcnow())}"}


def customer_headers(settings: Settings, count: int, *, tag: str = "c") -> list[dict[str, str]]:
    """Bearer headers of `count` distinct customers (minted up front, outside any timing).

    One customer per ticket filed keeps what a benchmark measures free of what the product
    does per customer: its rate limit (20/s, bursts of 60), the merge of a customer's
    near-identical titles within a day, and the escalation of a customer's third ticket of
    a category within a week.
    """
    return [
        bearer(
            settings,
            Principal(
                id=f"bench-{tag}{index:06d}",
                role=Role.CUSTOMER,
                name=f"Bench customer {index}",
                email=f"bench-{tag}{index:06d}@example.com",
            ),
        )
        for index in range(count)
    ]


@dataclass(frozen=True)
class LoadResult:
    count: int
    seconds: float
    latencies_ms: list[float]

    @property
    def per_second(self) -> float:
        return self.count / self.seconds

    def summary(self) -> dict[str, float]:
        ordered = sorted(self.latencies_ms)

        def pct(share: float) -> float:
            return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 2)

        return {
            "count": self.count,
            "seconds": round(self.seconds, 3),
            "per_second": round(self.per_second, 1),
            "latency_ms_mean": round(statistics.fmean(ordered), 2),
            "latency_ms_p50": pct(0.50),
            "latency_ms_p95": pct(0.95),
            "latency_ms_p99": pct(0.99),
        }


def combined(results: list[LoadResult]) -> LoadResult:
    """Several rounds of one load as one: their counts, their seconds and every latency."""
    return LoadResult(
        count=sum(result.count for result in results),
        seconds=sum(result.seconds for result in results),
        latencies_ms=[latency for result in results for latency in result.latencies_ms],
    )


async def run_load(
    operation: Callable[[int], Awaitable[object]],
    *,
    count: int,
    concurrency: int,
    per_second: float | None = None,
) -> LoadResult:
    """Run `operation(i)` for i in range(count), `concurrency` at a time (bounded), and
    no faster than `per_second` operations a second when given."""
    next_index = iter(range(count))
    latencies: list[float] = []
    begin = time.perf_counter()

    async def lane() -> None:
        for index in next_index:
            if per_second is not None:
                await asyncio.sleep(max(0.0, begin + index / per_second - time.perf_counter()))
            started = time.perf_counter()
            await operation(index)
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(lane() for _ in range(concurrency)))
    return LoadResult(count=count, seconds=time.perf_counter() - started, latencies_ms=latencies)


async def run_for(
    operation: Callable[[int], Awaitable[object]], *, seconds: float, concurrency: int
) -> LoadResult:
    """Run `operation(0)`, `operation(1)`, ... `concurrency` at a time until `seconds` have
    passed (bounded: no operation starts after that)."""
    latencies: list[float] = []
    counter = iter(range(10**9))
    started = time.perf_counter()
    deadline = started + seconds

    async def lane() -> None:
        while time.perf_counter() < deadline:
            index = next(counter)
            begin = time.perf_counter()
            await operation(index)
            latencies.append((time.perf_counter() - begin) * 1000)

    await asyncio.gather(*(lane() for _ in range(concurrency)))
    return LoadResult(
        count=len(latencies), seconds=time.perf_counter() - started, latencies_ms=latencies
    )


def percentiles(values: list[float], digits: int = 1) -> dict[str, float]:
    """p50, p90, p99 and max of `values`."""
    ordered = sorted(values)

    def pct(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], digits)

    return {"p50": pct(0.5), "p90": pct(0.9), "p99": pct(0.99), "max": round(ordered[-1], digits)}


def write_result(name: str, figures: dict[str, Any]) -> Path:
    """Write bench/results/<name>.json with the machine it ran on."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    document = {
        "benchmark": name,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(terse=True),
        },
        **figures,
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
