"""SLA targets per priority (SPEC E1): the defaults until an admin stores a policy."""

from datetime import datetime, timedelta

from pydantic import BaseModel, Field

from shared.enums import Priority, SlaState


class SlaTarget(BaseModel):
    response_seconds: int = Field(gt=0)
    resolution_seconds: int = Field(gt=0)


class SlaPolicy(BaseModel):
    warning_share: float = Field(default=0.8, gt=0, lt=1)
    policies: dict[Priority, SlaTarget]

    def target(self, priority: Priority) -> SlaTarget:
        return self.policies[priority]


MINUTE = 60
HOUR = 60 * MINUTE
DAY = 24 * HOUR

DEFAULT_SLA_POLICY = SlaPolicy(
    warning_share=0.8,
    policies={
        Priority.URGENT: SlaTarget(response_seconds=15 * MINUTE, resolution_seconds=4 * HOUR),
        Priority.HIGH: SlaTarget(response_seconds=2 * HOUR, resolution_seconds=1 * DAY),
        Priority.NORMAL: SlaTarget(response_seconds=1 * DAY, resolution_seconds=3 * DAY),
        Priority.LOW: SlaTarget(response_seconds=3 * DAY, resolution_seconds=7 * DAY),
    },
)


def due_at(start: datetime, target_seconds: int, paused_seconds: float = 0) -> datetime:
    """The deadline of a clock that started at `start`, extended by the time it was paused."""
    return start + timedelta(seconds=target_seconds + paused_seconds)


class SlaClock(BaseModel):
    """One SLA clock of a ticket (first response or resolution).

    Its deadline is start + target + time spent paused; it pauses while the ticket waits on
    the customer, and a resolution clock stopped by resolve continues on reopen, the time
    in between counting as paused. All arithmetic takes `now` from the caller (the
    workflow's deterministic clock).
    """

    target_seconds: int
    started_at: datetime
    paused_seconds: float = 0
    paused_since: datetime | None = None
    stopped_at: datetime | None = None
    warned_at: datetime | None = None
    breached_at: datetime | None = None

    @property
    def running(self) -> bool:
        return self.stopped_at is None and self.paused_since is None

    def due_at(self) -> datetime:
        """The deadline, not counting a pause still under way."""
        return due_at(self.started_at, self.target_seconds, self.paused_seconds)

    def warn_at(self, share: float) -> datetime:
        return due_at(self.started_at, int(self.target_seconds * share), self.paused_seconds)

    def pause(self, now: datetime) -> None:
        if self.running:
            self.paused_since = now

    def resume(self, now: datetime) -> None:
        if self.paused_since is not None:
            self.paused_seconds += (now - self.paused_since).total_seconds()
            self.paused_since = None

    def stop(self, now: datetime) -> None:
        if self.stopped_at is None:
            self.resume(now)
            self.stopped_at = now

    def restart(self, now: datetime) -> None:
        """Continue a stopped clock from where it stopped (reopen)."""
        if self.stopped_at is not None:
            self.paused_seconds += (now - self.stopped_at).total_seconds()
            self.stopped_at = None

    def retarget(self, target_seconds: int) -> None:
        """A new target (priority change): the deadline moves; a warning is due again."""
        self.target_seconds = target_seconds
        if self.breached_at is None:
            self.warned_at = None

    def state(self) -> SlaState:
        if self.breached_at is not None:
            return SlaState.BREACHED
        if self.stopped_at is not None:
            return SlaState.MET
        if self.paused_since is not None:
            return SlaState.PAUSED
        if self.warned_at is not None:
            return SlaState.AT_RISK
        return SlaState.ON_TRACK

    def elapsed_seconds(self, now: datetime) -> float:
        """Working time spent so far: pauses excluded."""
        end = self.stopped_at or self.paused_since or now
        return (end - self.started_at).total_seconds() - self.paused_seconds


def overall_state(*clocks: SlaClock) -> SlaState:
    """The ticket's SLA state: the worst of its clocks."""
    states = {clock.state() for clock in clocks}
    for state in (SlaState.BREACHED, SlaState.AT_RISK, SlaState.PAUSED, SlaState.ON_TRACK):
        if state in states:
            return state
    return SlaState.MET
