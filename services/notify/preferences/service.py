"""Notification preferences, kept in each user's document (the `notification_preferences`
field; intake owns the rest of it)."""

from services.notify.preferences.models import CHANNELS, EVENTS
from shared import collections
from shared.enums import Role
from shared.mongo import Database, Document
from shared.refusals import Invalid, NotFound
from shared.ticket.vocabulary import NotifyEvent

FIELD = "notification_preferences"
# Those who answer for breached SLAs always hear of them (SPEC J2).
SLA_BREACH_UNMUTABLE_ROLES = frozenset({Role.MANAGER.value, Role.ADMIN.value})


def stored_mutes(user: Document) -> dict[str, list[str]]:
    """`user`'s mutes as stored, keeping only known events and channels."""
    stored = user.get(FIELD)
    if not isinstance(stored, dict):
        return {}
    mutes: dict[str, list[str]] = {}
    for event in EVENTS:
        channels = stored.get(event)
        if isinstance(channels, list) and (known := [c for c in CHANNELS if c in channels]):
            mutes[event] = known
    return mutes


def muted_channels(user: Document, event: str) -> frozenset[str]:
    """The channels `user` muted for `event`; never any for an SLA breach when the user
    is a manager or an admin, whatever is stored."""
    if event == NotifyEvent.SLA_BREACH and user.get("role") in SLA_BREACH_UNMUTABLE_ROLES:
        return frozenset()
    return frozenset(stored_mutes(user).get(event, ()))


def check_mutable(*, role: str, muted: dict[str, list[str]]) -> None:
    """422 `cannot_mute_sla_breach` if a manager or an admin mutes SLA breaches."""
    if role in SLA_BREACH_UNMUTABLE_ROLES and muted.get(NotifyEvent.SLA_BREACH):
        raise Invalid(
            "cannot_mute_sla_breach",
            "Managers and admins are always notified of SLA breaches.",
            {"event": NotifyEvent.SLA_BREACH.value},
        )


async def get_user(*, db: Database, user_id: str) -> Document:
    """The user's role and preferences; 404 `user_not_found` (a client system, say)."""
    user = await db[collections.USERS].find_one({"_id": user_id}, {"role": 1, FIELD: 1})
    if user is None:
        raise NotFound("user_not_found", "Only people have notification preferences.")
    return user


async def set_mutes(*, db: Database, user_id: str, muted: dict[str, list[str]]) -> None:
    """Replace the user's mutes (keys are known event names: never operators)."""
    result = await db[collections.USERS].update_one({"_id": user_id}, {"$set": {FIELD: muted}})
    if result.matched_count == 0:
        raise NotFound("user_not_found", "Only people have notification preferences.")
