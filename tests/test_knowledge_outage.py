"""Meilisearch stopped mid-test: search says so (503), suggestions are simply empty, writes
to MongoDB go on, and the index catches up when Meilisearch is back."""

from pathlib import Path

from devstack.servers import free_port, meili_server, start_all, stop_all
from shared.mongo import Database
from shared.settings import Settings
from tests.conftest import MEILI_KEY, REPO_ROOT
from tests.knowledge_support import running_knowledge


async def test_search_outage_loses_nothing(
    tmp_path: Path, settings: Settings, db: Database
) -> None:
    port = free_port()
    spec = meili_server(port=port, data_dir=tmp_path / "meili", master_key=MEILI_KEY)
    own = settings.model_copy(update={"meili_url": f"http://127.0.0.1:{port}"})
    [meili] = await start_all([spec], tmp_path / "log", REPO_ROOT)
    restarted = None
    try:
        async for knowledge in running_knowledge(own, db):
            first = await knowledge.article(question="Where do I find API tokens?", answer="x")
            await knowledge.in_step()
            stop_all([meili])

            down = await knowledge.client.get("/v1/search", params={"q": "API tokens"})
            assert (down.status_code, down.json()["error"]["code"]) == (503, "search_unavailable")
            assert down.headers["Retry-After"].isdigit()
            suggested = await knowledge.client.post("/v1/suggest", json={"title": "API tokens"})
            assert suggested.status_code == 200
            assert suggested.json() == {"hits": [], "unavailable": True}
            second = await knowledge.article(
                question="How do I rotate webhook secrets?", answer="y"
            )
            assert second["indexed"] is False  # stored; the index follows later

            [restarted] = await start_all([spec], tmp_path / "log", REPO_ROOT)
            await knowledge.in_step(patience=60)
            found = await knowledge.search(q="rotate webhook secrets")
            assert [hit["id"] for hit in found["hits"]] == [second["id"]]
            assert (await knowledge.search(q="API tokens"))["hits"][0]["id"] == first["id"]
    finally:
        stop_all([meili] + ([restarted] if restarted else []))
