"""Who gets a notification (SPEC J2): the audience the ticket workflow named, resolved to
people with an address and a language, from the ticket and the staff directory."""

from dataclasses import dataclass
from typing import Any

from shared import collections
from shared.enums import Role
from shared.mongo import Database, Document
from shared.notifications import Audience

STAFF = [role.value for role in (Role.AGENT, Role.SENIOR, Role.TECH, Role.MANAGER, Role.ADMIN)]
_PERSON = {"email": 1, "name": 1, "language": 1, "role": 1, "notification_preferences": 1}


@dataclass(frozen=True)
class Recipient:
    user: Document  # the user document: email, name, language, role, preferences

    @property
    def id(self) -> str:
        return str(self.user["_id"])


async def recipients(*, db: Database, ticket: Document, audience: Audience) -> list[Recipient]:
    """The people `audience` names for `ticket`, each once, active accounts only."""
    [found] = await recipients_of_each(db=db, audiences=[(ticket, audience)])
    return found


async def recipients_of_each(
    *, db: Database, audiences: list[tuple[Document, Audience]]
) -> list[list[Recipient]]:
    """`recipients` of several (ticket, audience) pairs, with one read of the people of all
    of them."""
    ids_of_each = [await _audience_ids(db, ticket, audience) for ticket, audience in audiences]
    everyone = list(dict.fromkeys(i for ids in ids_of_each for i in ids))
    found: dict[str, Document] = {}
    if everyone:
        people = db[collections.USERS].find(
            {"_id": {"$in": everyone}, "active": {"$ne": False}}, projection=_PERSON
        )
        found = {str(person["_id"]): person async for person in people}
    return [[Recipient(user=found[i]) for i in ids if i in found] for ids in ids_of_each]


async def _audience_ids(db: Database, ticket: Document, audience: Audience) -> list[str]:
    """Who `audience` names for `ticket`, in order, each once (groups and managers read
    from the staff directory; the customer and the assignee from the ticket)."""
    ids: list[str] = []
    if audience.customer and (submitter := ticket.get("submitter")):
        ids.append(submitter["id"])
    if audience.assignee and (assignee := ticket.get("assignee")):
        ids.append(assignee["id"])
    groups: list[str] = list(audience.groups)
    if audience.collaborators:
        groups += ticket.get("collaborator_groups", [])
    if audience.group_manager:
        ids += await _managers_of(db=db, group=str(ticket.get("group", "")))
    if groups:
        members = db[collections.USERS].find(
            {"groups": {"$in": [str(group) for group in groups]}, "role": {"$in": STAFF}},
            projection={"_id": 1},
        )
        ids += [str(member["_id"]) async for member in members]
    return list(dict.fromkeys(ids))


async def _managers_of(*, db: Database, group: str) -> list[str]:
    """The group's manager if it names one, else every manager who is a member."""
    stored = await db[collections.GROUPS].find_one({"_id": group}, projection={"manager_id": 1})
    if stored and stored.get("manager_id"):
        return [str(stored["manager_id"])]
    managers = db[collections.USERS].find(
        {"groups": group, "role": Role.MANAGER.value}, projection={"_id": 1}
    )
    return [str(manager["_id"]) async for manager in managers]


def ticket_payload(ticket: Document, data: dict[str, Any]) -> dict[str, Any]:
    """What every channel says about the ticket: the event's data and the ticket's face."""
    face = {
        "number": ticket.get("number"),
        "title": ticket.get("title", ""),
        "status": ticket.get("status"),
        "priority": ticket.get("priority"),
        "type": ticket.get("type"),
        "category": ticket.get("category"),
    }
    return {**face, **data}  # the event's own status (at the time) wins
