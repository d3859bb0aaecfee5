"""What every statistics report is asked for: a period in a time zone, optional filters,
and the caller's scope (agents see their groups' tickets and their own)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Query

from shared.clock import utcnow
from shared.enums import Category, Priority, StandardGroup, TicketType
from shared.errors import ApiError

DEFAULT_DAYS = 30
LONGEST_PERIOD = timedelta(days=400)
HOURLY_UP_TO = timedelta(days=2)  # shorter periods get an hourly series


@dataclass(frozen=True)
class StatsQuery:
    start: datetime  # aware, inclusive
    end: datetime  # aware, exclusive
    zone: ZoneInfo
    type: TicketType | None = None
    category: Category | None = None
    priority: Priority | None = None
    group: StandardGroup | None = None
    agent: str | None = None

    @property
    def hourly(self) -> bool:
        return self.end - self.start <= HOURLY_UP_TO

    @property
    def as_of(self) -> datetime:
        """The moment figures are evaluated at: the period's end, or now if sooner."""
        return min(self.end, utcnow())

    @property
    def as_of_epoch(self) -> float:
        return self.as_of.timestamp()

    def contains(self, at: float) -> bool:
        """Whether `at` (epoch seconds) falls inside the period."""
        return self.start.timestamp() <= at < self.end.timestamp()

    def moment(self, at: float) -> datetime:
        """Epoch seconds as a time in the report's time zone."""
        return datetime.fromtimestamp(at, self.zone)

    def filters(self) -> dict[str, Any]:
        """The filters as plain equality conditions on ticket facts."""
        conditions: dict[str, Any] = {}
        for name in ("type", "category", "priority", "group"):
            if (value := getattr(self, name)) is not None:
                conditions[name] = value.value
        if self.agent is not None:
            conditions["handled_by"] = self.agent
        return conditions

    def describe(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "tz": self.zone.key,
            "granularity": "hour" if self.hourly else "day",
            "as_of": self.as_of.isoformat(),
            "filters": self.filters(),
        }

    def bucket(self, at: datetime | float) -> str:
        """The series bucket (local day or hour) of `at` (a time or epoch seconds)."""
        local = self.moment(at) if isinstance(at, float | int) else at.astimezone(self.zone)
        return local.strftime("%Y-%m-%dT%H:00") if self.hourly else local.date().isoformat()

    def buckets(self) -> list[str]:
        """Every bucket of the period, in order."""
        found: list[str] = []
        step = timedelta(hours=1) if self.hourly else timedelta(hours=6)
        moment = self.start
        while moment < self.end:
            key = self.bucket(moment)
            if not found or found[-1] != key:
                found.append(key)
            moment += step
        return found


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ApiError(
            422, "invalid_time_zone", f"'{name}' is not a time zone (e.g. Asia/Shanghai, UTC)."
        ) from exc


def _moment(value: str, zone: ZoneInfo, *, end: bool) -> datetime:
    """A date (midnight in `zone`; an end date counts whole) or a date and time."""
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime.combine(day + timedelta(days=1 if end else 0), time(), zone)
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ApiError(
            422, "invalid_period", f"'{value}' is not a date (YYYY-MM-DD) or an ISO date-time."
        ) from exc
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


async def stats_query(
    from_: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    to: Annotated[str | None, Query(max_length=40)] = None,
    tz: Annotated[str, Query(max_length=64)] = "UTC",
    type: TicketType | None = None,
    category: Category | None = None,
    priority: Priority | None = None,
    group: StandardGroup | None = None,
    agent: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
) -> StatsQuery:
    """The report's question; by default the last 30 days, today included."""
    zone = _zone(tz)
    end = _moment(to, zone, end=True) if to else utcnow()
    if from_:
        start = _moment(from_, zone, end=False)
    else:
        today = end.astimezone(zone).date()
        start = datetime.combine(today - timedelta(days=DEFAULT_DAYS - 1), time(), zone)
    if start >= end:
        raise ApiError(422, "invalid_period", "'from' must be before 'to'.")
    if end - start > LONGEST_PERIOD:
        raise ApiError(422, "period_too_long", "A report covers at most 400 days.")
    return StatsQuery(
        start=start,
        end=end,
        zone=zone,
        type=type,
        category=category,
        priority=priority,
        group=group,
        agent=agent,
    )
