"""The ticket's timers as a pure function of its state and the desk's configuration (no
servers): what falls due when, for each status."""

from datetime import UTC, datetime, timedelta

from services.workflows.ticket.timers import due_timers, next_deadline
from shared.desk_config import DeskConfig, DeskSettings
from shared.enums import Priority, StandardGroup, TicketStatus
from shared.sla import SlaClock
from shared.ticket.vocabulary import TimerKind
from shared.tickets import AgentRef, TicketState

FILED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CONFIG = DeskConfig(
    desk=DeskSettings(
        awaiting_user_reminder_seconds=[3600, 7200],
        awaiting_user_autoclose_seconds=10_800,
        resolved_autoclose_seconds=86_400,
    )
)


def ticket(status: TicketStatus, **fields: object) -> TicketState:
    return TicketState(
        ticket_id="t1",
        number=1,
        status=status,
        priority=Priority.HIGH,
        group=StandardGroup.FRONTLINE,
        **fields,
    )


def timers_of(state: TicketState) -> dict[TimerKind, datetime]:
    return {timer.kind: timer.at for timer in due_timers(state, CONFIG)}


def test_running_clocks_warn_at_their_share_and_breach_at_their_deadline() -> None:
    response = SlaClock(target_seconds=1000, started_at=FILED)
    state = ticket(TicketStatus.PROCESSING, response=response, assignee=AgentRef(id="a1"))
    assert timers_of(state) == {
        TimerKind.WARN: FILED + timedelta(seconds=800),
        TimerKind.BREACH: FILED + timedelta(seconds=1000),
    }
    # Once warned, only the breach is left; a paused clock has neither.
    response.warned_at = FILED + timedelta(seconds=800)
    assert timers_of(state) == {TimerKind.BREACH: FILED + timedelta(seconds=1000)}
    response.pause(FILED + timedelta(seconds=900))
    assert timers_of(state) == {}
    assert next_deadline(state, CONFIG) is None


def test_a_ticket_waiting_on_the_customer_is_reminded_then_closed() -> None:
    asked = FILED + timedelta(hours=1)
    state = ticket(TicketStatus.AWAITING_USER, awaiting_since=asked)
    assert timers_of(state) == {
        TimerKind.REMIND: asked + timedelta(seconds=3600),
        TimerKind.NO_RESPONSE: asked + timedelta(seconds=10_800),
    }
    state.reminders_sent = 1
    assert timers_of(state)[TimerKind.REMIND] == asked + timedelta(seconds=7200)
    state.reminders_sent = 2  # every reminder sent: only the close is left
    assert timers_of(state) == {TimerKind.NO_RESPONSE: asked + timedelta(seconds=10_800)}
    assert next_deadline(state, CONFIG) == asked + timedelta(seconds=10_800)


def test_a_resolved_ticket_closes_itself_and_an_unassigned_one_retries_assignment() -> None:
    resolved = FILED + timedelta(hours=5)
    assert timers_of(ticket(TicketStatus.RESOLVED, resolved_at=resolved)) == {
        TimerKind.AUTO_CLOSE: resolved + timedelta(seconds=86_400)
    }
    retry = FILED + timedelta(minutes=5)
    assert timers_of(ticket(TicketStatus.PENDING, next_assignment_at=retry)) == {
        TimerKind.ASSIGN: retry
    }
    # Assigned meanwhile: no retry.
    assigned = ticket(TicketStatus.PENDING, next_assignment_at=retry, assignee=AgentRef(id="a1"))
    assert timers_of(assigned) == {}
