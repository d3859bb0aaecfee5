"""The ticket document (no servers): the one intake stores at filing says what the
workflow's first projection says of every field the workflow owns."""

from datetime import UTC, datetime
from typing import Any

from shared.enums import Priority, StandardGroup, TicketStatus
from shared.sla import DEFAULT_SLA_POLICY, SlaClock
from shared.ticket.document import PRIORITY_RANK, new_ticket_document, ticket_projection
from shared.tickets import TicketState

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def without_elapsed(sla: dict[str, Any]) -> dict[str, Any]:
    # Working time so far: unknown (None) when filed, 0 s in the first projection.
    return {
        key: {k: v for k, v in value.items() if k != "elapsed_seconds"}
        if isinstance(value, dict)
        else value
        for key, value in sla.items()
    }


def test_the_filed_document_and_the_first_projection_agree() -> None:
    target = DEFAULT_SLA_POLICY.target(Priority.HIGH)
    filed = new_ticket_document(
        ticket_id="t1",
        number=7,
        fields={"title": "Printer offline", "type": "technical", "category": "connection"},
        priority=Priority.HIGH,
        priority_suggested=Priority.URGENT,
        submitter={"id": "c1", "name": "Alice", "email": None},
        policy=DEFAULT_SLA_POLICY,
        now=NOW,
    )
    state = TicketState(
        ticket_id="t1",
        number=7,
        status=TicketStatus.PENDING,
        priority=Priority.HIGH,
        group=StandardGroup.FRONTLINE,
        response=SlaClock(target_seconds=target.response_seconds, started_at=NOW),
        resolution=SlaClock(target_seconds=target.resolution_seconds, started_at=NOW),
    )
    projected = ticket_projection(state, NOW)
    shared = set(filed) & set(projected) - {"sla"}
    assert {key: filed[key] for key in shared} == {key: projected[key] for key in shared}
    assert without_elapsed(filed["sla"]) == without_elapsed(projected["sla"])
    assert filed["sla"]["response"]["due_at"] == datetime(2026, 3, 2, 11, 0, tzinfo=UTC)
    assert (filed["priority_rank"], filed["priority_suggested"]) == (
        PRIORITY_RANK[Priority.HIGH],
        Priority.URGENT,
    )
    assert filed["workflow"] == {"id": "ticket-t1", "started": False}
