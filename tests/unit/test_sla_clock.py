"""An SLA clock (no servers): its deadline moves by the time spent waiting on the customer,
a resolution stopped and reopened continues, and the ticket's state is its worst clock."""

from datetime import UTC, datetime, timedelta

from shared.enums import SlaState
from shared.sla import SlaClock, overall_state

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


def test_a_pause_moves_the_deadline_by_its_length_and_excludes_it_from_working_time() -> None:
    clock = SlaClock(target_seconds=3600, started_at=START)
    assert clock.due_at() == at(60)
    clock.pause(at(10))
    assert clock.state() is SlaState.PAUSED
    assert clock.elapsed_seconds(at(40)) == 600  # the pause does not count
    clock.resume(at(40))
    assert clock.due_at() == at(90)
    assert clock.elapsed_seconds(at(50)) == 20 * 60
    assert clock.warn_at(0.8) == at(48 + 30)


def test_a_resolution_stopped_then_reopened_continues_where_it_stopped() -> None:
    clock = SlaClock(target_seconds=3600, started_at=START)
    clock.stop(at(20))
    assert clock.state() is SlaState.MET
    clock.restart(at(80))  # an hour resolved counts as paused
    assert clock.running
    assert clock.due_at() == at(120)
    assert clock.elapsed_seconds(at(90)) == 30 * 60


def test_a_new_target_moves_the_deadline_and_warns_again_unless_breached() -> None:
    clock = SlaClock(target_seconds=3600, started_at=START, warned_at=at(48))
    clock.retarget(7200)
    assert (clock.due_at(), clock.warned_at) == (at(120), None)
    breached = SlaClock(target_seconds=60, started_at=START, warned_at=at(1), breached_at=at(1))
    breached.retarget(7200)
    assert breached.warned_at == at(1)


def test_the_tickets_state_is_its_worst_clock() -> None:
    on_track = SlaClock(target_seconds=60, started_at=START)
    met = SlaClock(target_seconds=60, started_at=START, stopped_at=at(1))
    at_risk = SlaClock(target_seconds=60, started_at=START, warned_at=at(1))
    breached = SlaClock(target_seconds=60, started_at=START, breached_at=at(2))
    assert overall_state(met, on_track) is SlaState.ON_TRACK
    assert overall_state(on_track, at_risk) is SlaState.AT_RISK
    assert overall_state(at_risk, breached) is SlaState.BREACHED
    assert overall_state(met, met) is SlaState.MET
