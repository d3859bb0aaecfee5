"""Authentication routes (API.md): log in for a token or a browser session, who am I."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from services.intake.auth import service
from services.intake.auth.models import (
    MeRead,
    OrderList,
    OrderRead,
    SessionCreate,
    SessionRead,
    TokenRead,
)
from services.intake.deps import CurrentUser, DbDep, ResourcesDep, SettingsDep
from services.intake.resources import resources_of
from shared.auth import Principal, issue_token
from shared.clock import utcnow
from shared.errors import ApiError
from shared.mongo import Database
from shared.session import clear_session_cookies, set_session_cookies

router = APIRouter(prefix="/v1", tags=["auth"])
MAX_ORDERS_LISTED = 50


async def _log_in(request: Request, db: Database, email: str, password: str) -> Principal:
    """The account behind this e-mail and password. Only failures spend the throttles (one
    per account, one per client address), so an office of agents behind one address logs
    in at once while guessing stays slow; a throttled attempt is refused before its
    password is checked."""
    failures_of_account = resources_of(request.app).login_limiter
    failures_from_address = resources_of(request.app).login_address_limiter
    account = email.strip().lower()
    address = request.client.host if request.client else "unknown"
    await failures_of_account.ensure_available(account)
    await failures_from_address.ensure_available(address)
    principal = await service.authenticate(db=db, email=email, password=password)
    if principal is None:
        await failures_of_account.spend(account)
        await failures_from_address.spend(address)
        raise ApiError(
            401,
            "invalid_credentials",
            "Wrong e-mail or password.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    request.state.principal = principal  # for the audit log
    return principal


def _me(principal: Principal) -> MeRead:
    return MeRead(
        id=principal.id,
        email=principal.email,
        name=principal.name,
        role=principal.role,
        groups=list(principal.groups),
        language=principal.language,
    )


@router.post("/auth/token", response_model=TokenRead)
async def log_in(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    db: DbDep,
    settings: SettingsDep,
) -> TokenRead:
    """Exchange an e-mail and password for an access token (OAuth2 password flow)."""
    principal = await _log_in(request, db, form.username, form.password)
    return TokenRead(
        access_token=issue_token(principal, settings=settings, now=utcnow()),
        role=principal.role,
        expires_in=settings.access_token_minutes * 60,
    )


@router.post("/auth/session", response_model=SessionRead)
async def open_session(
    body: SessionCreate,
    request: Request,
    response: Response,
    db: DbDep,
    settings: SettingsDep,
) -> SessionRead:
    """Log a browser in: the access token goes into an HttpOnly cookie, never to the page;
    the readable `helpdesk_csrf` cookie is what state-changing requests repeat in the
    `X-CSRF-Token` header."""
    principal = await _log_in(request, db, body.email, body.password)
    token = issue_token(principal, settings=settings, now=utcnow())
    set_session_cookies(response, token, settings=settings)
    return SessionRead(user=_me(principal), expires_in=settings.access_token_minutes * 60)


@router.delete("/auth/session", status_code=status.HTTP_204_NO_CONTENT)
async def close_session(settings: SettingsDep) -> Response:
    """Log the browser out (its cookies are cleared)."""
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_session_cookies(response, settings=settings)
    return response


@router.get("/me/orders", response_model=OrderList)
async def read_my_orders(principal: CurrentUser, resources: ResourcesDep) -> OrderList:
    """The caller's latest orders (A2), to name one when filing; staff have none."""
    found = await resources.orders.orders_of(principal.id, limit=MAX_ORDERS_LISTED)
    return OrderList(items=[OrderRead.model_validate(order) for order in found])


@router.get("/me", response_model=MeRead)
async def read_me(principal: CurrentUser) -> MeRead:
    """The caller's own profile; `id` is what `assign {agent_id}` uses."""
    return _me(principal)
