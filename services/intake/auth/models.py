"""Schemas of authentication: tokens, the caller's profile, API keys."""

from datetime import datetime
from typing import Annotated

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from shared.enums import ApiKeyScope, Role

Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
    ),
]


class TokenRead(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    role: Role
    expires_in: int


class MeRead(BaseModel):
    id: str
    email: str | None
    name: str
    role: Role
    groups: list[str]
    language: str


class CustomerRef(BaseModel):
    """The customer a client system files for: found by e-mail or external id, or created."""

    model_config = ConfigDict(extra="forbid")

    email: Email | None = None
    external_id: str | None = Field(default=None, min_length=1, max_length=128)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    language: str = Field(default="zh-CN", pattern=r"^(zh-CN|en)$")

    @model_validator(mode="after")
    def _identified(self) -> "CustomerRef":
        if self.email is None and self.external_id is None:
            raise ValueError("a customer needs an email or an external_id")
        return self


Domain = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_lower=True,
        max_length=253,
        pattern=r"(?i)^([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$",
    ),
]
DEFAULT_SCOPES = [ApiKeyScope.FILE_TICKETS, ApiKeyScope.READ_TICKETS]


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    scopes: list[ApiKeyScope] = Field(
        default_factory=lambda: list(DEFAULT_SCOPES),
        min_length=1,
        description="What the key may do; by default file tickets and read the ones it filed.",
    )
    customer_domains: list[Domain] = Field(
        default_factory=list,
        max_length=50,
        description="The e-mail domains of the customers it may file for; none: any.",
    )
    expires_at: AwareDatetime | None = Field(
        default=None, description="When it stops working; none: until revoked."
    )


class ApiKeyRead(BaseModel):
    id: str
    name: str
    prefix: str
    created_at: datetime
    created_by: str
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
    # Keys issued before scopes existed may do everything, for any customer.
    scopes: list[ApiKeyScope] = Field(default_factory=lambda: list(ApiKeyScope))
    customer_domains: list[str] = Field(default_factory=list)
    expires_at: datetime | None = None


class ApiKeyCreated(ApiKeyRead):
    # Shown once, at creation: only its hash is stored.
    key: str


class SessionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=1024)


class SessionRead(BaseModel):
    user: MeRead
    expires_in: int


class OrderRead(BaseModel):
    """An order as the order system tells it; fields beyond these pass through."""

    model_config = ConfigDict(extra="allow")

    id: str
    status: str | None = None
    total: float | None = None
    currency: str | None = None
    placed_at: datetime | None = None


class OrderList(BaseModel):
    items: list[OrderRead]
