"""An upload over the size limit, sent by a client that writes its whole body before it
reads (Python's urllib), gets a readable 413 over a real connection, with or without a
Content-Length; the connection was reset before, and the client never saw why."""

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from devstack.servers import free_port, start_all, stop_all
from devstack.stack import process_environment, services
from shared.settings import Settings
from tests.conftest import REPO_ROOT, Servers
from tests.intake_support import bearer

BOUNDARY = "limit-test"
SIZE = 11 * 1000 * 1000  # over the default 10 MiB limit


@pytest.fixture
async def intake(servers: Servers, tmp_path: Path) -> AsyncIterator[Settings]:
    settings = servers.settings(intake_url=f"http://127.0.0.1:{free_port()}")
    specs = [s for s in services(settings, process_environment(settings)) if s.name == "intake"]
    processes = await start_all(specs, tmp_path / "log", REPO_ROOT)
    try:
        yield settings
    finally:
        stop_all(processes)


def multipart_chunks() -> Iterator[bytes]:
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.log"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()
    chunk = b"a" * 100_000
    for _ in range(SIZE // len(chunk)):
        yield chunk
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def post(url: str, headers: dict[str, str], data: bytes | Iterator[bytes]) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - our URL
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


@pytest.mark.parametrize("with_length", [True, False], ids=["content-length", "chunked"])
async def test_a_streamed_upload_over_the_limit_reads_a_413(
    intake: Settings, with_length: bool
) -> None:
    headers = {
        **bearer(intake),
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
    }
    # bytes: urllib sends their length; an iterable: urllib sends it chunked
    data: bytes | Iterator[bytes] = (
        b"".join(multipart_chunks()) if with_length else multipart_chunks()
    )
    url = f"{intake.intake_url}/v1/attachments"
    status, body = await asyncio.to_thread(post, url, headers, data)
    assert status == 413
    assert body["error"]["code"] == "attachment_too_large"
    assert body["error"]["details"] == {"max_bytes": intake.attachment_max_bytes}
