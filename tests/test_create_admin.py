"""The first admin of a production desk is created from the command line, then logs in."""

import asyncio
import os
import subprocess
import sys

from shared import collections
from shared.mongo import Database
from shared.settings import Settings
from tests.conftest import REPO_ROOT
from tests.intake_support import running_api


def _run(settings: Settings, *args: str, password: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "MONGODB_URL": settings.mongodb_url,
        "MONGODB_DB": settings.mongodb_db,
        "ENVIRONMENT": "test",
    }
    return subprocess.run(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "services.intake.create_admin", *args],
        input=password + "\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=60,
        check=False,
    )


async def test_create_admin_then_log_in(settings: Settings, db: Database) -> None:
    done = await asyncio.to_thread(
        _run, settings, "boss@company.example", "Boss", password="a long passphrase"
    )
    assert done.returncode == 0, done.stderr
    stored = await db[collections.USERS].find_one({"email": "boss@company.example"})
    assert stored is not None
    assert stored["role"] == "admin"
    again = await asyncio.to_thread(
        _run, settings, "boss@company.example", "Boss", password="a long passphrase"
    )
    assert again.returncode != 0
    assert "e-mail" in again.stderr
    async for api in running_api(settings, db):
        response = await api.client.post(
            "/v1/auth/token",
            data={"username": "boss@company.example", "password": "a long passphrase"},
        )
        assert response.status_code == 200, response.text
        assert response.json()["role"] == "admin"
