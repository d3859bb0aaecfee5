"""Limits hold across processes: two intake processes on one database count one budget of
wrong passwords and one budget of requests per caller (each process alone would let
twice as many through); a burst that straddles two counting windows is counted whole."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from devstack.servers import free_port, start_all, stop_all
from devstack.stack import process_environment, services
from shared.errors import ApiError
from shared.mongo import Database
from shared.ratelimit import RateLimit
from shared.settings import Settings
from tests.conftest import REPO_ROOT, Servers
from tests.intake_support import bearer

WINDOW = 60  # seconds: both limits below count per minute


@pytest.fixture
async def two_intakes(
    servers: Servers, tmp_path: Path
) -> AsyncIterator[tuple[Settings, list[str]]]:
    settings = servers.settings(
        intake_url=f"http://127.0.0.1:{free_port()}",
        router_intake_urls=[f"http://127.0.0.1:{free_port()}"],
        login_attempts_per_minute=4,
        rate_limit_per_second=6 / WINDOW,
        rate_limit_burst=6,
    )
    specs = [
        spec
        for spec in services(settings, process_environment(settings))
        if spec.name.startswith("intake")
    ]
    assert len(specs) == 2
    processes = await start_all(specs, tmp_path / "log", REPO_ROOT)
    try:
        yield settings, [settings.intake_url, *settings.router_intake_urls]
    finally:
        stop_all(processes)


async def test_two_intake_processes_share_one_budget_of_wrong_passwords(
    two_intakes: tuple[Settings, list[str]],
) -> None:
    _, urls = two_intakes
    codes = []
    async with httpx.AsyncClient(timeout=10) as http:
        for attempt in range(8):
            response = await http.post(
                f"{urls[attempt % 2]}/v1/auth/token",
                data={"username": "mallory@example.com", "password": f"guess-{attempt}"},
            )
            codes.append(response.status_code)
        assert codes == [401] * 4 + [429] * 4
        assert int(response.headers["Retry-After"]) >= 1
        assert response.json()["error"]["code"] == "rate_limited"


async def test_two_intake_processes_share_one_budget_of_requests_per_caller(
    two_intakes: tuple[Settings, list[str]],
) -> None:
    settings, urls = two_intakes
    alice = bearer(settings)
    codes = []
    async with httpx.AsyncClient(timeout=10) as http:
        for attempt in range(10):
            response = await http.get(f"{urls[attempt % 2]}/v1/tickets", headers=alice)
            codes.append(response.status_code)
    assert codes == [200] * 6 + [429] * 4


async def test_a_burst_across_two_windows_is_counted_whole(db: Database) -> None:
    limit = RateLimit(db, name="test", limit=3, window=60)
    for _ in range(3):
        await limit.spend("mallory", now=119.5)  # the end of one window
    with pytest.raises(ApiError) as refused:
        await limit.ensure_available("mallory", now=120.5)  # the start of the next
    assert refused.value.status == 429
    # the previous window weighs less as the sliding window leaves it
    await limit.ensure_available("mallory", now=170.0)
    await limit.check("mallory", now=170.0)
    await limit.check("mallory", now=170.2)
    with pytest.raises(ApiError):
        await limit.check("mallory", now=170.5)
    await limit.ensure_available("someone-else", now=120.5)
