"""Meilisearch client factory (the official client is synchronous: call it in a thread)."""

import asyncio

import meilisearch

from shared.settings import Settings


def create_meili_client(settings: Settings) -> meilisearch.Client:
    """A client for the configured Meilisearch, authenticated with the master key."""
    return meilisearch.Client(
        settings.meili_url,
        settings.meili_master_key.get_secret_value(),
        timeout=int(max(1, settings.readiness_timeout_seconds)),
    )


async def check_meili(client: meilisearch.Client) -> None:
    """Raise unless Meilisearch reports itself available."""
    health = await asyncio.to_thread(client.health)
    if health.get("status") != "available":
        raise RuntimeError(f"meilisearch reports {health!r}")
