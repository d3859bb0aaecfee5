"""Dependencies of the notify routes, built once in the lifespan and kept on app.state."""

from typing import Annotated

import httpx
from fastapi import Depends, Query, Request, Security
from fastapi.security import OAuth2PasswordBearer

from services.notify.inbox.hub import InboxHub
from services.notify.webhooks.service import SubscriptionCache
from shared.auth import Principal, read_token
from shared.deps import DbDep as DbDep  # re-exported for the routes
from shared.deps import SettingsDep as SettingsDep
from shared.enums import Role
from shared.errors import ApiError
from shared.session import token_of_request

# Tokens come from intake (POST /v1/auth/token); every service verifies them the same way.
_bearer = OAuth2PasswordBearer(tokenUrl="/v1/auth/token", auto_error=False)


async def get_principal(
    request: Request,
    settings: SettingsDep,
    token: Annotated[str | None, Security(_bearer)],
    access_token: Annotated[
        str | None, Query(description="for EventSource, which cannot send headers")
    ] = None,
) -> Principal:
    """The caller, from 'Authorization: Bearer …', the browser's session cookie, or
    `?access_token=` for a live stream."""
    sent = token_of_request(request, token or access_token, settings=settings)
    if not sent:
        raise ApiError(
            401,
            "not_authenticated",
            "Log in at intake (POST /v1/auth/token) and send 'Authorization: Bearer …'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    principal = read_token(sent, settings=settings)
    request.state.principal = principal  # for the audit log
    return principal


CurrentUser = Annotated[Principal, Depends(get_principal)]


async def get_admin(principal: CurrentUser) -> Principal:
    if principal.role is not Role.ADMIN:
        raise ApiError(403, "admin_only", "Only an admin may do this.")
    return principal


AdminUser = Annotated[Principal, Depends(get_admin)]


async def get_inbox_hub(request: Request) -> InboxHub:
    hub: InboxHub = request.app.state.inbox_hub
    return hub


InboxHubDep = Annotated[InboxHub, Depends(get_inbox_hub)]


async def get_http(request: Request) -> httpx.AsyncClient:
    """The client webhooks are delivered (and tested) with."""
    http: httpx.AsyncClient = request.app.state.http
    return http


HttpDep = Annotated[httpx.AsyncClient, Depends(get_http)]


async def get_webhook_subscriptions(request: Request) -> SubscriptionCache:
    cache: SubscriptionCache = request.app.state.webhook_subscriptions
    return cache


SubscriptionsDep = Annotated[SubscriptionCache, Depends(get_webhook_subscriptions)]
