"""Browser sessions: the access token in an HttpOnly cookie, which page scripts cannot read,
and a CSRF token beside it that they can (K1).

Programs keep sending `Authorization: Bearer …` or an API key; a request that does carries
no cookie authority. A state-changing request authenticated by the cookie must repeat the
CSRF token in a header: another site can make the browser send the cookie (SameSite=Lax
still lets top-level navigations through) but cannot read the CSRF cookie to copy it. The
CSRF token is an HMAC of the session token, so no process has to store it and every
service checks it the same way.
"""

import hashlib
import hmac

from fastapi import Request, Response

from shared.errors import ApiError
from shared.settings import Settings

SESSION_COOKIE = "helpdesk_session"
CSRF_COOKIE = "helpdesk_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_token_for(session_token: str, *, settings: Settings) -> str:
    key = settings.jwt_secret.get_secret_value().encode()
    return hmac.new(key, b"csrf:" + session_token.encode(), hashlib.sha256).hexdigest()


def set_session_cookies(response: Response, token: str, *, settings: Settings) -> None:
    max_age = settings.access_token_minutes * 60
    secure = settings.session_cookie_secure
    response.set_cookie(
        SESSION_COOKIE, token, max_age=max_age, httponly=True, samesite="strict", secure=secure
    )
    response.set_cookie(
        CSRF_COOKIE,
        csrf_token_for(token, settings=settings),
        max_age=max_age,
        httponly=False,  # the page sends it back in a header; that is its whole point
        samesite="strict",
        secure=secure,
    )


def clear_session_cookies(response: Response, *, settings: Settings) -> None:
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.delete_cookie(
            name, samesite="strict", secure=settings.session_cookie_secure, httponly=True
        )


def token_of_request(request: Request, bearer: str | None, *, settings: Settings) -> str | None:
    """The access token a request carries: its bearer header, else its session cookie
    (checked against CSRF when the request changes anything); None if neither."""
    if bearer:
        return bearer
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent, csrf_token_for(token, settings=settings)):
            raise ApiError(
                403,
                "csrf_failed",
                f"A request authenticated by the session cookie must send the '{CSRF_HEADER}' "
                f"header with the value of the '{CSRF_COOKIE}' cookie.",
            )
    return token
