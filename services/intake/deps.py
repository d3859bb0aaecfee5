"""Dependencies of the intake routes, over the resources built once in the lifespan
(services/intake/resources.py). (All `async def`: FastAPI runs a plain function dependency
in its thread pool.)"""

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from temporalio.client import Client

from services.intake.resources import IntakeResources, resources_of
from shared.auth import Principal, read_token
from shared.clock import utcnow
from shared.deps import DbDep as DbDep  # re-exported for the routes
from shared.deps import SettingsDep as SettingsDep
from shared.enums import Role
from shared.errors import ApiError
from shared.session import token_of_request


async def get_resources(request: Request) -> IntakeResources:
    return resources_of(request.app)


ResourcesDep = Annotated[IntakeResources, Depends(get_resources)]


async def get_temporal(resources: ResourcesDep) -> Client:
    return resources.temporal


TemporalDep = Annotated[Client, Depends(get_temporal)]

_bearer = OAuth2PasswordBearer(tokenUrl="/v1/auth/token", auto_error=False)
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False)


async def get_principal(
    request: Request,
    resources: ResourcesDep,
    settings: SettingsDep,
    db: DbDep,
    token: Annotated[str | None, Security(_bearer)],
    api_key: Annotated[str | None, Security(_api_key)],
) -> Principal:
    """The authenticated caller (bearer token, session cookie or API key), within its rate
    limit."""
    if api_key:
        principal = await resources.api_keys.principal(db=db, key=api_key, now=utcnow())
    elif token := token_of_request(request, token, settings=settings):
        principal = read_token(token, settings=settings)
        if principal.is_staff:  # privileges come from the account as it is now
            principal = await resources.staff_accounts.current(db=db, principal=principal)
    else:
        raise ApiError(
            401,
            "not_authenticated",
            "Log in (POST /v1/auth/token) and send the token as 'Authorization: Bearer …', "
            "or send an API key as 'X-API-Key'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    await resources.rate_limiter.check(principal.id)
    request.state.principal = principal  # for the audit log
    return principal


CurrentUser = Annotated[Principal, Depends(get_principal)]


async def get_staff(principal: CurrentUser) -> Principal:
    if not principal.is_staff:
        raise ApiError(403, "staff_only", "Only agents, managers and admins may do this.")
    return principal


async def get_admin(principal: CurrentUser) -> Principal:
    if principal.api_key_id is not None or principal.role is not Role.ADMIN:
        raise ApiError(403, "admin_only", "Only an admin may do this.")
    return principal


StaffUser = Annotated[Principal, Depends(get_staff)]
AdminUser = Annotated[Principal, Depends(get_admin)]
