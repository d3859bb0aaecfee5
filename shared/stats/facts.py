"""A ticket's statistics facts, computed from its event history (pure).

One document per ticket in `ticket_stats`: every moment a report needs (first response,
each resolution, reopen, escalation, SLA met or breached, the rating), each with its
time, so that a report evaluates a ticket as it stood at the end of the period and a
report for last month stays the same tomorrow. Durations are working time: the time spent
waiting on the customer (awaiting_user, when the SLA clocks pause) is left out."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from shared.enums import Role, TicketStatus
from shared.mongo import Document
from shared.ticket.vocabulary import TicketAction
from shared.ticket_updates import STAFF_ROLES

STAFF_ROLE_VALUES = {role.value for role in STAFF_ROLES} | {Role.ADMIN.value}
ASSIGNING_ACTIONS = {TicketAction.ASSIGNED, TicketAction.CLAIMED}


class BreachCause(StrEnum):
    """Where a breached clock's time went."""

    QUEUE = "queue"  # unassigned, waiting in the frontline queue
    AGENT = "agent"  # with an agent
    ESCALATION = "escalation"  # escalated, waiting to be taken at the new level


@dataclass
class _Replay:
    """The ticket as the events so far leave it."""

    created_at: datetime
    status: str = TicketStatus.PENDING.value
    assignee: str | None = None
    level: int = 0
    since: datetime | None = None  # start of the current segment
    paused_seconds: float = 0.0
    causes: dict[str, float] = field(default_factory=lambda: {c.value: 0.0 for c in BreachCause})

    def working_seconds(self, at: datetime) -> float:
        """Time from creation to `at` with the customer's waiting time left out."""
        paused = self.paused_seconds
        if self.status == TicketStatus.AWAITING_USER.value and self.since is not None:
            paused += (at - self.since).total_seconds()
        return max((at - self.created_at).total_seconds() - paused, 0.0)

    def cause(self) -> BreachCause:
        if self.assignee is not None:
            return BreachCause.AGENT
        return BreachCause.ESCALATION if self.level > 0 else BreachCause.QUEUE

    def advance(self, at: datetime) -> None:
        """Account the time since the last event to the segment it belonged to."""
        if self.since is not None:
            seconds = max((at - self.since).total_seconds(), 0.0)
            if self.status == TicketStatus.AWAITING_USER.value:
                self.paused_seconds += seconds
            elif self.status in (TicketStatus.PENDING.value, TicketStatus.PROCESSING.value):
                self.causes[self.cause().value] += seconds
        self.since = at


def _agent_id(data: dict[str, Any]) -> str | None:
    agent = data.get("agent")
    if isinstance(agent, dict) and agent.get("id"):
        return str(agent["id"])
    return None


def _breach(replay: _Replay, at: datetime) -> dict[str, Any]:
    return {"at": at, "causes": {k: round(v, 3) for k, v in replay.causes.items()}}


def ticket_facts(
    events: list[Document], ticket: Document | None, title_terms: list[str]
) -> Document | None:
    """The facts of one ticket from its events (in `seq` order) and its stored document;
    None when its history has not begun (no `created` event)."""
    if not events or events[0].get("action") != TicketAction.CREATED:
        return None
    created = events[0]
    ticket = ticket or {}
    replay = _Replay(created_at=created["at"], since=created["at"])
    facts: Document = {
        "_id": created["ticket_id"],
        "number": ticket.get("number"),
        "title": ticket.get("title", ""),
        "title_terms": title_terms,
        "type": created.get("data", {}).get("type"),
        "category": created.get("data", {}).get("category"),
        "priority": created.get("data", {}).get("priority"),
        "group": "frontline",
        "groups": ["frontline"],
        "created_at": created["at"],
        "assignee_id": None,
        "handled_by": [],
        "statuses": [{"at": created["at"], "status": TicketStatus.PENDING.value}],
        "first_response": None,
        "resolutions": [],
        "reopens": [],
        "escalations": [],
        "assignments": [],
        # Each clock's first breach, with where its time had gone; a clock is met by the
        # first response or a resolution that came before any breach.
        "breaches": {"response": None, "resolution": None},
        "closed_at": None,
        "close_reason": None,
        "rating": None,
        "last_event_seq": events[-1].get("seq", 0),
    }
    breaches = facts["breaches"]
    for event in events[1:]:
        at, action, data = event["at"], event.get("action"), event.get("data") or {}
        replay.advance(at)
        actor_role = (event.get("actor") or {}).get("role")
        actor_id = (event.get("actor") or {}).get("id")
        if action in ASSIGNING_ACTIONS and (agent := _agent_id(data)):
            replay.assignee = agent
            facts["assignee_id"] = agent
            facts["assignments"].append({"at": at, "agent": agent})
            if agent not in facts["handled_by"]:
                facts["handled_by"].append(agent)
        elif action == TicketAction.ESCALATED:
            replay.assignee = None
            facts["assignee_id"] = None
            replay.level = int(data.get("to_level", replay.level + 1))
            facts["group"] = str(data.get("group", facts["group"]))
            if facts["group"] not in facts["groups"]:
                facts["groups"].append(facts["group"])
            facts["escalations"].append({"at": at, "level": replay.level})
        elif action == TicketAction.COLLABORATOR_ADDED and data.get("group"):
            if str(data["group"]) not in facts["groups"]:
                facts["groups"].append(str(data["group"]))
        elif action == TicketAction.PRIORITY_CHANGED and data.get("to"):
            facts["priority"] = str(data["to"])
        elif action == TicketAction.SLA_BREACHED and data.get("clock") in breaches:
            if breaches[data["clock"]] is None:
                breaches[data["clock"]] = _breach(replay, at)
        elif action == TicketAction.REOPENED:
            facts["reopens"].append(at)
        elif action == TicketAction.CLOSED:
            facts["closed_at"] = at
            facts["close_reason"] = data.get("reason")
        first_reply = action == TicketAction.AGENT_REPLIED and actor_role in STAFF_ROLE_VALUES
        if (first_reply or action == TicketAction.RESOLVED) and facts["first_response"] is None:
            facts["first_response"] = {
                "at": at,
                "seconds": round(replay.working_seconds(at), 3),
                "by": actor_id if first_reply else (replay.assignee or actor_id),
            }
        if action == TicketAction.RESOLVED:
            facts["resolutions"].append(
                {
                    "at": at,
                    "seconds": round(replay.working_seconds(at), 3),
                    "by": actor_id if actor_role in STAFF_ROLE_VALUES else replay.assignee,
                }
            )
        if (to_status := event.get("to_status")) is not None:
            replay.status = str(to_status)
            facts["statuses"].append({"at": at, "status": replay.status})
    rating = ticket.get("rating")
    if isinstance(rating, dict) and rating.get("score") and facts["closed_at"] is not None:
        facts["rating"] = {
            "score": int(rating["score"]),
            "comment": rating.get("comment"),
            "at": facts["closed_at"],
        }
    return facts
