"""Where uploads are kept: the GridFS bucket `attachments` (its files collection holds each
upload's metadata: uploader, sniffed type, size, sha256, ticket). Intake stores and serves
them (services/intake/attachments/); the worker's housekeeping removes those never
attached (services/workflows/housekeeping.py)."""

from datetime import datetime

from shared import collections
from shared.mongo import Collection, Database


def files(db: Database) -> Collection:
    return db[f"{collections.ATTACHMENTS_BUCKET}.files"]


def chunks(db: Database) -> Collection:
    return db[f"{collections.ATTACHMENTS_BUCKET}.chunks"]


async def remove_unlinked(*, db: Database, uploaded_before: datetime, batch: int = 500) -> int:
    """Remove up to `batch` uploads never attached to anything and uploaded before
    `uploaded_before`; how many were removed. Each file document goes first, and only while
    it is still unlinked (one attached meanwhile stays whole), then its chunks: a crash
    between the two leaves chunks no file names, never a file without its content."""
    stale = files(db).find(
        {"metadata.ticket_id": None, "uploadDate": {"$lt": uploaded_before}},
        projection={"_id": 1},
        limit=batch,
    )
    removed = 0
    for file_id in [document["_id"] async for document in stale]:
        gone = await files(db).find_one_and_delete(
            {"_id": file_id, "metadata.ticket_id": None}, projection={"_id": 1}
        )
        if gone is not None:
            await chunks(db).delete_many({"files_id": file_id})
            removed += 1
    return removed
