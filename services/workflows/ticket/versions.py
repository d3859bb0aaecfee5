"""Every `workflow.patched` id of the ticket workflow, what it changed and when it can go.

Temporal's patching lifecycle (temporalio/samples-python's `patching/`): (1) new code runs
under `workflow.patched(id)`, old histories replay the old branch; (2) once no open ticket
started before the patch remains, the check becomes `workflow.deprecate_patch(id)` and the
old branch goes; (3) once no open ticket started before step 2 remains, the call goes too.
A ticket workflow lives until the ticket closes, so "no open ticket started before" is the
condition each step waits for: list the running TicketWorkflow executions started before
the date below (Temporal's visibility: `WorkflowType = 'TicketWorkflow' AND
ExecutionStatus = 'Running' AND StartTime < '<date>'`) and wait until there are none.
The replay test of tests/histories/ holds a history of each version still supported."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Patch:
    id: str
    since: str  # the date the patch landed
    changed: str


LIFECYCLE = Patch(
    "ticket-lifecycle-v1",
    "2026-11-25",
    "the lifecycle steps after filing (reminders, auto-close, escalation on breach)",
)
LOCAL_ACTIVITIES = Patch(
    "ticket-local-activities-v1",
    "2026-11-25",
    "MongoDB reads and writes as local activities, inside the workflow task that needs them",
)
NOTIFY_LOCAL = Patch(
    "ticket-notify-local-v1",
    "2026-11-25",
    "notifications handed over by a local activity (into the outbox)",
)
NOTIFY_SERVICE = Patch(
    "ticket-notify-service-v1",
    "2026-11-25",
    "notifications as an activity on the notify service's own task queue",
)
AUTO_ANSWER = Patch(
    "ticket-auto-answer-v1",
    "2026-11-25",
    "G1: an automatic reply linking the FAQ articles that answer a new ticket",
)
STEPS = Patch(
    "ticket-steps-v1",
    "2026-12-01",
    "a step's events, projection and notifications written at once in one local activity; "
    "implies the four patches before it, so a new ticket records one marker, not five",
)

# Newest last. Every ticket started since STEPS.since records only STEPS; the others are
# checked for tickets started before it, and can be deprecated once none of those is open.
ALL = (LIFECYCLE, LOCAL_ACTIVITIES, NOTIFY_LOCAL, NOTIFY_SERVICE, AUTO_ANSWER, STEPS)
