"""Attachment repository of intake: files in the GridFS bucket `attachments`, their metadata
(uploader, sniffed type, size, sha256, ticket) in its files collection."""

import hashlib
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from bson import Binary, ObjectId
from gridfs import DEFAULT_CHUNK_SIZE, AsyncGridFSBucket
from pymongo import ASCENDING

from services.intake.attachments.sniff import sniff_content_type
from services.intake.tickets import service as tickets_service
from shared import collections
from shared.attachments import chunks as _chunks
from shared.attachments import files as _files
from shared.auth import Principal
from shared.mongo import Database, Document
from shared.refusals import Conflict, Invalid, NotFound, Refusal, UnsupportedMedia


def _bucket(db: Database) -> AsyncGridFSBucket:
    # The bucket takes the database's write concern: journaled.
    return AsyncGridFSBucket(db, bucket_name=collections.ATTACHMENTS_BUCKET)


def _object_id(attachment_id: str) -> ObjectId | None:
    return ObjectId(attachment_id) if ObjectId.is_valid(attachment_id) else None


def not_found(attachment_id: str) -> Refusal:
    return NotFound("attachment_not_found", f"No attachment with id '{attachment_id}'.")


async def ensure_indexes(*, db: Database) -> None:
    """The indexes GridFS reads by (uploads do not create them: see `store_attachment`) and
    that of the attachments of a ticket (idempotent)."""
    await _files(db).create_index([("filename", ASCENDING), ("uploadDate", ASCENDING)])
    await _chunks(db).create_index([("files_id", ASCENDING), ("n", ASCENDING)], unique=True)
    await _files(db).create_index([("metadata.ticket_id", ASCENDING)], name="ticket_id")
    await _files(db).create_index(
        [("metadata.uploaded_by", ASCENDING), ("metadata.ticket_id", ASCENDING)],
        name="uploader_unlinked",
    )


def check_content(*, content: bytes) -> str:
    """The sniffed media type of an upload; 422 `empty_attachment`, 415 if not accepted."""
    if not content:
        raise Invalid("empty_attachment", "The file is empty.")
    media_type = sniff_content_type(content)
    if media_type is None:
        raise UnsupportedMedia(
            "unsupported_attachment_type",
            "Attach images (PNG, JPEG, GIF, WebP), PDF, zip or office documents, "
            "or plain UTF-8 text.",
        )
    return media_type


async def check_unlinked_quota(
    *, db: Database, principal: Principal, size: int, max_files: int, max_bytes: int
) -> None:
    """409 `upload_quota_exceeded` when one more upload of `size` bytes would take the
    caller's uploads not yet attached to anything past `max_files` or `max_bytes`. (Two
    uploads at the same moment may both pass: the quota bounds waste, not a budget.)"""
    unlinked = _files(db).find(
        {"metadata.uploaded_by": principal.id, "metadata.ticket_id": None},
        projection={"length": 1},
        limit=max_files + 1,
    )
    sizes = [int(document["length"]) async for document in unlinked]
    if len(sizes) + 1 > max_files or sum(sizes) + size > max_bytes:
        raise Conflict(
            "upload_quota_exceeded",
            "Too many uploads not attached to a ticket or message yet: attach them, or "
            "wait until they are removed a day after their upload.",
            {
                "unlinked_files": len(sizes),
                "unlinked_bytes": sum(sizes),
                "max_files": max_files,
                "max_bytes": max_bytes,
            },
        )


async def store_attachment(
    *,
    db: Database,
    content: bytes,
    filename: str,
    content_type: str,
    principal: Principal,
    now: datetime,
) -> Document:
    """Store an upload, not linked to any ticket yet; its `_id` and `metadata`."""
    metadata: Document = {
        "filename": filename,
        "content_type": content_type,
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "uploaded_by": principal.id,
        "uploader_role": principal.role.value,
        "created_at": now,
        "ticket_id": None,
    }
    # Written in GridFS's format, as its upload would (chunks, then the file document that
    # makes them a file), but not by it: before every upload PyMongo's GridFS asks each of
    # its collections for any one document, to create its indexes on first use, and
    # SecantusDB reads a whole collection for a filter-less query, so each upload read
    # every stored chunk. The bucket reads them back (`read_content`).
    file_id = ObjectId()
    size = DEFAULT_CHUNK_SIZE
    await _chunks(db).insert_many(
        [
            {"files_id": file_id, "n": n, "data": Binary(content[start : start + size])}
            for n, start in enumerate(range(0, len(content), size))
        ]
    )
    await _files(db).insert_one(
        {
            "_id": file_id,
            "length": len(content),
            "chunkSize": size,
            "uploadDate": now,
            "filename": filename,
            "metadata": metadata,
        }
    )
    return {"_id": file_id, "metadata": metadata}


async def find_attachment(*, db: Database, attachment_id: str) -> Document | None:
    """A stored attachment (GridFS file document) by id; None if unknown or not an id."""
    file_id = _object_id(attachment_id)
    return None if file_id is None else await _files(db).find_one({"_id": file_id})


async def ticket_attachments(
    *, db: Database, ticket_id: str, attachment_ids: set[str]
) -> list[Document]:
    """The files linked to `ticket_id` among `attachment_ids` (those its reader may see: an
    internal note's are not a customer's), in one read by the ticket index."""
    cursor = _files(db).find({"metadata.ticket_id": ticket_id}, projection={"metadata": 1})
    return [document async for document in cursor if str(document["_id"]) in attachment_ids]


async def linked_ticket(*, db: Database, attachment: Document) -> Document | None:
    """The ticket the attachment is linked to; None if unlinked or the ticket is gone."""
    ticket_id = attachment["metadata"].get("ticket_id")
    if ticket_id is None:
        return None
    return await tickets_service.find_ticket(db=db, ticket_id=ticket_id)


async def read_content(*, db: Database, attachment: Document) -> AsyncIterator[bytes]:
    """The stored bytes of an attachment, chunk by chunk."""
    stream = await _bucket(db).open_download_stream(attachment["_id"])
    try:
        while chunk := await stream.readchunk():
            yield chunk
    finally:
        await stream.close()


def _linkable(attachment_ids: list[str], principal: Principal) -> tuple[dict[str, Any], Any]:
    wanted = {raw: _object_id(raw) for raw in dict.fromkeys(attachment_ids)}
    linkable = {
        "_id": {"$in": [file_id for file_id in wanted.values() if file_id is not None]},
        "metadata.uploaded_by": principal.id,
    }
    return wanted, linkable


async def check_attachments(
    *, db: Database, attachment_ids: list[str], principal: Principal, ticket_id: str
) -> None:
    """422 `unknown_attachment` naming the ids that do not exist, are someone else's or are
    linked to another ticket; changes nothing."""
    wanted, linkable = _linkable(attachment_ids, principal)
    found = _files(db).find(
        {**linkable, "metadata.ticket_id": {"$in": [None, ticket_id]}}, projection={"_id": 1}
    )
    ok = {document["_id"] async for document in found}
    bad = [raw for raw, file_id in wanted.items() if file_id not in ok]
    if bad:
        raise Invalid(
            "unknown_attachment",
            "Some attachments do not exist, belong to someone else or are on another ticket.",
            {"attachment_ids": bad},
        )


async def link_attachments(
    *,
    db: Database,
    attachment_ids: list[str],
    principal: Principal,
    ticket_id: str,
    internal: bool = False,
) -> None:
    """Link the caller's own uploads to a ticket, all or none (see `check_attachments`).
    Files of an internal note (`internal`) are for staff only."""
    await check_attachments(
        db=db, attachment_ids=attachment_ids, principal=principal, ticket_id=ticket_id
    )
    _, linkable = _linkable(attachment_ids, principal)
    # `ticket_id: None` again: a concurrent link to another ticket is never overwritten.
    await _files(db).update_many(
        {**linkable, "metadata.ticket_id": None},
        {"$set": {"metadata.ticket_id": ticket_id, "metadata.internal": internal}},
    )
