"""Who may change which canned response. Any staff member reads them all. Managers and
admins change any; other staff create responses for their own groups only (never global
ones) and change or delete the ones they created, within their groups."""

from shared.auth import Principal
from shared.errors import ApiError
from shared.mongo import Document
from shared.ticket_updates import ASSIGNING_ROLES

# Managers and admins curate the shared wording.
CURATOR_ROLES = ASSIGNING_ROLES


def _forbidden(message: str) -> ApiError:
    return ApiError(403, "canned_response_forbidden", message)


def check_group(principal: Principal, group: str | None) -> None:
    """403 unless `principal` may put a response in `group` (None: global)."""
    if principal.role in CURATOR_ROLES:
        return
    if group is None:
        raise _forbidden("Only managers and admins write global canned responses.")
    if group not in principal.groups:
        raise _forbidden(f"You can write canned responses for your own groups only, not '{group}'.")


def check_owner(principal: Principal, canned: Document) -> None:
    """403 unless `principal` may change or delete `canned`."""
    if principal.role in CURATOR_ROLES:
        return
    if canned.get("created_by") != principal.id:
        raise _forbidden("Only its author, a manager or an admin may change this response.")
    check_group(principal, canned.get("group"))
