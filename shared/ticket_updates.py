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


class _Fields(BaseModel):
    """What the caller of an action chooses (the body of its HTTP endpoint)."""

    model_config = ConfigDict(extra="forbid")


class ResolveFields(_Fields):
    solution: str = Field(min_length=1, max_length=20_000)


class ResolveRequest(ResolveFields, _Request):
    pass


class ReopenFields(_Fields):
    reason: str = Field(min_length=1, max_length=2_000)


class ReopenRequest(ReopenFields, _Request):
    pass


class ConfirmFields(_Fields):
    rating: int | None = Field(default=None, ge=1, le=5)
    comment: str | None = Field(default=None, max_length=2_000)


class ConfirmRequest(ConfirmFields, _Request):
    pass


class EscalateFields(_Fields):
    level: int = Field(ge=1, le=3)
    reason: str = Field(min_length=1, max_length=2_000)


class EscalateRequest(EscalateFields, _Request):
    pass


class AddCollaboratorGroupFields(_Fields):
    group: StandardGroup


class AddCollaboratorGroupRequest(AddCollaboratorGroupFields, _Request):
    pass


class SetPriorityFields(_Fields):
    priority: Priority
    reason: str = Field(min_length=1, max_length=2_000)


class SetPriorityRequest(SetPriorityFields, _Request):
    pass


class ManualCloseReason(StrEnum):
    INVALID = "invalid"
    NO_ACTION = "no_action"
    DUPLICATE = "duplicate"


class CloseFields(_Fields):
    reason: ManualCloseReason
    note: str | None = Field(default=None, max_length=2_000)


class CloseRequest(CloseFields, _Request):
    pass


class MergeIntoFields(_Fields):
    into_ticket_id: str = Field(min_length=1, max_length=64)


class MergeIntoRequest(MergeIntoFields, _Request):
    pass


class VerifyIdentityFields(_Fields):
    method: str = Field(min_length=1, max_length=200)
    passed: bool


class VerifyIdentityRequest(VerifyIdentityFields, _Request):
    pass


class RecordOperationFields(_Fields):
    operation: str = Field(min_length=1, max_length=200)
    detail: str = Field(default="", max_length=5_000)


class RecordOperationRequest(RecordOperationFields, _Request):
    pass


class DuplicateMerged(BaseModel):
    ticket_id: str
    number: int
