"""How many MongoDB commands each step of a process sends, from PyMongo's command
monitoring: a count per step, command and collection (the `db_ops` benchmark reads it),
and the shape of every query (what the query-plan test explains).

A step is what the process was doing when it sent the command: the Temporal activity it
ran, the HTTP route it answered, or a background loop that named itself with `step()`.
The tally is off unless `MONGO_COMMAND_TALLY_DIR` is set; then each process writes its
counts to `<dir>/<process>.json` every second and when it stops.
"""

import asyncio
import contextlib
import contextvars
import json
import os
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bson import json_util
from pymongo import monitoring
from temporalio import activity

_step: contextvars.ContextVar[str | None] = contextvars.ContextVar("db_step", default=None)

# Commands the driver sends for itself, not for a step of the product.
DRIVER_COMMANDS = frozenset(
    {"hello", "ismaster", "isMaster", "ping", "endSessions", "buildInfo", "saslStart"}
)
# Where each command keeps the filter the server plans.
_FILTER_OF = {"find": "filter", "count": "query", "distinct": "query", "findAndModify": "query"}
_STATEMENTS_OF = {"update": "updates", "delete": "deletes"}


@contextlib.contextmanager
def step(name: str) -> Iterator[None]:
    """Attribute the MongoDB commands sent inside to the step `name` (and the tasks started
    inside, which copy the context)."""
    token = _step.set(name)
    try:
        yield
    finally:
        _step.reset(token)


def name_step(name: str) -> None:
    """From here on, the current task's commands count for the step `name`."""
    _step.set(name)


def step_context(name: str) -> contextvars.Context:
    """A copy of the current context in which commands count for the step `name`, for a
    background task (`asyncio.create_task(..., context=step_context("syncer"))`)."""
    context = contextvars.copy_context()
    context.run(_step.set, name)
    return context


def current_step() -> str:
    """The step the current command belongs to."""
    if activity.in_activity():
        return f"activity {activity.info().activity_type}"
    return _step.get() or "other"


def shape(value: Any) -> Any:
    """A filter or sort with its values replaced by their types: one shape per query."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        # Operator lists ($and, $or) keep every clause; a value list collapses to one type.
        if value and all(isinstance(item, dict) for item in value):
            return [shape(item) for item in value]
        return [shape(value[0])] if value else []
    return type(value).__name__


@dataclass(frozen=True)
class Query:
    """One query a command asked the server to plan."""

    collection: str
    command: str
    filter: dict[str, Any]
    sort: dict[str, Any] | None


def queries_of(command: dict[str, Any]) -> list[Query]:
    """The queries in a command as the driver sent it (an insert has none)."""
    name = next(iter(command))
    collection = command.get(name)
    if not isinstance(collection, str):
        return []
    if name in _FILTER_OF:
        found = command.get(_FILTER_OF[name]) or {}
        return [Query(collection, name, dict(found), command.get("sort"))]
    if name in _STATEMENTS_OF:
        return [
            Query(collection, name, dict(statement.get("q") or {}), None)
            for statement in command.get(_STATEMENTS_OF[name]) or []
        ]
    if name == "aggregate":
        head = (command.get("pipeline") or [{}])[0]
        return [Query(collection, name, dict(head.get("$match") or {}), None)]
    return []


class CommandTally(monitoring.CommandListener):
    """Counts every command by (step, command, collection) and, when asked, keeps every
    query's shape with the step that sent it. Thread-safe: PyMongo may call it from its
    own threads."""

    def __init__(self, *, keep_queries: bool = False) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, str, str], int] = {}
        self._keep_queries = keep_queries
        self._queries: dict[str, tuple[str, Query]] = {}

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in DRIVER_COMMANDS:
            return
        collection = event.command.get(event.command_name)
        key = (
            current_step(),
            event.command_name,
            collection if isinstance(collection, str) else "",
        )
        queries = queries_of(dict(event.command)) if self._keep_queries else []
        with self._lock:
            self._counts[key] = self._counts.get(key, 0) + 1
            for query in queries:
                signature = json.dumps(
                    [query.collection, query.command, shape(query.filter), shape(query.sort)],
                    sort_keys=True,
                    default=str,
                )
                self._queries.setdefault(signature, (key[0], query))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def counts(self) -> dict[tuple[str, str, str], int]:
        with self._lock:
            return dict(self._counts)

    def queries(self) -> list[tuple[str, Query]]:
        """One (step, query) per distinct query shape seen, in the order first seen."""
        with self._lock:
            return list(self._queries.values())

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()
            self._queries.clear()

    def as_json(self) -> dict[str, Any]:
        rows = [
            {"step": step_name, "command": command, "collection": collection, "count": count}
            for (step_name, command, collection), count in sorted(self.counts().items())
        ]
        queries = [{"step": step_name, **asdict(query)} for step_name, query in self.queries()]
        return {"pid": os.getpid(), "commands": rows, "queries": queries}


def tally_from_env() -> CommandTally | None:
    """A tally when `MONGO_COMMAND_TALLY_DIR` asks for one (benchmarks), else None; it keeps
    one query of each shape too when `MONGO_COMMAND_TALLY_QUERIES` is set."""
    if not os.environ.get("MONGO_COMMAND_TALLY_DIR"):
        return None
    return CommandTally(keep_queries=bool(os.environ.get("MONGO_COMMAND_TALLY_QUERIES")))


@contextlib.asynccontextmanager
async def tally_written(tally: CommandTally | None, process: str) -> AsyncIterator[None]:
    """Write `tally` to `<MONGO_COMMAND_TALLY_DIR>/<process>.json` every second while inside
    and once more on the way out (nothing without a tally)."""
    if tally is None:
        yield
        return
    path = Path(os.environ["MONGO_COMMAND_TALLY_DIR"]) / f"{process}.json"
    path.parent.mkdir(parents=True, exist_ok=True)

    def write() -> None:
        scratch = path.with_suffix(".tmp")
        scratch.write_text(json_util.dumps(tally.as_json()), encoding="utf-8")
        scratch.replace(path)

    async def keep_writing() -> None:
        while True:
            await asyncio.sleep(1.0)
            write()

    writer = asyncio.create_task(keep_writing())
    try:
        yield
    finally:
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await writer
        write()
