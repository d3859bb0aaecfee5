"""The ticket list (A1): filters, text search, sorting and keyset (cursor) pagination.

Every value a caller sends is used as a plain value (enums, strings, dates): nothing from a
query string can become a MongoDB operator.
"""

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from shared.enums import Category, Priority, SlaState, TicketStatus, TicketType
from shared.refusals import Malformed


class TicketSort(StrEnum):
    CREATED = "created_at"
    CREATED_DESC = "-created_at"
    UPDATED = "updated_at"
    UPDATED_DESC = "-updated_at"
    PRIORITY = "priority"  # urgent first
    PRIORITY_DESC = "-priority"
    SLA_DUE = "sla_due"  # nearest resolution deadline first
    SLA_DUE_DESC = "-sla_due"
    NUMBER = "number"
    NUMBER_DESC = "-number"


SORT_FIELDS = {
    "created_at": "created_at",
    "updated_at": "updated_at",
    "priority": "priority_rank",
    "sla_due": "sla.resolution.due_at",
    "number": "number",
}
UNASSIGNED = "none"
# "#1234" or "1234": ASCII digits only, and few enough to fit MongoDB's 64-bit integers.
TICKET_NUMBER = re.compile(r"#?([0-9]{1,18})")
INT64 = 2**63


@dataclass
class TicketFilters:
    status: list[TicketStatus] = field(default_factory=list)
    type: list[TicketType] = field(default_factory=list)
    category: list[Category] = field(default_factory=list)
    priority: list[Priority] = field(default_factory=list)
    sla_state: list[SlaState] = field(default_factory=list)
    assignee: str | None = None  # an agent id, or "none" for unassigned
    submitter: str | None = None
    group: str | None = None
    escalation_level: int | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    updated_from: datetime | None = None
    updated_to: datetime | None = None
    q: str | None = None


def _range(low: datetime | None, high: datetime | None) -> dict[str, datetime] | None:
    bounds = {key: value for key, value in (("$gte", low), ("$lt", high)) if value is not None}
    return bounds or None


def filter_clauses(filters: TicketFilters) -> list[dict[str, Any]]:
    """The MongoDB conditions the filters stand for (all must hold); the text `q` is
    matched on the candidates (`listing.text_matcher`): no index serves it."""
    clauses: list[dict[str, Any]] = []
    for path, values in (
        ("status", filters.status),
        ("type", filters.type),
        ("category", filters.category),
        ("priority", filters.priority),
        ("sla.state", filters.sla_state),
    ):
        if values:
            clauses.append({path: {"$in": [str(value) for value in values]}})
    if filters.assignee == UNASSIGNED:
        clauses.append({"assignee": None})
    elif filters.assignee is not None:
        clauses.append({"assignee.id": filters.assignee})
    if filters.submitter is not None:
        clauses.append({"submitter.id": filters.submitter})
    if filters.group is not None:
        clauses.append({"$or": [{"group": filters.group}, {"collaborator_groups": filters.group}]})
    if filters.escalation_level is not None:
        clauses.append({"escalation_level": filters.escalation_level})
    for path, low, high in (
        ("created_at", filters.created_from, filters.created_to),
        ("updated_at", filters.updated_from, filters.updated_to),
    ):
        bounds = _range(low, high)
        if bounds:
            clauses.append({path: bounds})
    return clauses


def sort_spec(sort: TicketSort) -> tuple[str, int]:
    """The stored field and direction (1 or -1) of a sort."""
    descending = sort.value.startswith("-")
    return SORT_FIELDS[sort.value.lstrip("-")], -1 if descending else 1


def encode_cursor(value: Any, ticket_id: str) -> str:
    """An opaque cursor that continues after the ticket with this sort value and id."""
    if isinstance(value, datetime):
        payload: list[Any] = ["d", value.isoformat(), ticket_id]
    else:
        payload = ["v", value, ticket_id]
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[Any, str]:
    """The sort value and ticket id a cursor continues after; 400 `invalid_cursor` if forged."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        kind, value, ticket_id = json.loads(raw)
        if kind == "d":
            value = datetime.fromisoformat(value)
        elif kind != "v" or not (value is None or isinstance(value, int | float | str)):
            raise ValueError(kind)
        if isinstance(value, int) and not -INT64 <= value < INT64:
            raise ValueError(value)
        if not isinstance(ticket_id, str):
            raise ValueError(ticket_id)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError) as exc:
        raise Malformed("invalid_cursor", "The cursor is not one this API gave out.") from exc
    return value, ticket_id
