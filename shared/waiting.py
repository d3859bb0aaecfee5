"""Waiting: on several things at once, for the services' background loops; and at
start-up, for a dependency that is not there yet.

A process started while MongoDB or Temporal restarts keeps trying, saying so in its log,
instead of exiting: under `make run` or an orchestrator it becomes ready once they answer.
(Work inside a ticket's life is retried by Temporal; this is only the way in.)
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def first_of(*events: asyncio.Event) -> None:
    """Return once any of `events` is set."""
    tasks = [asyncio.create_task(event.wait()) for event in events]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()


class StoppedWaitingError(Exception):
    """The process was told to stop while it still waited."""


async def until_it_answers(
    what: str,
    attempt: Callable[[], Awaitable[T]],
    *,
    stop: asyncio.Event,
    log: logging.Logger,
    first_delay: float = 1.0,
    max_delay: float = 15.0,
) -> T:
    """`attempt()` again, with growing pauses, until it returns; `StoppedWaitingError`
    when `stop` is set first."""
    delay = first_delay
    while not stop.is_set():
        try:
            return await _unless_stopped(attempt(), stop)
        except StoppedWaitingError:
            break
        except Exception as exc:
            log.warning("%s does not answer yet (%s); trying again in %gs", what, exc, delay)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        delay = min(delay * 2, max_delay)
    raise StoppedWaitingError(what)


async def _unless_stopped(attempt: Awaitable[T], stop: asyncio.Event) -> T:
    """The attempt's result, or `StoppedWaitingError` as soon as `stop` is set (an attempt
    can wait a server-selection timeout of many seconds)."""
    task = asyncio.ensure_future(attempt)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
    if not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        raise StoppedWaitingError
    return task.result()
