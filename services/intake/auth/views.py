"""Authentication routes (API.md): log in, who am I."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from services.intake.auth import service
from services.intake.auth.models import MeRead, TokenRead
from services.intake.deps import CurrentUser, DbDep, SettingsDep
from shared.auth import issue_token
from shared.clock import utcnow
from shared.errors import ApiError
from shared.ratelimit import RateLimiter

router = APIRouter(prefix="/v1", tags=["auth"])


@router.post("/auth/token", response_model=TokenRead)
async def log_in(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    db: DbDep,
    settings: SettingsDep,
) -> TokenRead:
    """Exchange an e-mail and password for an access token (OAuth2 password flow)."""
    limiter: RateLimiter = request.app.state.login_limiter
    client = request.client.host if request.client else "unknown"
    limiter.check(f"login:{form.username.strip().lower()}")
    limiter.check(f"login-from:{client}")
    principal = await service.authenticate(db=db, email=form.username, password=form.password)
    if principal is None:
        raise ApiError(
            401,
            "invalid_credentials",
            "Wrong e-mail or password.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    request.state.principal = principal
    return TokenRead(
        access_token=issue_token(principal, settings=settings, now=utcnow()),
        role=principal.role,
        expires_in=settings.access_token_minutes * 60,
    )


@router.get("/me", response_model=MeRead)
async def read_me(principal: CurrentUser) -> MeRead:
    """The caller's own profile; `id` is what `assign {agent_id}` uses."""
    return MeRead(
        id=principal.id,
        email=principal.email,
        name=principal.name,
        role=principal.role,
        groups=list(principal.groups),
        language=principal.language,
    )
