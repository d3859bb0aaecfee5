"""Uploads not attached to anything: a quota per user, and removal a day after upload by
the worker's hourly schedule."""

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from temporalio.client import Client
from temporalio.worker import Worker

from services.intake.attachments.service import link_attachments, store_attachment
from services.workflows.housekeeping import (
    CLEANUP_EVERY,
    UnlinkedUploadsCleanupWorkflow,
    cleanup_schedule_id,
    ensure_cleanup_schedule,
)
from shared import collections
from shared.auth import Principal
from shared.clock import utcnow
from shared.enums import Role
from shared.mongo import Database
from shared.settings import Settings
from tests.conftest import Servers
from tests.intake_support import Api, api_with


@pytest.fixture
async def quota_api(servers: Servers) -> AsyncIterator[Api]:
    async for running in api_with(
        servers, attachment_unlinked_max_files=2, attachment_unlinked_max_bytes=50
    ):
        yield running


async def upload(api: Api, who: str, content: bytes) -> tuple[int, dict[str, object]]:
    files = {"file": ("note.txt", content, "text/plain")}
    response = await api.call(who, "POST", "/v1/attachments", files=files)
    return response.status_code, response.json()


async def test_unlinked_uploads_have_a_quota_per_user(quota_api: Api) -> None:
    first = await upload(quota_api, "alice", b"one")
    second = await upload(quota_api, "alice", b"two")
    assert (first[0], second[0]) == (201, 201)
    status, body = await upload(quota_api, "alice", b"three")
    assert status == 409
    error = body["error"]
    assert isinstance(error, dict)
    assert error["code"] == "upload_quota_exceeded"
    assert error["details"] == {
        "unlinked_files": 2,
        "unlinked_bytes": 6,
        "max_files": 2,
        "max_bytes": 50,
    }
    # someone else's quota is their own
    assert (await upload(quota_api, "bob", b"bob's"))[0] == 201
    # once one is attached to a ticket, there is room again
    ticket = await quota_api.file("alice", attachment_ids=[first[1]["id"]])
    assert ticket["id"]
    assert (await upload(quota_api, "alice", b"three"))[0] == 201
    # and the bytes count too
    status, body = await upload(quota_api, "bob", b"x" * 46)
    assert status == 409


async def test_uploads_unlinked_for_a_day_are_removed(
    db: Database, temporal: Client, worker: Worker, settings: Settings
) -> None:
    alice = Principal(id="alice-id", role=Role.CUSTOMER)
    now = utcnow()

    async def stored(age: timedelta) -> str:
        document = await store_attachment(
            db=db,
            content=b"x" * 300_000,  # two chunks
            filename="a.txt",
            content_type="text/plain",
            principal=alice,
            now=now - age,
        )
        return str(document["_id"])

    stale = await stored(timedelta(days=1, minutes=5))
    attached = await stored(timedelta(days=3))
    await link_attachments(db=db, attachment_ids=[attached], principal=alice, ticket_id="t-1")
    fresh = await stored(timedelta(hours=23))

    removed = await temporal.execute_workflow(
        UnlinkedUploadsCleanupWorkflow.run,
        id=f"cleanup-{uuid.uuid4().hex[:8]}",
        task_queue=settings.temporal_task_queue,
    )
    assert removed == 1
    files = db[f"{collections.ATTACHMENTS_BUCKET}.files"]
    chunks = db[f"{collections.ATTACHMENTS_BUCKET}.chunks"]
    kept = {str(document["_id"]) async for document in files.find({}, projection={"_id": 1})}
    assert stale not in kept
    assert kept == {attached, fresh}
    remaining = {str(document["files_id"]) async for document in chunks.find({})}
    assert remaining == {attached, fresh}


async def test_the_worker_keeps_an_hourly_cleanup_schedule(
    temporal: Client, settings: Settings
) -> None:
    await ensure_cleanup_schedule(temporal, settings.temporal_task_queue)
    await ensure_cleanup_schedule(temporal, settings.temporal_task_queue)  # idempotent
    handle = temporal.get_schedule_handle(cleanup_schedule_id(settings.temporal_task_queue))
    try:
        described = await handle.describe()
        assert [spec.every for spec in described.schedule.spec.intervals] == [CLEANUP_EVERY]
    finally:
        await handle.delete()
