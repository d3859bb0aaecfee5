"""Dependencies of the intake routes, built once in the lifespan and kept on app.state.
(All `async def`: FastAPI runs a plain function dependency in its thread pool.)"""

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from temporalio.client import Client

from services.intake.auth import service as auth_service
from shared.auth import Principal, read_token
from shared.clock import utcnow
from shared.deps import DbDep as DbDep  # re-exported for the routes
from shared.deps import SettingsDep as SettingsDep
from shared.enums import Role
from shared.errors import ApiError
from shared.ratelimit import RateLimit
from shared.session import token_of_request


async def get_temporal(request: Request) -> Client:
    client: Client = request.app.state.temporal
    return client


TemporalDep = Annotated[Client, Depends(get_temporal)]

_bearer = OAuth2PasswordBearer(tokenUrl="/v1/auth/token", auto_error=False)
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False)


async def get_principal(
    request: Request,
    settings: SettingsDep,
    db: DbDep,
    token: Annotated[str | None, Security(_bearer)],
    api_key: Annotated[str | None, Security(_api_key)],
) -> Principal:
    """The authenticated caller (bearer token, session cookie or API key), within its rate
    limit."""
    if api_key:
        api_keys: auth_service.ApiKeys = request.app.state.api_keys
        principal = await api_keys.principal(db=db, key=api_key, now=utcnow())
    elif token := token_of_request(request, token, settings=settings):
        principal = read_token(token, settings=settings)
        if principal.is_staff:  # privileges come from the account as it is now
            accounts: auth_service.StaffAccounts = request.app.state.staff_accounts
            principal = await accounts.current(db=db, principal=principal)
    else:
        raise ApiError(
            401,
            "not_authenticated",
            "Log in (POST /v1/auth/token) and send the token as 'Authorization: Bearer …', "
            "or send an API key as 'X-API-Key'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    limiter: RateLimit = request.app.state.rate_limiter
    await limiter.check(principal.id)
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
