"""A small async gateway to Meilisearch's HTTP API (the official client is synchronous):
one keep-alive connection pool, a bounded timeout, and one error for "not reachable"."""

import asyncio
import time
from typing import Any

import httpx

from shared.settings import Settings


class SearchUnavailableError(Exception):
    """Meilisearch did not answer, or answered with a server error."""


class MeiliGateway:
    def __init__(self, settings: Settings, *, timeout: float = 2.0) -> None:
        self._http = httpx.AsyncClient(
            base_url=settings.meili_url,
            headers={
                "Authorization": f"Bearer {settings.meili_master_key.get_secret_value()}",
                # Uncompressed: a gzipped answer arrives in chunks whose last one waited
                # about 40 ms for the client's delayed ACK on a kept-alive connection.
                "Accept-Encoding": "identity",
            },
            timeout=timeout,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
        )

    async def close(self) -> None:
        await self._http.aclose()

    async def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """One API call; its JSON answer. 4xx raise `httpx.HTTPStatusError`."""
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise SearchUnavailableError(str(exc) or type(exc).__name__) from exc
        if response.status_code >= 500:
            raise SearchUnavailableError(f"{response.status_code}: {response.text[:200]}")
        response.raise_for_status()
        return response.json() if response.content else None

    async def search(self, index: str, params: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = await self.request("POST", f"/indexes/{index}/search", json=params)
        return result

    async def multi_search(self, body: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = await self.request("POST", "/multi-search", json=body)
        return result

    async def wait(self, task: dict[str, Any], *, patience: float = 60.0) -> dict[str, Any]:
        """Wait for an enqueued task to finish; raise unless it succeeded."""
        uid = task["taskUid"]
        deadline = time.monotonic() + patience
        delay = 0.01
        while True:
            state: dict[str, Any] = await self.request("GET", f"/tasks/{uid}")
            if state["status"] == "succeeded":
                return state
            if state["status"] in ("failed", "canceled"):
                raise SearchUnavailableError(f"task {uid} {state['status']}: {state.get('error')}")
            if time.monotonic() > deadline:
                raise SearchUnavailableError(f"task {uid} still {state['status']}")
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.25)

    async def run(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """Enqueue a task (documents, settings, indexes) and wait until it succeeded."""
        return await self.wait(await self.request(method, path, **kwargs))

    async def healthy(self) -> None:
        health = await self.request("GET", "/health")
        if health.get("status") != "available":
            raise SearchUnavailableError(f"meilisearch reports {health!r}")
