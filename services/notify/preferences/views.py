"""Notification preference routes (SPEC J2): each person mutes channels per event type,
except managers and admins, who always hear of SLA breaches."""

from fastapi import APIRouter

from services.notify.deps import CurrentUser, DbDep
from services.notify.preferences import service
from services.notify.preferences.models import PreferencesRead, PreferencesUpdate

router = APIRouter(prefix="/v1/preferences", tags=["preferences"])


@router.get("", response_model=PreferencesRead)
async def read_preferences(user: CurrentUser, db: DbDep) -> PreferencesRead:
    """Your muted channels per event, and the events and channels there are."""
    stored = await service.get_user(db=db, user_id=user.id)
    return PreferencesRead(muted=service.stored_mutes(stored))


@router.put("", response_model=PreferencesRead)
async def update_preferences(
    body: PreferencesUpdate, user: CurrentUser, db: DbDep
) -> PreferencesRead:
    """Replace your mutes (422 `cannot_mute_sla_breach` for a manager or an admin)."""
    muted = {event.value: [c.value for c in channels] for event, channels in body.muted.items()}
    stored = await service.get_user(db=db, user_id=user.id)
    # The stored role decides, as it does at delivery; the token's is checked too, in
    # case the two differ until the next login.
    for role in (stored.get("role", ""), user.role.value):
        service.check_mutable(role=role, muted=muted)
    await service.set_mutes(db=db, user_id=user.id, muted=muted)
    return PreferencesRead(muted=muted)
