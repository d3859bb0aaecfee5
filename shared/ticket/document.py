"""The ticket document the APIs read (pure): the one stored when a ticket is filed, and
the fields the ticket workflow owns, projected from its state after every step. Intake
builds the first, the worker's activities write the second; the lists and reads of intake
merge the projection of a workflow's live state the same way."""

import copy
from datetime import datetime
from typing import Any

from shared.enums import Priority, SlaState, StandardGroup, TicketStatus
from shared.mongo import Document
from shared.sla import SlaClock, SlaPolicy, overall_state
from shared.tickets import TicketState, ticket_workflow_id

# The order of priorities in a list sorted by urgency (the document's `priority_rank`).
PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3}


def _clock(clock: SlaClock | None) -> dict[str, Any]:
    if clock is None:
        return {"due_at": None, "state": SlaState.ON_TRACK.value}
    return {
        "due_at": clock.due_at(),
        "state": clock.state().value,
        "met_at": clock.stopped_at if clock.breached_at is None else None,
        "stopped_at": clock.stopped_at,
        "breached_at": clock.breached_at,
        "warned_at": clock.warned_at,
        "target_seconds": clock.target_seconds,
        "elapsed_seconds": None,
    }


# Datetime fields of the projection. It reaches the activity through the JSON data converter,
# which turns datetimes into ISO strings; stored as strings they would neither sort nor
# compare with the dates intake writes, so the activity turns them back.
DATE_PATHS = (
    "updated_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    *(
        f"sla.{clock}.{field}"
        for clock in ("response", "resolution")
        for field in ("due_at", "met_at", "stopped_at", "breached_at", "warned_at")
    ),
)


def restore_dates(projection: dict[str, Any]) -> dict[str, Any]:
    """The projection with its ISO date strings as datetimes again (a copy)."""
    restored = copy.deepcopy(projection)
    for path in DATE_PATHS:
        *parents, leaf = path.split(".")
        node: Any = restored
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and isinstance(node.get(leaf), str):
            node[leaf] = datetime.fromisoformat(node[leaf])
    return restored


def ticket_projection(state: TicketState, now: datetime) -> dict[str, Any]:
    """Every field of the ticket document the workflow owns, as of `now`."""
    clocks = [clock for clock in (state.response, state.resolution) if clock is not None]
    response = _clock(state.response)
    resolution = _clock(state.resolution)
    if state.response is not None:
        response["elapsed_seconds"] = state.response.elapsed_seconds(now)
    if state.resolution is not None:
        resolution["elapsed_seconds"] = state.resolution.elapsed_seconds(now)
    paused_seconds = max((clock.paused_seconds for clock in clocks), default=0.0)
    return {
        "status": state.status.value,
        "priority": state.priority.value,
        "priority_rank": PRIORITY_RANK[state.priority],
        "assignee": state.assignee.model_dump() if state.assignee else None,
        "group": state.group.value,
        "escalation_level": state.escalation_level,
        "collaborator_groups": [group.value for group in state.collaborator_groups],
        "identity_verified": state.identity_verified,
        "first_response_at": state.first_response_at,
        "resolved_at": state.resolved_at,
        "closed_at": state.closed_at,
        "close_reason": state.close_reason.value if state.close_reason else None,
        "merged_into": state.merged_into,
        "duplicates": list(state.duplicates),
        "rating": state.rating.model_dump() if state.rating else None,
        "reopen_count": state.reopen_count,
        # G1: replied, no_match, unavailable or disabled; None until it was tried.
        "auto_answer": state.auto_answer.value if state.auto_answer else None,
        "updated_at": now,
        "sla": {
            "state": overall_state(*clocks).value if clocks else SlaState.ON_TRACK.value,
            "paused": any(clock.paused_since is not None for clock in clocks),
            "paused_seconds": paused_seconds,
            "response": response,
            "resolution": resolution,
        },
    }


def new_ticket_document(
    *,
    ticket_id: str,
    number: int,
    fields: dict[str, Any],
    priority: Priority,
    priority_suggested: Priority | None,
    submitter: dict[str, Any] | None,
    policy: SlaPolicy,
    now: datetime,
    source: dict[str, Any] | None = None,
    idempotency: dict[str, Any] | None = None,
) -> Document:
    """The document of a ticket at the moment it is filed: pending with the frontline,
    both SLA clocks running from `now` (as the workflow's first projection has them).
    `fields`: what the customer wrote (title, description, type, category, order_id,
    attachment_ids)."""
    target = policy.target(priority)
    clocks = {
        "response": _clock(SlaClock(target_seconds=target.response_seconds, started_at=now)),
        "resolution": _clock(SlaClock(target_seconds=target.resolution_seconds, started_at=now)),
    }
    return {
        "_id": ticket_id,
        "number": number,
        **fields,
        "priority": priority,
        "priority_suggested": priority_suggested,
        "priority_rank": PRIORITY_RANK[priority],
        "status": TicketStatus.PENDING,
        "submitter": submitter,
        "assignee": None,
        "group": StandardGroup.FRONTLINE,
        "escalation_level": 0,
        "collaborator_groups": [],
        "created_at": now,
        "updated_at": now,
        "first_response_at": None,
        "resolved_at": None,
        "closed_at": None,
        "close_reason": None,
        "merged_into": None,
        "rating": None,
        "sla": {"state": SlaState.ON_TRACK, "paused": False, "paused_seconds": 0, **clocks},
        "workflow": {"id": ticket_workflow_id(ticket_id), "started": False},
        "last_event_seq": -1,
        "source": source or {"channel": "web"},
        "idempotency": idempotency,
    }
