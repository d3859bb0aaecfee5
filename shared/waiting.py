"""Waiting on several things at once, for the services' background loops."""

import asyncio


async def first_of(*events: asyncio.Event) -> None:
    """Return once any of `events` is set."""
    tasks = [asyncio.create_task(event.wait()) for event in events]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
