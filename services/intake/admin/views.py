"""Every administration route of intake under one router (admin role only)."""

from fastapi import APIRouter

from services.intake.admin.agents.views import router as agents_router
from services.intake.admin.api_keys.views import router as api_keys_router
from services.intake.admin.audit.views import router as audit_router
from services.intake.admin.config.views import router as config_router
from services.intake.admin.groups.views import router as groups_router

router = APIRouter()
router.include_router(config_router)
router.include_router(agents_router)
router.include_router(groups_router)
router.include_router(api_keys_router)
router.include_router(audit_router)
