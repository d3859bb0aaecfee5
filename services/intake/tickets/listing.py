"""Reading a page of the ticket list so that its cost follows the page, not the desk.

SecantusDB (the embedded MongoDB) uses an index only for a filter without a top-level
`$or`/`$and`, and reads every candidate the index gives before it sorts and limits: a page
of "all tickets, newest first" read every ticket, an agent's page every ticket of their
groups. So a page is read as:
- the conditions in disjunctive form: each `$or` (who may see the ticket, a group or its
  collaborators) becomes branches, each a plain filter an index serves, read apart and
  merged (a ticket found by two branches counts once);
- for a sort by creation or last change, windows of that time: the newest (or oldest)
  stretch first, widened fourfold until the page is full or the desk's first ticket is
  reached, so the candidates are those of a stretch about the page's size;
- what no index can serve (the text searched in title and description) checked here, on
  the candidates, as is the cursor's tie-break by id.
On a real MongoDB the same queries are served by the same compound indexes.
"""

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import product
from typing import Any

from pymongo import DESCENDING

from shared import collections
from shared.clock import utcnow
from shared.mongo import Database, Document

# The first window of a time-sorted page, widened fourfold while the page is not full.
FIRST_WINDOW = timedelta(hours=6)
WIDENING = 4
TIME_SORTS = frozenset({"created_at", "updated_at"})
LIST_PROJECTION = {"workflow": 0, "idempotency": 0}
_LOWER = ("$gt", "$gte")
_UPPER = ("$lt", "$lte")


class SelectsNothingError(Exception):
    """Conditions no ticket can satisfy (say, two different agents)."""


def both(first: Any, second: Any) -> Any:
    """Two conditions on one field as one; raises `SelectsNothingError` when they exclude
    each other."""
    if not isinstance(first, dict) and not isinstance(second, dict):
        if first != second:
            raise SelectsNothingError
        return first
    if not isinstance(first, dict):
        first, second = second, first
    if not isinstance(second, dict):  # an equality within `first`'s conditions
        if not _satisfies(second, first):
            raise SelectsNothingError
        return second
    merged = dict(first)
    for operator, value in second.items():
        if operator not in merged:
            merged[operator] = value
        elif operator == "$in":
            merged["$in"] = [item for item in merged["$in"] if item in value]
        elif operator in _LOWER:
            merged[operator] = max(merged[operator], value)
        elif operator in _UPPER:
            merged[operator] = min(merged[operator], value)
        elif merged[operator] != value:
            raise ValueError(f"cannot combine {operator} conditions")
    if "$in" in merged:
        rest = {op: value for op, value in merged.items() if op != "$in"}
        merged["$in"] = [item for item in merged["$in"] if _satisfies(item, rest)]
        if not merged["$in"]:
            raise SelectsNothingError
    return merged


def _plain(condition: Any) -> Any:
    """`{"$in": [one]}` as the equality it is (an index then serves it with what follows)."""
    if isinstance(condition, dict) and set(condition) == {"$in"} and len(condition["$in"]) == 1:
        return condition["$in"][0]
    return condition


def _conjoin(conditions: dict[str, Any], more: dict[str, Any]) -> None:
    """AND `more` into `conditions`, field by field."""
    for path, condition in more.items():
        conditions[path] = both(conditions[path], condition) if path in conditions else condition


def _satisfies(value: Any, condition: dict[str, Any]) -> bool:
    checks: dict[str, Callable[[Any, Any], bool]] = {
        "$in": lambda v, c: v in c,
        "$gt": lambda v, c: v is not None and v > c,
        "$gte": lambda v, c: v is not None and v >= c,
        "$lt": lambda v, c: v is not None and v < c,
        "$lte": lambda v, c: v is not None and v <= c,
        "$ne": lambda v, c: v != c,
    }
    return all(checks[op](value, expected) for op, expected in condition.items())


@dataclass
class Conditions:
    """What a listed ticket must satisfy: every plain condition, one option of each
    disjunction, and a check of what no index serves (`matches`)."""

    plain: dict[str, Any] = field(default_factory=dict)
    any_of: list[list[dict[str, Any]]] = field(default_factory=list)
    matches: Callable[[Document], bool] | None = None
    contradictory: bool = False  # two conditions exclude each other: no ticket is listed

    def add(self, clause: dict[str, Any]) -> None:
        """AND a clause: `{"$or": [...]}` is a disjunction, anything else plain fields."""
        if set(clause) == {"$or"}:
            self.any_of.append(list(clause["$or"]))
            return
        try:
            _conjoin(self.plain, clause)
        except SelectsNothingError:
            self.contradictory = True

    def branches(self, extra: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Plain filters (each with `extra` too) whose union is what the conditions
        select; none that can select nothing."""
        found: list[dict[str, Any]] = []
        if self.contradictory:
            return found
        for options in product(*self.any_of):
            try:
                branch = dict(self.plain)
                for part in (*options, extra or {}):
                    _conjoin(branch, part)
            except SelectsNothingError:
                continue
            found.append({path: _plain(condition) for path, condition in branch.items()})
        return found


def text_matcher(text: str) -> Callable[[Document], bool]:
    """Title or description contain `text` (any case), or the ticket has that number."""
    needle = text.strip().casefold()
    number = re.fullmatch(r"#?([0-9]{1,18})", text.strip())

    def matches(ticket: Document) -> bool:
        if number and ticket.get("number") == int(number.group(1)):
            return True
        title, description = str(ticket.get("title", "")), str(ticket.get("description", ""))
        return needle in title.casefold() or needle in description.casefold()

    return matches


@dataclass(frozen=True)
class Page:
    """Which page: sorted by `path` in `direction`, after the cursor's (value, id)."""

    path: str
    direction: int
    after: tuple[Any, str] | None
    limit: int

    def value(self, ticket: Document) -> Any:
        value: Any = ticket
        for part in self.path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value

    def key(self, ticket: Document) -> tuple[Any, ...]:
        """Its place in ascending order: nulls first, ties by id (as MongoDB sorts)."""
        value = self.value(ticket)
        return (value is not None, value if value is not None else 0, ticket["_id"])

    def beyond_cursor(self, ticket: Document) -> bool:
        if self.after is None:
            return True
        value, ticket_id = self.after
        cursor_key = (value is not None, value if value is not None else 0, ticket_id)
        if self.direction == DESCENDING:
            return self.key(ticket) < cursor_key
        return self.key(ticket) > cursor_key


async def read_page(db: Database, conditions: Conditions, page: Page) -> list[Document]:
    """Up to `page.limit + 1` tickets in order (the one more tells there is a next page)."""
    wanted = page.limit + 1
    if page.path in TIME_SORTS:
        found = await _by_windows(db, conditions, page, wanted)
    else:
        found = await _read(db, conditions.branches(), conditions, page, wanted)
    found.sort(key=page.key, reverse=page.direction == DESCENDING)
    return found[:wanted]


async def _read(
    db: Database,
    branches: list[dict[str, Any]],
    conditions: Conditions,
    page: Page,
    wanted: int,
) -> list[Document]:
    """The tickets of every branch, each once, past the cursor, matching what no index
    serves."""
    found: dict[str, Document] = {}
    for branch in branches:
        cursor = (
            db[collections.TICKETS]
            .find(branch, projection=LIST_PROJECTION)
            .sort([(page.path, page.direction), ("_id", page.direction)])
        )
        if conditions.matches is None and page.after is None:
            cursor = cursor.limit(wanted)
        async for ticket in cursor:
            if page.beyond_cursor(ticket) and (
                conditions.matches is None or conditions.matches(ticket)
            ):
                found[ticket["_id"]] = ticket
    return list(found.values())


async def _by_windows(
    db: Database, conditions: Conditions, page: Page, wanted: int
) -> list[Document]:
    """Read stretch after stretch of the sort's time until the page is full."""
    found: dict[str, Document] = {}
    async for window in _windows(db, page):
        # The window first: where no compound index serves a branch, SecantusDB fetches the
        # candidates by the first field an index serves alone, and the window is bounded.
        branches = [
            {page.path: branch.pop(page.path), **branch}
            for branch in conditions.branches({page.path: window})
        ]
        for ticket in await _read(db, branches, conditions, page, wanted):
            found[ticket["_id"]] = ticket
        if len(found) >= wanted:
            break
    return list(found.values())


async def _windows(db: Database, page: Page) -> AsyncIterator[dict[str, datetime]]:
    """Ranges of the sort's time, in the page's order, from the cursor (else from now, or
    from the desk's first ticket), each four times the one before; past the desk's first
    ticket (or now), one open range takes whatever is left, which is usually nothing."""
    last = utcnow() + timedelta(minutes=5)  # the clocks of several processes differ a little
    cursor = page.after[0] if page.after and isinstance(page.after[0], datetime) else None
    span = FIRST_WINDOW
    if page.direction == DESCENDING:
        edge = cursor or last
        # The cursor's own moment may hold tickets that come after it (ties by id).
        upper = "$lte"
        # Most pages fill from the first window, so the desk's start is looked up only
        # when one does not (on a desk without ticket 1, a test's, that lookup reads every
        # ticket).
        yield {"$gte": edge - span, upper: edge}
        edge, span, upper = edge - span, span * WIDENING, "$lt"
        first = await _desk_start(db)
        if first is None:
            return
        while edge > first:
            yield {"$gte": edge - span, upper: edge}
            edge, span, upper = edge - span, span * WIDENING, "$lt"
        yield {upper: edge}
    else:
        first = await _desk_start(db)
        if first is None:
            return
        edge = cursor or first
        if cursor is None:
            yield {"$lt": edge}  # tickets dated before the desk's first one (imported)
        while edge < last:
            yield {"$gte": edge, "$lt": edge + span}
            edge, span = edge + span, span * WIDENING
        yield {"$gte": edge}


async def _desk_start(db: Database) -> datetime | None:
    """When the desk's first ticket was filed (number 1: ticket numbers are dense), or the
    earliest of the tickets of a desk without one (a test's)."""
    tickets = db[collections.TICKETS]
    first = await tickets.find_one({"number": 1}, projection={"created_at": 1})
    if first is None:
        oldest = tickets.find({}, projection={"created_at": 1}).sort("created_at", 1).limit(1)
        first = await anext(aiter(oldest), None)
    return None if first is None else first["created_at"]
