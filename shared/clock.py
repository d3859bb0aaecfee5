"""Wall-clock time for services (workflows use `workflow.now()` instead)."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now in UTC, at millisecond precision: what MongoDB stores, so a value reads back equal."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def as_utc(moment: datetime) -> datetime:
    """A moment a client sent without a zone, taken as UTC (the zone of everything stored)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
