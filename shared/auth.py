"""Who is calling: the access tokens intake issues and every service accepts (K1)."""

from datetime import datetime, timedelta

import jwt
from pydantic import BaseModel, ConfigDict, Field

from shared.enums import Role
from shared.errors import ApiError
from shared.settings import Settings
from shared.ticket_updates import STAFF_ROLES, ActingUser

ALGORITHM = "HS256"
# Managers and admins see every ticket; other staff see their groups' tickets.
ALL_TICKETS_ROLES = frozenset({Role.MANAGER, Role.ADMIN})


class Principal(BaseModel):
    """The authenticated caller: a person (token) or a client system (API key)."""

    model_config = ConfigDict(frozen=True)

    id: str
    role: Role
    name: str = ""
    email: str | None = None
    groups: tuple[str, ...] = ()
    language: str = "zh-CN"
    # Set for a client system: it files and follows tickets on behalf of customers, as far
    # as its scopes let it, for customers of its domains (none listed: any).
    api_key_id: str | None = None
    api_key_scopes: tuple[str, ...] = ()
    api_key_domains: tuple[str, ...] = ()

    def require_scope(self, scope: str) -> None:
        """403 `api_key_scope_missing` for a client system whose key lacks `scope`."""
        if self.api_key_id is not None and scope not in self.api_key_scopes:
            raise ApiError(
                403,
                "api_key_scope_missing",
                f"This API key may not do this: it lacks the scope '{scope}'.",
                {"scope": scope, "scopes": list(self.api_key_scopes)},
            )

    @property
    def is_staff(self) -> bool:
        return self.api_key_id is None and self.role in STAFF_ROLES

    @property
    def sees_all_tickets(self) -> bool:
        return self.is_staff and self.role in ALL_TICKETS_ROLES

    def acting_user(self) -> ActingUser:
        return ActingUser(id=self.id, role=self.role, name=self.name)


class _Claims(BaseModel):
    sub: str
    role: Role
    name: str = ""
    email: str | None = None
    groups: list[str] = Field(default_factory=list)
    lang: str = "zh-CN"


def issue_token(principal: Principal, *, settings: Settings, now: datetime) -> str:
    """A signed access token for `principal`, valid for the configured minutes."""
    claims = _Claims(
        sub=principal.id,
        role=principal.role,
        name=principal.name,
        email=principal.email,
        groups=list(principal.groups),
        lang=principal.language,
    ).model_dump()
    claims["iat"] = int(now.timestamp())
    claims["exp"] = int((now + timedelta(minutes=settings.access_token_minutes)).timestamp())
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm=ALGORITHM)


def read_token(token: str, *, settings: Settings) -> Principal:
    """The principal a valid token names; 401 `invalid_token` otherwise."""
    try:
        payload = jwt.decode(
            token,
            settings.jwt_secret.get_secret_value(),
            algorithms=[ALGORITHM],
            options={"require": ["exp", "sub"]},
        )
        claims = _Claims.model_validate(payload)
    except jwt.ExpiredSignatureError as exc:
        raise ApiError(401, "token_expired", "The access token has expired; log in again.") from exc
    except (jwt.PyJWTError, ValueError) as exc:
        raise ApiError(401, "invalid_token", "The access token is not valid.") from exc
    return Principal(
        id=claims.sub,
        role=claims.role,
        name=claims.name,
        email=claims.email,
        groups=tuple(claims.groups),
        language=claims.lang,
    )
