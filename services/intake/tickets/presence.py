"""Who else is on a ticket (collision detection): each open ticket page of an agent says so
every few seconds (`PUT …/presence`, with whether they are typing a reply) and hears who
else did; a page that closes says goodbye (`DELETE`), one that goes silent drops out after
FRESH. Kept in MongoDB, written by `_id`, so every intake process sees every agent's."""

import time
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict
from pymongo import ASCENDING

from services.intake.deps import DbDep, StaffUser
from services.intake.tickets import access, service
from services.intake.tickets.models import TicketId
from shared import collections
from shared.clock import utcnow
from shared.mongo import Database

router = APIRouter(prefix="/v1/tickets", tags=["presence"])

FRESH = timedelta(seconds=30)
PRUNE_EVERY_SECONDS = 30.0
MAX_TICKETS_ASKED = 100


class PresenceUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    typing: bool = False


class Viewer(BaseModel):
    ticket_id: str
    id: str
    name: str
    typing: bool


class Viewers(BaseModel):
    items: list[Viewer]


async def ensure_indexes(*, db: Database) -> None:
    presence = db[collections.TICKET_PRESENCE]
    await presence.create_index([("ticket_id", ASCENDING)], name="ticket")
    # A real MongoDB drops entries long gone by itself; the sweep below does it everywhere.
    await presence.create_index([("seen_at", ASCENDING)], name="seen", expireAfterSeconds=600)


class _Pruning:
    next_at = 0.0


async def _prune(db: Database) -> None:
    if time.monotonic() < _Pruning.next_at:
        return
    _Pruning.next_at = time.monotonic() + PRUNE_EVERY_SECONDS
    await db[collections.TICKET_PRESENCE].delete_many({"seen_at": {"$lt": utcnow() - FRESH}})


async def _viewers(db: Database, ticket_ids: list[str], *, not_user: str) -> Viewers:
    cursor = db[collections.TICKET_PRESENCE].find(
        {"ticket_id": {"$in": ticket_ids}, "seen_at": {"$gte": utcnow() - FRESH}}
    )
    return Viewers(
        items=[
            Viewer(
                ticket_id=entry["ticket_id"],
                id=entry["user_id"],
                name=entry["name"],
                typing=entry["typing"],
            )
            async for entry in cursor
            if entry["user_id"] != not_user
        ]
    )


@router.get("/presence", response_model=Viewers)
async def who_is_where(
    staff: StaffUser,
    db: DbDep,
    ticket_id: Annotated[list[str], Query(max_length=MAX_TICKETS_ASKED)],
) -> Viewers:
    """Who else has these tickets open (the list shows it on their rows)."""
    return await _viewers(db, [str(value) for value in ticket_id], not_user=staff.id)


@router.put("/{ticket_id}/presence", response_model=Viewers)
async def here(ticket_id: TicketId, body: PresenceUpdate, staff: StaffUser, db: DbDep) -> Viewers:
    """I have this ticket open (typing or not); answers who else has."""
    access.visible(staff, await service.find_ticket(db=db, ticket_id=ticket_id), ticket_id)
    await db[collections.TICKET_PRESENCE].update_one(
        {"_id": f"{ticket_id}:{staff.id}"},
        {
            "$set": {
                "ticket_id": ticket_id,
                "user_id": staff.id,
                "name": staff.name,
                "typing": body.typing,
                "seen_at": utcnow(),
            }
        },
        upsert=True,
    )
    await _prune(db)
    return await _viewers(db, [ticket_id], not_user=staff.id)


@router.delete("/{ticket_id}/presence", status_code=status.HTTP_204_NO_CONTENT)
async def gone(ticket_id: TicketId, staff: StaffUser, db: DbDep) -> Response:
    """I closed this ticket's page."""
    await db[collections.TICKET_PRESENCE].delete_one({"_id": f"{ticket_id}:{staff.id}"})
    return Response(status_code=status.HTTP_204_NO_CONTENT)
