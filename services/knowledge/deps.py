"""Dependencies of the knowledge routes, built once in the lifespan and kept on app.state."""

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import OAuth2PasswordBearer

from services.knowledge.deflection.recorder import EventRecorder
from services.knowledge.meili import MeiliGateway
from shared.auth import Principal, read_token
from shared.deps import DbDep as DbDep  # re-exported for the routes
from shared.deps import SettingsDep as SettingsDep
from shared.enums import Role
from shared.errors import ApiError
from shared.ratelimit import RateLimit
from shared.session import token_of_request


async def get_meili(request: Request) -> MeiliGateway:
    meili: MeiliGateway = request.app.state.meili
    return meili


MeiliDep = Annotated[MeiliGateway, Depends(get_meili)]

# Tokens come from intake (POST /v1/auth/token); every service verifies them the same way.
_bearer = OAuth2PasswordBearer(tokenUrl="/v1/auth/token", auto_error=False)


async def get_optional_principal(
    request: Request, settings: SettingsDep, token: Annotated[str | None, Security(_bearer)]
) -> Principal | None:
    """The caller if a valid token (bearer or session cookie) came with the request;
    anonymous otherwise."""
    sent = token_of_request(request, token, settings=settings)
    return read_token(sent, settings=settings) if sent else None


OptionalUser = Annotated[Principal | None, Depends(get_optional_principal)]


async def get_staff(principal: OptionalUser) -> Principal:
    if principal is None:
        raise ApiError(
            401,
            "not_authenticated",
            "Log in at intake (POST /v1/auth/token) and send 'Authorization: Bearer …'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not principal.is_staff:
        raise ApiError(403, "staff_only", "Only agents, managers and admins may do this.")
    return principal


StaffUser = Annotated[Principal, Depends(get_staff)]


async def search_rate_limit(request: Request, principal: OptionalUser) -> None:
    """Public search is limited per client address (429 with Retry-After); staff and the
    ticket workflow (a system token, which only the services can sign) are not."""
    if principal is not None and (principal.is_staff or principal.role is Role.SYSTEM):
        return
    limiter: RateLimit = request.app.state.search_limiter
    await limiter.check(request.client.host if request.client else "unknown")


SearchRateLimit = Depends(search_rate_limit)


async def get_recorder(request: Request) -> EventRecorder:
    recorder: EventRecorder = request.app.state.deflection
    return recorder


RecorderDep = Annotated[EventRecorder, Depends(get_recorder)]
