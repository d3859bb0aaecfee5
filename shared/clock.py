"""Wall-clock time for services (workflows use `workflow.now()` instead)."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now in UTC, at millisecond precision: what MongoDB stores, so a value reads back equal."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)
