"""Configuration routes (API.md Administration): the SLA policy and the desk settings.

Running tickets pick a change up when their workflow next reloads the configuration
(on a priority change); new tickets when they start.
"""

from fastapi import APIRouter, Depends, Request

from services.intake.admin.config import service
from services.intake.admin.config.models import DeskSettingsUpdate, SlaPolicyUpdate
from services.intake.deps import DbDep, get_admin
from shared import audit
from shared.desk_config import DeskSettings
from shared.sla import SlaPolicy

router = APIRouter(
    prefix="/v1/admin", tags=["admin: configuration"], dependencies=[Depends(get_admin)]
)


@router.get("/sla-policies", response_model=SlaPolicy)
async def read_sla_policy(db: DbDep) -> SlaPolicy:
    """The SLA targets per priority and the warning share (the defaults until changed)."""
    return await service.get_sla_policy(db=db)


@router.put("/sla-policies", response_model=SlaPolicy)
async def update_sla_policy(body: SlaPolicyUpdate, request: Request, db: DbDep) -> SlaPolicy:
    """Change the SLA policy. Partial: priorities left out keep their targets; each target
    sent needs both seconds, positive, response ≤ resolution; 0 < warning_share < 1."""
    before, after = await service.update_sla_policy(db=db, change=body)
    audit.note(request, before=before.model_dump(mode="json"), after=after.model_dump(mode="json"))
    return after


@router.get("/settings", response_model=DeskSettings)
async def read_desk_settings(db: DbDep) -> DeskSettings:
    """Reminder and auto-close timers, duplicate window, repeat escalation, assignment."""
    return await service.get_desk_settings(db=db)


@router.put("/settings", response_model=DeskSettings)
async def update_desk_settings(
    body: DeskSettingsUpdate, request: Request, db: DbDep
) -> DeskSettings:
    """Change any subset of the desk settings; unknown keys are refused (422)."""
    before, after = await service.update_desk_settings(db=db, change=body)
    audit.note(request, before=before.model_dump(mode="json"), after=after.model_dump(mode="json"))
    return after
