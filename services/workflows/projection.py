"""The ticket document the APIs read, computed from the workflow's state (pure)."""

import copy
from datetime import datetime
from typing import Any

from services.workflows.assignment import PRIORITY_RANK
from shared.enums import SlaState
from shared.sla import SlaClock, overall_state
from shared.tickets import TicketState


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
