"""The ticket workflow's fixed values: timeouts and retry policies of its activities, the
patch ids it checks (services/workflows/ticket/versions.py says what each changed), the
system actor of automatic steps and the group of each escalation level."""

from datetime import timedelta
from typing import TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from services.workflows.ticket import versions
    from shared.enums import (
        EscalationLevel,
        Role,
        StandardGroup,
    )
    from shared.ticket_updates import (
        ActingUser,
    )

ArgumentT = TypeVar("ArgumentT")
ResultT = TypeVar("ResultT")

# Activities retry until MongoDB answers again: a ticket's history must not have gaps.
ACTIVITY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=1),
)
ACTIVITY_TIMEOUT = timedelta(seconds=30)
LOCAL_ACTIVITY_TIMEOUT = timedelta(seconds=10)
MAX_ASSIGNMENT_RETRY = timedelta(hours=1)
LIFECYCLE_PATCH = versions.LIFECYCLE.id
# MongoDB reads and writes run as local activities: in the worker, inside the workflow task
# that needs them, with no extra round trip through the server. A breach then costs one
# workflow task instead of one per write, which keeps timers on time under load.
LOCAL_ACTIVITIES_PATCH = versions.LOCAL_ACTIVITIES.id
# Notifications are handed over by a local activity too: one activity task and one workflow
# task fewer per notified event, which is most of what filing a ticket costs the cluster.
NOTIFY_LOCAL_PATCH = versions.NOTIFY_LOCAL.id
# Events go to the notify service's own worker (an activity on its task queue): Temporal
# holds them while notify is down, and notify's deliveries are keyed by the event.
NOTIFY_SERVICE_PATCH = versions.NOTIFY_SERVICE.id
NOTIFY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=1),
)
# G1: a new ticket gets an automatic reply linking the FAQ articles that answer it.
AUTO_ANSWER_PATCH = versions.AUTO_ANSWER.id
# A step of the ticket (its first steps when filed, an update, the timers that fell due)
# is written at once when it ends: one insert of its events, one write of the projection,
# one insert of its notifications into the outbox notify drains, together in one local
# activity. A new ticket cost 4 to 6 MongoDB writes and 2 to 3 activities on notify's
# task queue; each such activity cost the Temporal dev server 15 ms of CPU (as much as
# starting the workflow) and the worker one more workflow task. Implies the four patches
# above, so a new ticket records one patch marker (and one search attribute upsert), not five.
STEPS_PATCH = versions.STEPS.id
# Best effort: a knowledge service that does not answer costs a new ticket a few seconds at
# most, never its assignment or its clocks.
AUTO_ANSWER_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_attempts=3)
SYSTEM = ActingUser(id="system", role=Role.SYSTEM, name="system")
GROUP_OF_LEVEL = {
    EscalationLevel.FRONTLINE: StandardGroup.FRONTLINE,
    EscalationLevel.SENIOR_SUPPORT: StandardGroup.SENIOR_SUPPORT,
    EscalationLevel.TECHNICAL_TEAM: StandardGroup.TECHNICAL_TEAM,
    EscalationLevel.MANAGEMENT: StandardGroup.MANAGEMENT,
}
