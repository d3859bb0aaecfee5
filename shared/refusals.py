"""Refusals: what the desk's domain code raises when a request cannot be done. A refusal has
a stable code, a message for humans and details, and no HTTP in it: its kind says what went
wrong, and the HTTP services' error handler (shared/errors.py) turns the kind into a status.
Repository and use-case modules raise these; only views speak HTTP."""

from typing import Any


class Refusal(Exception):  # noqa: N818 (a refusal is an answer, not a fault)
    """A request the desk refuses, with a stable `code` a caller can act on."""

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}


class Malformed(Refusal):
    """The request cannot be read (a cursor this desk never gave out, a bad id)."""


class NotAuthenticated(Refusal):
    """Who is asking is not known (wrong password, expired session)."""


class NotPermitted(Refusal):
    """Who is asking may not do this."""


class NotFound(Refusal):
    """What the request names does not exist, or is not visible to who asks."""


class Conflict(Refusal):
    """The request is fine, but the state of what it names forbids it now."""


class UnsupportedMedia(Refusal):
    """The content's type is not one the desk takes."""


class Invalid(Refusal):
    """The request is understood but its content is not acceptable."""
