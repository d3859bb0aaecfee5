"""Attachments (SPEC A2, F1): upload, type told by content, size limit, who may download."""

import hashlib
import io
import os
import zipfile
from collections.abc import AsyncIterator
from urllib.parse import unquote

import httpx
import pytest
from bson import ObjectId

from services.intake.attachments.names import sanitize_filename
from services.intake.attachments.service import ensure_indexes, link_attachments
from services.intake.attachments.sniff import sniff_content_type
from services.intake.main import LINGER_MAX_BYTES
from shared import collections
from shared.auth import Principal
from shared.enums import Role
from shared.refusals import Invalid
from tests.conftest import Servers
from tests.intake_support import NEW_TICKET, Api, api_with

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + os.urandom(64)
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(56)
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(48)
SMALL_LIMIT = 1024


@pytest.fixture
async def small_api(servers: Servers) -> AsyncIterator[Api]:
    """The intake API allowing attachments of at most SMALL_LIMIT bytes."""
    async for running in api_with(servers, attachment_max_bytes=SMALL_LIMIT):
        yield running


async def upload(
    api: Api, who: str, filename: str, content: bytes, content_type: str = "text/plain"
) -> httpx.Response:
    files = {"file": (filename, content, content_type)}
    return await api.call(who, "POST", "/v1/attachments", files=files)


async def uploaded(api: Api, who: str, filename: str, content: bytes) -> str:
    response = await upload(api, who, filename, content)
    assert response.status_code == 201, response.text
    attachment_id: str = response.json()["id"]
    return attachment_id


async def download(api: Api, who: str, attachment_id: str) -> httpx.Response:
    return await api.call(who, "GET", f"/v1/attachments/{attachment_id}")


def error_of(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def principal(api: Api, name: str, role: Role = Role.CUSTOMER) -> Principal:
    return Principal(id=api.ids[name], role=role)


async def test_upload_and_download_round_trip_keeps_bytes_and_chinese_name(api: Api) -> None:
    content = PNG + os.urandom(600_000)  # several GridFS chunks
    response = await upload(api, "alice", "登录失败 截图.png", content, "application/x-weird")
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"id", "filename", "content_type", "size", "sha256", "created_at"}
    assert body["filename"] == "登录失败 截图.png"
    assert body["content_type"] == "image/png"
    assert body["size"] == len(content)
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["created_at"].endswith("Z")

    got = await download(api, "alice", body["id"])
    assert got.status_code == 200
    assert got.content == content
    assert got.headers["content-type"] == "image/png"
    assert got.headers["content-length"] == str(len(content))
    assert got.headers["x-content-type-options"] == "nosniff"
    disposition = got.headers["content-disposition"]
    assert disposition.startswith("attachment; filename*=UTF-8''")
    assert disposition.isascii()
    assert unquote(disposition.split("''", 1)[1]) == "登录失败 截图.png"

    stored = await api.db[f"{collections.ATTACHMENTS_BUCKET}.files"].find_one(
        {"_id": ObjectId(body["id"])}
    )
    assert stored is not None
    metadata = stored["metadata"]
    assert metadata["uploaded_by"] == api.ids["alice"]
    assert metadata["uploader_role"] == "customer"
    assert metadata["ticket_id"] is None
    audit = await api.db[collections.AUDIT_LOG].find_one({"route": "/v1/attachments"})
    assert audit is not None
    assert audit["details"] == {"attachment_id": body["id"], "size": len(content)}


async def test_plain_text_is_accepted_as_utf8_text(api: Api) -> None:
    response = await upload(api, "agent1", "服务日志.log", "2024-05-01 连接超时\n".encode())
    assert response.status_code == 201, response.text
    assert response.json()["content_type"] == "text/plain; charset=utf-8"
    got = await download(api, "agent1", response.json()["id"])
    assert got.headers["content-type"] == "text/plain; charset=utf-8"
    assert got.text == "2024-05-01 连接超时\n"


async def test_type_is_told_by_content_not_by_name_or_client(api: Api) -> None:
    response = await upload(api, "alice", "notes.txt", PNG, "text/plain")
    assert response.status_code == 201, response.text
    assert response.json()["content_type"] == "image/png"
    assert response.json()["filename"] == "notes.txt"
    got = await download(api, "alice", response.json()["id"])
    assert got.headers["content-type"] == "image/png"


@pytest.mark.parametrize(
    "content",
    [
        ELF,
        PE,
        b"<!DOCTYPE html><html><script>alert(1)</script></html>",
        b"  <html><body onload=alert(1)>",
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script/></svg>',
        b'\xef\xbb\xbf<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b"caf\xe9 is latin-1, not UTF-8",
        b"text with a \x00 NUL byte",
    ],
)
async def test_executables_markup_and_binary_junk_are_refused(api: Api, content: bytes) -> None:
    response = await upload(api, "alice", "photo.png", content, "image/png")
    assert error_of(response) == (415, "unsupported_attachment_type")


async def test_empty_file_is_refused(api: Api) -> None:
    response = await upload(api, "alice", "empty.txt", b"")
    assert error_of(response) == (422, "empty_attachment")


def _zip(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


def _odf(media_type: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", media_type, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", "<x/>", compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"GIF89a\x01\x00\x01\x00", "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "application/pdf"),
        (_zip(["a.txt", "b/c.csv"]), "application/zip"),
        (b"PK\x03\x04 truncated", "application/zip"),
        (
            _zip(["[Content_Types].xml", "_rels/.rels", "word/document.xml"]),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            _zip(["[Content_Types].xml", "xl/workbook.xml"]),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            _odf("application/vnd.oasis.opendocument.text"),
            "application/vnd.oasis.opendocument.text",
        ),
        (b"id,name\n1,\xe5\xbc\xa0\xe4\xb8\x89\n", "text/plain; charset=utf-8"),
        (b"<34>Oct 11 22:14:15 host app: started", "text/plain; charset=utf-8"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", None),
    ],
)
def test_sniffing_recognises_the_accepted_formats(content: bytes, expected: str | None) -> None:
    assert sniff_content_type(content) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\win.ini", "win.ini"),
        ("C:\\Users\\alice\\报告.pdf", "报告.pdf"),
        (".htaccess", "htaccess"),
        ("...", "attachment"),
        ("", "attachment"),
        (None, "attachment"),
        ("a\x00b\r\nc\x1b.txt", "abc.txt"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),
        ("x" * 300 + ".jpeg", "x" * 145 + ".jpeg"),
        ("长" * 200, "长" * 150),
    ],
)
def test_file_names_are_sanitised(raw: str | None, expected: str) -> None:
    assert sanitize_filename(raw) == expected


async def test_path_traversal_name_is_stored_sanitised(api: Api) -> None:
    response = await upload(api, "alice", "../../../etc/.passwd", b"root:x:0:0")
    assert response.status_code == 201, response.text
    assert response.json()["filename"] == "passwd"
    got = await download(api, "alice", response.json()["id"])
    assert got.headers["content-disposition"] == "attachment; filename*=UTF-8''passwd"


async def test_attachments_need_authentication(api: Api) -> None:
    attachment_id = await uploaded(api, "alice", "a.txt", b"hello")
    files = {"file": ("a.txt", b"hello", "text/plain")}
    anonymous_upload = await api.client.post("/v1/attachments", files=files)
    assert error_of(anonymous_upload) == (401, "not_authenticated")
    anonymous_download = await api.client.get(f"/v1/attachments/{attachment_id}")
    assert error_of(anonymous_download) == (401, "not_authenticated")


async def test_unlinked_attachment_is_only_for_its_uploader(api: Api) -> None:
    attachment_id = await uploaded(api, "alice", "a.txt", b"hello")
    assert (await download(api, "alice", attachment_id)).status_code == 200
    for other in ("bob", "agent1", "admin"):
        assert error_of(await download(api, other, attachment_id)) == (404, "attachment_not_found")
    for missing in (str(ObjectId()), "not-an-id"):
        assert error_of(await download(api, "alice", missing)) == (404, "attachment_not_found")


async def test_request_must_be_multipart_with_a_file_field(api: Api) -> None:
    not_multipart = await api.call("alice", "POST", "/v1/attachments", json={"file": "x"})
    assert error_of(not_multipart) == (400, "invalid_multipart")
    wrong_field = await api.call(
        "alice", "POST", "/v1/attachments", files={"upload": ("a.txt", b"hi", "text/plain")}
    )
    assert error_of(wrong_field) == (422, "validation_error")
    assert wrong_field.json()["error"]["details"]["fields"][0]["location"] == ["body", "file"]
    boundary = "xyz"
    truncated = await api.call(
        "alice",
        "POST",
        "/v1/attachments",
        content=b'--xyz\r\nContent-Disposition: form-data; name="file"\r\n\r\nhalf a fi',
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert error_of(truncated) == (400, "invalid_multipart")


async def test_size_limit_is_inclusive_and_answered_413(small_api: Api) -> None:
    at_limit = await upload(small_api, "alice", "a.txt", b"a" * SMALL_LIMIT)
    assert at_limit.status_code == 201, at_limit.text
    over = await upload(small_api, "alice", "a.txt", b"a" * (SMALL_LIMIT + 1))
    assert error_of(over) == (413, "attachment_too_large")
    assert over.json()["error"]["details"] == {"max_bytes": SMALL_LIMIT}


def _streamed_upload(chunks: int) -> tuple[AsyncIterator[bytes], list[int]]:
    """A multipart body of `chunks` KiB of text, sent chunk by chunk; counts chunks pulled."""
    pulled = [0]

    async def body() -> AsyncIterator[bytes]:
        yield b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.log"\r\n\r\n'
        for _ in range(chunks):
            pulled[0] += 1
            yield b"a" * 1024
        yield b"\r\n--xyz--\r\n"

    return body(), pulled


async def test_an_upload_past_the_limit_is_refused_and_its_rest_dropped(small_api: Api) -> None:
    body, pulled = _streamed_upload(chunks=1000)  # no Content-Length: sent chunked
    response = await small_api.call(
        "alice",
        "POST",
        "/v1/attachments",
        content=body,
        headers={"Content-Type": "multipart/form-data; boundary=xyz"},
    )
    assert error_of(response) == (413, "attachment_too_large")
    # the rest was read and dropped (so the client could read the answer), not kept
    assert pulled[0] == 1000
    assert await small_api.db[f"{collections.ATTACHMENTS_BUCKET}.chunks"].count_documents({}) == 0


async def test_a_too_large_content_length_is_refused_before_reading(small_api: Api) -> None:
    body, pulled = _streamed_upload(chunks=1000)
    response = await small_api.call(
        "alice",
        "POST",
        "/v1/attachments",
        content=body,
        headers={
            "Content-Type": "multipart/form-data; boundary=xyz",
            "Content-Length": str(1000 * 1024 + 200),
        },
    )
    assert error_of(response) == (413, "attachment_too_large")
    assert await small_api.db[f"{collections.ATTACHMENTS_BUCKET}.files"].count_documents({}) == 0
    # a body declared larger than is worth waiting for is not read at all
    body, pulled = _streamed_upload(chunks=1000)
    response = await small_api.call(
        "alice",
        "POST",
        "/v1/attachments",
        content=body,
        headers={
            "Content-Type": "multipart/form-data; boundary=xyz",
            "Content-Length": str(LINGER_MAX_BYTES + 1),
        },
    )
    assert error_of(response) == (413, "attachment_too_large")
    assert pulled[0] == 0


async def test_link_attachments_links_own_uploads_idempotently(api: Api) -> None:
    first = await uploaded(api, "alice", "a.txt", b"one")
    second = await uploaded(api, "alice", "b.txt", b"two")
    ticket_id = str(ObjectId())
    alice = principal(api, "alice")
    for _ in range(2):  # a retry changes nothing
        await link_attachments(
            db=api.db, attachment_ids=[first, second, first], principal=alice, ticket_id=ticket_id
        )
    files = api.db[f"{collections.ATTACHMENTS_BUCKET}.files"]
    linked = [document async for document in files.find({"metadata.ticket_id": ticket_id})]
    assert sorted(str(document["_id"]) for document in linked) == sorted([first, second])
    await link_attachments(db=api.db, attachment_ids=[], principal=alice, ticket_id=ticket_id)


async def test_link_attachments_refuses_bad_ids_and_changes_nothing(api: Api) -> None:
    mine = await uploaded(api, "alice", "mine.txt", b"mine")
    bobs = await uploaded(api, "bob", "bobs.txt", b"bob's")
    elsewhere = await uploaded(api, "alice", "elsewhere.txt", b"elsewhere")
    alice = principal(api, "alice")
    await link_attachments(
        db=api.db, attachment_ids=[elsewhere], principal=alice, ticket_id="other-ticket"
    )
    unknown = str(ObjectId())
    with pytest.raises(Invalid) as refused:
        await link_attachments(
            db=api.db,
            attachment_ids=[mine, bobs, unknown, "not-an-id", elsewhere, ""],
            principal=alice,
            ticket_id="t-1",
        )
    assert refused.value.code == "unknown_attachment"
    assert refused.value.details == {"attachment_ids": [bobs, unknown, "not-an-id", elsewhere, ""]}
    stored = await api.db[f"{collections.ATTACHMENTS_BUCKET}.files"].find_one(
        {"_id": ObjectId(mine)}
    )
    assert stored is not None
    assert stored["metadata"]["ticket_id"] is None  # all or nothing
    # Staff cannot link a customer's upload either: only its uploader can.
    with pytest.raises(Invalid):
        await link_attachments(
            db=api.db,
            attachment_ids=[mine],
            principal=principal(api, "agent1", Role.AGENT),
            ticket_id="t-1",
        )


async def test_linked_attachment_follows_who_may_see_the_ticket(api: Api) -> None:
    attachment_id = await uploaded(api, "alice", "screenshot.png", PNG)
    ticket_id = str(ObjectId())
    await api.db[collections.TICKETS].insert_one(
        {
            "_id": ticket_id,
            "submitter": {"id": api.ids["alice"], "name": "Alice", "email": "alice@example.com"},
            "group": "frontline",
            "collaborator_groups": [],
            "assignee": None,
        }
    )
    await link_attachments(
        db=api.db,
        attachment_ids=[attachment_id],
        principal=principal(api, "alice"),
        ticket_id=ticket_id,
    )
    for allowed in ("alice", "agent1", "agent2", "manager", "admin"):
        got = await download(api, allowed, attachment_id)
        assert got.status_code == 200, allowed
        assert got.content == PNG
    for denied in ("bob", "senior", "tech"):
        got = await download(api, denied, attachment_id)
        assert error_of(got) == (404, "attachment_not_found"), denied
    await api.db[collections.TICKETS].update_one(
        {"_id": ticket_id}, {"$set": {"collaborator_groups": ["senior_support"]}}
    )
    assert (await download(api, "senior", attachment_id)).status_code == 200


async def test_attachment_of_a_vanished_ticket_is_shown_to_no_one(api: Api) -> None:
    attachment_id = await uploaded(api, "alice", "a.txt", b"hello")
    await link_attachments(
        db=api.db,
        attachment_ids=[attachment_id],
        principal=principal(api, "alice"),
        ticket_id="no-such-ticket",
    )
    for who in ("alice", "admin"):
        assert error_of(await download(api, who, attachment_id)) == (404, "attachment_not_found")


async def test_attachments_of_a_filed_ticket_are_linked_to_it(api: Api) -> None:
    attachment_id = await uploaded(api, "alice", "screenshot.png", PNG)
    ticket = await api.file("alice", attachment_ids=[attachment_id])
    assert ticket["attachment_ids"] == [attachment_id]
    assert (await download(api, "agent1", attachment_id)).status_code == 200
    assert error_of(await download(api, "bob", attachment_id)) == (404, "attachment_not_found")
    reused = await api.call(
        "alice", "POST", "/v1/tickets", json={**NEW_TICKET, "attachment_ids": [attachment_id]}
    )
    assert error_of(reused) == (422, "unknown_attachment")


async def test_ensure_indexes_is_idempotent(api: Api) -> None:
    for _ in range(2):
        await ensure_indexes(db=api.db)
    files = api.db[f"{collections.ATTACHMENTS_BUCKET}.files"]
    assert "ticket_id" in await files.index_information()


async def test_a_ticket_names_its_shown_attachments_and_no_others(api: Api) -> None:
    shown = await uploaded(api, "alice", "截图.png", PNG)
    ticket = await api.file("alice", attachment_ids=[shown])
    # Linked to the ticket but in no message the reader sees (as an internal note's is).
    unseen = await uploaded(api, "agent1", "notes.txt", b"internal")
    await link_attachments(
        db=api.db,
        attachment_ids=[unseen],
        principal=principal(api, "agent1", Role.AGENT),
        ticket_id=ticket["id"],
    )
    for reader in ("alice", "agent1"):
        detail = (await api.call(reader, "GET", f"/v1/tickets/{ticket['id']}")).json()
        assert [
            (a["id"], a["filename"], a["content_type"], a["size"]) for a in detail["attachments"]
        ] == [(shown, "截图.png", "image/png", len(PNG))], reader
