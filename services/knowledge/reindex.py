"""Rebuild the search indexes from MongoDB: `python -m services.knowledge.reindex`.

Each index is built beside the live one and swapped in when complete, so search keeps
answering from the old index while the new one fills.
"""

import asyncio
import sys
from collections.abc import Callable

from services.knowledge import indexing
from services.knowledge.library import LIVE
from services.knowledge.meili import MeiliGateway
from shared.mongo import Database, create_mongo_client, get_database
from shared.settings import Settings

BATCH = 500
Progress = Callable[[str, int, int], None]


async def reindex(
    *, db: Database, meili: MeiliGateway, prefix: str, progress: Progress | None = None
) -> dict[str, int]:
    """Rebuild every index from its collection; documents indexed per index."""
    counts: dict[str, int] = {}
    await indexing.ensure_search_indexes(meili=meili, prefix=prefix)
    for spec in indexing.SPECS:
        live, rebuilt = spec.uid(prefix), f"{spec.uid(prefix)}_rebuild"
        await meili.request("DELETE", f"/indexes/{rebuilt}")  # a leftover of a failed run
        await meili.run("POST", "/indexes", json={"uid": rebuilt, "primaryKey": "id"})
        await meili.run("PATCH", f"/indexes/{rebuilt}/settings", json=spec.settings())
        source = db[spec.collection]
        total = await source.count_documents(LIVE)
        done = 0
        pushed: list[tuple[str, int | None]] = []
        batch: list[dict[str, object]] = []
        async for document in source.find(LIVE):
            batch.append(spec.to_document(document))
            pushed.append((document["_id"], document.get("version")))
            if len(batch) == BATCH:
                await meili.run("PUT", f"/indexes/{rebuilt}/documents", json=batch)
                done += len(batch)
                batch = []
                if progress:
                    progress(spec.name, done, total)
        if batch:
            await meili.run("PUT", f"/indexes/{rebuilt}/documents", json=batch)
            done += len(batch)
        if progress:
            progress(spec.name, done, total)
        await meili.run("POST", "/swap-indexes", json=[{"indexes": [live, rebuilt]}])
        await meili.run("DELETE", f"/indexes/{rebuilt}")
        for document_id, version in pushed:  # in step now, unless changed meanwhile
            await source.update_one(
                {"_id": document_id, "version": version}, {"$set": {"index_pending": False}}
            )
        counts[spec.name] = done
    return counts


def _bar(name: str, done: int, total: int) -> None:
    width = 30
    filled = width if total == 0 else width * done // total
    sys.stderr.write(f"\r{name:<10} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


async def main() -> None:
    settings = Settings()
    client = create_mongo_client(settings)
    meili = MeiliGateway(settings, timeout=30.0)
    try:
        counts = await reindex(
            db=get_database(client, settings),
            meili=meili,
            prefix=settings.meili_index_prefix,
            progress=_bar,
        )
    finally:
        await meili.close()
        await client.close()
    print(", ".join(f"{name}: {count} documents" for name, count in counts.items()))


if __name__ == "__main__":
    asyncio.run(main())
