"""Configuration repository of intake: the SLA policy and desk settings in `settings`.

Each is one document holding exactly `model_dump(mode="json")` of its shared model, which
the worker's `load_config` activity reads back. Updates are read-merge-write; the write
only lands if the document is still the one read, so two admins never undo each other.
"""

import itertools
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pymongo.errors import DuplicateKeyError

from services.intake.admin.config.models import DeskSettingsUpdate, SlaPolicyUpdate
from shared import collections
from shared.desk_config import DESK_SETTINGS_ID, SLA_POLICY_ID, DeskSettings
from shared.mongo import Database, Document
from shared.refusals import Conflict, Invalid, Refusal
from shared.sla import DEFAULT_SLA_POLICY, SlaPolicy, SlaTarget

M = TypeVar("M", bound=BaseModel)

_ATTEMPTS = 3


async def _read(db: Database, doc_id: str) -> Document | None:
    return await db[collections.SETTINGS].find_one({"_id": doc_id})


async def _swap(db: Database, doc_id: str, before: Document | None, after: Document) -> bool:
    """Store `after` if the stored document is still `before`; whether it was stored."""
    settings = db[collections.SETTINGS]
    if before is None:
        try:
            await settings.insert_one({"_id": doc_id, **after})
        except DuplicateKeyError:
            return False
        return True
    # The whole document read is the filter: it matches only if nobody changed it since.
    result = await settings.replace_one(before, {"_id": doc_id, **after})
    return result.matched_count == 1


def _invalid(code: str, exc: ValidationError) -> Refusal:
    fields = [
        {"location": [str(part) for part in err["loc"]], "message": err["msg"]}
        for err in exc.errors()
    ]
    return Invalid(code, "The resulting configuration is not valid.", {"fields": fields})


async def _update(
    db: Database, doc_id: str, model: type[M], default: Callable[[], M], merge: Callable[[M], M]
) -> tuple[M, M]:
    for _ in range(_ATTEMPTS):
        stored = await _read(db, doc_id)
        before = model.model_validate(stored) if stored else default()
        after = merge(before)
        if await _swap(db, doc_id, stored, after.model_dump(mode="json")):
            return before, after
    raise Conflict("concurrent_update", "The configuration changed meanwhile; try again.")


async def get_sla_policy(*, db: Database) -> SlaPolicy:
    """The stored SLA policy, or the defaults (SPEC E1)."""
    stored = await _read(db, SLA_POLICY_ID)
    return SlaPolicy.model_validate(stored) if stored else DEFAULT_SLA_POLICY


async def update_sla_policy(
    *, db: Database, change: SlaPolicyUpdate
) -> tuple[SlaPolicy, SlaPolicy]:
    """Merge `change` over the stored policy and store it; (before, after)."""

    def merge(current: SlaPolicy) -> SlaPolicy:
        targets = {
            priority: SlaTarget.model_validate(target.model_dump())
            for priority, target in change.policies.items()
        }
        # A priority missing from a stored policy would break the worker: fill in defaults.
        policies = {**DEFAULT_SLA_POLICY.policies, **current.policies, **targets}
        share = current.warning_share if change.warning_share is None else change.warning_share
        return SlaPolicy(warning_share=share, policies=policies)

    return await _update(db, SLA_POLICY_ID, SlaPolicy, lambda: DEFAULT_SLA_POLICY, merge)


async def get_desk_settings(*, db: Database) -> DeskSettings:
    """The stored desk settings, or the defaults."""
    stored = await _read(db, DESK_SETTINGS_ID)
    return DeskSettings.model_validate(stored) if stored else DeskSettings()


def _check_timers(settings: DeskSettings) -> None:
    reminders = settings.awaiting_user_reminder_seconds
    if any(later <= earlier for earlier, later in itertools.pairwise(reminders)):
        raise Invalid(
            "invalid_settings",
            "awaiting_user_reminder_seconds must be ascending.",
            {"awaiting_user_reminder_seconds": reminders},
        )
    if reminders and reminders[-1] >= settings.awaiting_user_autoclose_seconds:
        raise Invalid(
            "invalid_settings",
            "Every reminder must come before awaiting_user_autoclose_seconds.",
            {
                "awaiting_user_reminder_seconds": reminders,
                "awaiting_user_autoclose_seconds": settings.awaiting_user_autoclose_seconds,
            },
        )


async def update_desk_settings(
    *, db: Database, change: DeskSettingsUpdate
) -> tuple[DeskSettings, DeskSettings]:
    """Merge `change` over the stored settings, validate and store them; (before, after)."""
    sent = change.model_dump(mode="json", exclude_unset=True)

    def merge(current: DeskSettings) -> DeskSettings:
        merged: dict[str, Any] = current.model_dump(mode="json")
        for key, value in sent.items():
            nested = isinstance(value, dict) and isinstance(merged.get(key), dict)
            merged[key] = {**merged[key], **value} if nested else value
        try:
            settings = DeskSettings.model_validate(merged)
        except ValidationError as exc:
            raise _invalid("invalid_settings", exc) from exc
        _check_timers(settings)
        return settings

    return await _update(db, DESK_SETTINGS_ID, DeskSettings, DeskSettings, merge)
