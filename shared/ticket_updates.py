"""Payloads of the TicketWorkflow updates (names in `UpdateName`); intake sends them, agents
can send them with the Temporal CLI (docs/TICKET_WORKFLOW.md)."""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared.enums import Priority, Role, StandardGroup, Visibility

STAFF_ROLES = frozenset({Role.AGENT, Role.SENIOR, Role.TECH, Role.MANAGER, Role.ADMIN})
ASSIGNING_ROLES = frozenset({Role.MANAGER, Role.ADMIN})


class UpdateName(StrEnum):
    CLAIM = "claim"
    ASSIGN = "assign"
    ADD_MESSAGE = "add_message"
    REQUEST_INFO = "request_info"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    CONFIRM = "confirm"
    ESCALATE = "escalate"
    ADD_COLLABORATOR_GROUP = "add_collaborator_group"
    SET_PRIORITY = "set_priority"
    CLOSE = "close"
    MERGE_INTO = "merge_into"
    VERIFY_IDENTITY = "verify_identity"
    RECORD_OPERATION = "record_operation"


class SignalName(StrEnum):
    CAPACITY_FREED = "capacity_freed"  # an agent of the ticket's group has room again
    DUPLICATE_MERGED = "duplicate_merged"  # another ticket was merged into this one


class ActingUser(BaseModel):
    """Who sends an update: intake fills it from the authenticated caller."""

    model_config = ConfigDict(frozen=True)

    id: str
    role: Role
    name: str = ""


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")

    actor: ActingUser


class ClaimRequest(_Request):
    pass


class AssignRequest(_Request):
    agent_id: str
    agent_name: str = ""


class AddMessageRequest(_Request):
    message_id: str
    visibility: Visibility = Visibility.PUBLIC
    automatic: bool = False  # an automatic reply does not stop the first-response clock


class RequestInfoRequest(_Request):
    message_id: str | None = None


class ResolveRequest(_Request):
    solution: str = Field(min_length=1, max_length=20_000)


class ReopenRequest(_Request):
    reason: str = Field(min_length=1, max_length=2_000)


class ConfirmRequest(_Request):
    rating: int | None = Field(default=None, ge=1, le=5)
    comment: str | None = Field(default=None, max_length=2_000)


class EscalateRequest(_Request):
    level: int = Field(ge=1, le=3)
    reason: str = Field(min_length=1, max_length=2_000)


class AddCollaboratorGroupRequest(_Request):
    group: StandardGroup


class SetPriorityRequest(_Request):
    priority: Priority
    reason: str = Field(min_length=1, max_length=2_000)


class ManualCloseReason(StrEnum):
    INVALID = "invalid"
    NO_ACTION = "no_action"
    DUPLICATE = "duplicate"


class CloseRequest(_Request):
    reason: ManualCloseReason
    note: str | None = Field(default=None, max_length=2_000)


class MergeIntoRequest(_Request):
    into_ticket_id: str = Field(min_length=1, max_length=64)


class VerifyIdentityRequest(_Request):
    method: str = Field(min_length=1, max_length=200)
    passed: bool


class RecordOperationRequest(_Request):
    operation: str = Field(min_length=1, max_length=200)
    detail: str = Field(default="", max_length=5_000)


class DuplicateMerged(BaseModel):
    ticket_id: str
    number: int
