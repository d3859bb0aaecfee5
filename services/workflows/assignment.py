"""Choosing and reserving agents (SPEC C1, C2): the MongoDB side of assignment.

An agent's open tickets are the ids in its `load` list; reserving appends the ticket id
only while the list is shorter than the agent's capacity, in one atomic update, so two
tickets can never both take an agent's last slot.
"""

import contextlib
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import OperationFailure

from services.workflows.models import AgentQuery
from shared import collections
from shared.desk_config import AssignmentStrategy
from shared.enums import StandardGroup
from shared.mongo import Database, Document
from shared.ticket_updates import STAFF_ROLES
from shared.tickets import AgentRef


async def ensure_indexes(*, db: Database) -> None:
    """Indexes the assignment queries need (idempotent)."""
    # No index on `load`: nothing looks agents up by a ticket they hold any more, and every
    # write of a user (each new customer) paid for it.
    with contextlib.suppress(OperationFailure):
        await db[collections.USERS].drop_index("load")
    await db[collections.TICKETS].create_index(
        [
            ("group", ASCENDING),
            ("status", ASCENDING),
            ("priority_rank", ASCENDING),
            ("sla.response.due_at", ASCENDING),
        ],
        name="group_queue",
    )


def _skilled(agent: Document, query: AgentQuery) -> bool:
    skills = set(agent.get("skills", []))
    return query.category.value in skills or query.type.value in skills


def _has_room(agent: Document) -> bool:
    capacity = int(agent.get("capacity") or 0)
    return capacity <= 0 or len(agent.get("load", [])) < capacity


async def _rotation_start(db: Database, group: StandardGroup, size: int) -> int:
    counter = await db[collections.GROUPS].find_one_and_update(
        {"_id": group.value},
        {"$inc": {"round_robin": 1}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    return int(counter["round_robin"]) % size if counter else 0


async def group_staff(*, db: Database, group: StandardGroup) -> list[Document]:
    """Every staff member of the group, available or not, with their load."""
    cursor = db[collections.USERS].find(
        {"groups": group.value, "role": {"$in": [role.value for role in STAFF_ROLES]}}
    )
    return [agent async for agent in cursor]


def holding(staff: list[Document], ticket_id: str) -> AgentRef | None:
    """The member of `staff` who holds the ticket already (a retried reservation)."""
    for agent in staff:
        if ticket_id in agent.get("load", []):
            return AgentRef(id=agent["_id"], name=agent.get("name", ""))
    return None


async def ordered_candidates(
    *, db: Database, query: AgentQuery, staff: list[Document]
) -> list[Document]:
    """The group's available agents with room, best first for the strategy."""
    excluded = set(query.exclude)
    agents = sorted(
        (
            agent
            for agent in staff
            if agent.get("available") is True and agent["_id"] not in excluded and _has_room(agent)
        ),
        key=lambda a: a["_id"],
    )
    if query.strategy in (AssignmentStrategy.SKILLS, AssignmentStrategy.SMART):
        # Nobody in the group has the skill: anyone available is better than a stuck queue.
        agents = [agent for agent in agents if _skilled(agent, query)] or agents
    if not agents:
        return []
    if query.strategy in (AssignmentStrategy.LEAST_LOADED, AssignmentStrategy.SMART):
        return sorted(agents, key=lambda agent: (len(agent.get("load", [])), agent["_id"]))
    start = await _rotation_start(db, query.group, len(agents))
    return agents[start:] + agents[:start]


async def reserve(*, db: Database, agent: Document, ticket_id: str, enforce_capacity: bool) -> bool:
    """Add the ticket to the agent's load, within capacity when asked; whether it worked."""
    condition: dict[str, Any] = {"_id": agent["_id"]}
    capacity = int(agent.get("capacity") or 0)
    if enforce_capacity and capacity > 0:
        condition[f"load.{capacity - 1}"] = {"$exists": False}
    result = await db[collections.USERS].update_one(condition, {"$addToSet": {"load": ticket_id}})
    return result.matched_count == 1


async def release(*, db: Database, agent_id: str, ticket_id: str) -> None:
    """Take the ticket off the agent's load (idempotent)."""
    await db[collections.USERS].update_one({"_id": agent_id}, {"$pull": {"load": ticket_id}})


async def next_queued_ticket(*, db: Database, group: StandardGroup) -> str | None:
    """The ticket at the head of the group's queue: highest priority, then earliest due."""
    ticket = await db[collections.TICKETS].find_one(
        {"group": group.value, "status": "pending", "assignee": None},
        sort=[("priority_rank", ASCENDING), ("sla.response.due_at", ASCENDING)],
        projection={"_id": 1},
    )
    return str(ticket["_id"]) if ticket else None
