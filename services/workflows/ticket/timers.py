"""When the ticket's timers fall due, as a pure function of its state and the desk's
configuration: the workflow sleeps until the earliest and fires every one due by then.
Nothing here reads a clock; the workflow passes `workflow.now()` where one is needed."""

from datetime import datetime, timedelta
from typing import NamedTuple

from shared.desk_config import DeskConfig
from shared.enums import TicketStatus
from shared.sla import SlaClock
from shared.ticket.vocabulary import TimerKind
from shared.tickets import TicketState


class DueTimer(NamedTuple):
    at: datetime
    kind: TimerKind
    clock: SlaClock | None  # the SLA clock a warning or breach is about


def clocks_of(state: TicketState) -> list[SlaClock]:
    return [clock for clock in (state.response, state.resolution) if clock]


def due_timers(state: TicketState, config: DeskConfig) -> list[DueTimer]:
    """Every timer the ticket has now, in no particular order."""
    timers: list[DueTimer] = []
    for clock in clocks_of(state):
        if clock.running and clock.warned_at is None and clock.breached_at is None:
            timers.append(DueTimer(clock.warn_at(config.sla.warning_share), TimerKind.WARN, clock))
        if clock.running and clock.breached_at is None:
            timers.append(DueTimer(clock.due_at(), TimerKind.BREACH, clock))
    desk = config.desk
    if state.status is TicketStatus.AWAITING_USER and state.awaiting_since is not None:
        if state.reminders_sent < len(desk.awaiting_user_reminder_seconds):
            after = desk.awaiting_user_reminder_seconds[state.reminders_sent]
            timers.append(
                DueTimer(state.awaiting_since + timedelta(seconds=after), TimerKind.REMIND, None)
            )
        after = desk.awaiting_user_autoclose_seconds
        timers.append(
            DueTimer(state.awaiting_since + timedelta(seconds=after), TimerKind.NO_RESPONSE, None)
        )
    if state.status is TicketStatus.RESOLVED and state.resolved_at is not None:
        after = desk.resolved_autoclose_seconds
        timers.append(
            DueTimer(state.resolved_at + timedelta(seconds=after), TimerKind.AUTO_CLOSE, None)
        )
    waiting = state.status is TicketStatus.PENDING and state.assignee is None
    if waiting and state.next_assignment_at is not None:
        timers.append(DueTimer(state.next_assignment_at, TimerKind.ASSIGN, None))
    return timers


def next_deadline(state: TicketState, config: DeskConfig) -> datetime | None:
    """The moment the earliest timer falls due; None when the ticket has none."""
    return min((timer.at for timer in due_timers(state, config)), default=None)
