"""Bulk actions: one change applied to many tickets by one durable workflow.

Intake checks who asks and which tickets; the bulk workflow (run by the ticket worker)
sends each ticket's workflow the same update with an id of its own per ticket, so a
retried step never changes a ticket twice. What each ticket looked like before is kept
for the undo of reversible changes."""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared.enums import Priority, StandardGroup
from shared.ticket_updates import (
    ActingUser,
    AddCollaboratorGroupRequest,
    AssignRequest,
    CloseRequest,
    ManualCloseReason,
    MergeIntoRequest,
    SetPriorityRequest,
    UpdateName,
)

BULK_WORKFLOW = "BulkActionWorkflow"
MAX_BULK_TICKETS = 5_000


class BulkKind(StrEnum):
    ASSIGN = "assign"
    SET_PRIORITY = "set_priority"
    ADD_COLLABORATOR = "add_collaborator"
    CLOSE_INVALID = "close_invalid"
    MERGE = "merge"


# Changes with an action that puts the ticket back (there is no "unclose" or "remove a
# collaborator group"): only these offer an undo.
REVERSIBLE = frozenset({BulkKind.ASSIGN, BulkKind.SET_PRIORITY})


class BulkPhase(StrEnum):
    APPLYING = "applying"
    APPLIED = "applied"  # done; the undo is open until undo_until
    UNDOING = "undoing"
    UNDONE = "undone"
    FINISHED = "finished"  # nothing more can happen


class BulkRejectionCode(StrEnum):
    """Why the bulk action's workflow refuses an undo: the `type` of its ApplicationError,
    which intake passes on as the API's error code."""

    UNDO_UNAVAILABLE = "undo_unavailable"  # not finished, not reversible, or undone already
    NOT_PERMITTED = "not_permitted"  # only who ran it, a manager or an admin undoes it


class ItemOutcome(StrEnum):
    CHANGED = "changed"
    SKIPPED = "skipped"  # the action is not legal for the ticket now: code and reason
    UNDONE = "undone"
    NOT_UNDONE = "not_undone"  # changed since, or nothing to go back to: code and reason


class BulkParams(BaseModel):
    """What the change is; which fields matter depends on the kind."""

    model_config = ConfigDict(extra="forbid")

    agent_id: str | None = Field(default=None, max_length=64)
    agent_name: str = ""
    priority: Priority | None = None
    group: StandardGroup | None = None
    into_ticket_id: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None, max_length=2_000)
    different_customer_reason: str | None = Field(default=None, max_length=500)


class BulkSpec(BaseModel):
    """The action without its tickets: what every step is told."""

    action_id: str
    kind: BulkKind
    params: BulkParams
    actor: ActingUser
    undo_seconds: int  # how long a reversible change can be undone (0: no undo)


class BulkActionStart(BaseModel):
    spec: BulkSpec
    ticket_ids: list[str]  # in the order they are worked (at most MAX_BULK_TICKETS)


class BulkTally(BaseModel):
    done: int = 0
    changed: int = 0
    skipped: int = 0
    undone: int = 0
    not_undone: int = 0

    def plus(self, other: "BulkTally") -> "BulkTally":
        return BulkTally(
            done=self.done + other.done,
            changed=self.changed + other.changed,
            skipped=self.skipped + other.skipped,
            undone=self.undone + other.undone,
            not_undone=self.not_undone + other.not_undone,
        )


class BulkProgress(BaseModel):
    action_id: str
    phase: BulkPhase
    total: int
    tally: BulkTally
    undo_until: datetime | None = None
    undo_total: int = 0  # tickets the undo goes back over (the changed ones)


class BulkChunk(BaseModel):
    """One step of the workflow: a slice of the tickets, and the tally before it."""

    spec: BulkSpec
    ticket_ids: list[str]
    offset: int  # the slice's first position among the action's tickets
    before: BulkTally
    undo: bool = False
    undo_actor: ActingUser | None = None


class UndoRequest(BaseModel):
    actor: ActingUser


class Previous(BaseModel):
    """What a ticket looked like before the change (for the undo)."""

    assignee_id: str | None = None
    assignee_name: str = ""
    priority: Priority | None = None


class TicketChange(BaseModel):
    update: UpdateName
    request: (
        AssignRequest
        | SetPriorityRequest
        | AddCollaboratorGroupRequest
        | CloseRequest
        | (MergeIntoRequest)
    )


def ticket_change(kind: BulkKind, params: BulkParams, actor: ActingUser) -> TicketChange:
    """The update every ticket of the action gets."""
    match kind:
        case BulkKind.ASSIGN:
            return TicketChange(
                update=UpdateName.ASSIGN,
                request=AssignRequest(
                    actor=actor, agent_id=params.agent_id or "", agent_name=params.agent_name
                ),
            )
        case BulkKind.SET_PRIORITY:
            assert params.priority is not None
            return TicketChange(
                update=UpdateName.SET_PRIORITY,
                request=SetPriorityRequest(
                    actor=actor, priority=params.priority, reason=params.reason or "bulk action"
                ),
            )
        case BulkKind.ADD_COLLABORATOR:
            assert params.group is not None
            return TicketChange(
                update=UpdateName.ADD_COLLABORATOR_GROUP,
                request=AddCollaboratorGroupRequest(actor=actor, group=params.group),
            )
        case BulkKind.CLOSE_INVALID:
            return TicketChange(
                update=UpdateName.CLOSE,
                request=CloseRequest(
                    actor=actor, reason=ManualCloseReason.INVALID, note=params.reason
                ),
            )
        case BulkKind.MERGE:
            return TicketChange(
                update=UpdateName.MERGE_INTO,
                request=MergeIntoRequest(actor=actor, into_ticket_id=params.into_ticket_id or ""),
            )


def undo_change(
    kind: BulkKind, previous: Previous, actor: ActingUser, reason: str
) -> TicketChange | None:
    """The update that puts one ticket back; None when there is nothing to go back to (an
    assignment of a ticket nobody had: no action unassigns)."""
    if kind is BulkKind.ASSIGN and previous.assignee_id:
        return TicketChange(
            update=UpdateName.ASSIGN,
            request=AssignRequest(
                actor=actor, agent_id=previous.assignee_id, agent_name=previous.assignee_name
            ),
        )
    if kind is BulkKind.SET_PRIORITY and previous.priority is not None:
        return TicketChange(
            update=UpdateName.SET_PRIORITY,
            request=SetPriorityRequest(actor=actor, priority=previous.priority, reason=reason),
        )
    return None


def bulk_workflow_id(action_id: str) -> str:
    return f"bulk-{action_id}"


def item_id(action_id: str, ticket_id: str) -> str:
    return f"{action_id}:{ticket_id}"


def update_id(action_id: str, ticket_id: str, *, undo: bool) -> str:
    """The ticket update's id: the same in every retry, so the ticket applies it once."""
    return f"bulk-{action_id}-{'undo' if undo else 'do'}-{ticket_id}"
