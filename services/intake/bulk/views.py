"""`/v1/bulk-actions`: start a change over many tickets, follow it live, undo it."""

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.sse import EventSourceResponse, ServerSentEvent
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError

from services.intake.bulk import service
from services.intake.bulk.models import (
    BulkActionCreate,
    BulkActionRead,
    BulkItemPage,
    BulkItemRead,
)
from services.intake.deps import DbDep, SettingsDep, StaffUser, TemporalDep
from services.intake.tickets.workflow_calls import workflow_unavailable
from shared import audit, collections
from shared.bulk import (
    BULK_WORKFLOW,
    BulkActionStart,
    BulkPhase,
    BulkProgress,
    BulkRejectionCode,
    BulkSpec,
    UndoRequest,
    bulk_workflow_id,
)
from shared.clock import utcnow
from shared.enums import ApiKeyScope
from shared.errors import ApiError
from shared.mongo import Document
from shared.streams import server_stopping

router = APIRouter(prefix="/v1/bulk-actions", tags=["bulk actions"])

STREAM_POLL_SECONDS = 0.3
MAX_STREAM_SECONDS = 300.0
# Where a stream stops: ended, or waiting on an undo (the undo's caller follows it anew).
RESTING = {BulkPhase.APPLIED.value, BulkPhase.FINISHED.value, BulkPhase.UNDONE.value}


def _read(action: Document) -> BulkActionRead:
    return BulkActionRead.model_validate({**action, "id": action["_id"]})


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=BulkActionRead)
async def start_bulk_action(
    body: BulkActionCreate,
    request: Request,
    staff: StaffUser,
    db: DbDep,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> BulkActionRead:
    """Start one change over the selected tickets, or over every ticket the filters
    match now (at most 5,000). It runs server-side; a ticket the change is not legal for
    is skipped with its reason. 202: follow it at `/{id}` or `/{id}/stream`."""
    staff.require_scope(ApiKeyScope.ACT_ON_TICKETS)
    await service.check_change(db=db, principal=staff, body=body)
    if body.ticket_ids is not None:
        ticket_ids = await service.check_selection(
            db=db, principal=staff, ticket_ids=body.ticket_ids
        )
    else:
        assert body.filters is not None
        ticket_ids = await service.tickets_of_view(db=db, principal=staff, filters=body.filters)
    document = service.new_action_document(
        body=body,
        principal=staff,
        total=len(ticket_ids),
        undo_seconds=settings.bulk_undo_window_seconds,
        now=utcnow(),
    )
    await db[collections.BULK_ACTIONS].insert_one(document)
    spec = BulkSpec(
        action_id=document["_id"],
        kind=body.kind,
        params=body.params,
        actor=staff.acting_user(),
        undo_seconds=settings.bulk_undo_window_seconds,
    )
    try:
        await temporal.start_workflow(
            BULK_WORKFLOW,
            BulkActionStart(spec=spec, ticket_ids=ticket_ids),
            id=bulk_workflow_id(document["_id"]),
            task_queue=settings.temporal_task_queue,
        )
    except (RPCError, RuntimeError) as exc:
        await db[collections.BULK_ACTIONS].delete_one({"_id": document["_id"]})
        raise workflow_unavailable("unreachable") from exc
    audit.note(request, bulk_action_id=document["_id"], kind=body.kind, tickets=len(ticket_ids))
    return _read(document)


@router.get("", response_model=list[BulkActionRead])
async def list_bulk_actions(
    staff: StaffUser, db: DbDep, limit: Annotated[int, Query(ge=1, le=50)] = 10
) -> list[BulkActionRead]:
    """The caller's latest bulk actions, newest first."""
    return [_read(a) for a in await service.recent_actions(db=db, principal=staff, limit=limit)]


@router.get("/{action_id}", response_model=BulkActionRead)
async def read_bulk_action(action_id: str, staff: StaffUser, db: DbDep) -> BulkActionRead:
    return _read(await service.find_action(db=db, principal=staff, action_id=action_id))


@router.get("/{action_id}/items", response_model=BulkItemPage)
async def list_bulk_items(
    action_id: str,
    staff: StaffUser,
    db: DbDep,
    outcome: Annotated[str | None, Query(pattern="^(changed|skipped)$")] = None,
    after: Annotated[int | None, Query(ge=0)] = None,
) -> BulkItemPage:
    """Each ticket's outcome in the action's order (`outcome=skipped`: those left as they
    were, with why); `after` is the last page's `next_cursor`."""
    await service.find_action(db=db, principal=staff, action_id=action_id)
    found = await service.action_items(db=db, action_id=action_id, outcome=outcome, after=after)
    page = found[: service.ITEMS_PAGE]
    next_cursor = str(page[-1]["position"]) if len(found) > service.ITEMS_PAGE else None
    return BulkItemPage(
        items=[BulkItemRead.model_validate(item) for item in page], next_cursor=next_cursor
    )


@router.post("/{action_id}/undo", status_code=status.HTTP_202_ACCEPTED)
async def undo_bulk_action(
    action_id: str, request: Request, staff: StaffUser, db: DbDep, temporal: TemporalDep
) -> BulkProgress:
    """Put back what a reversible action changed, on tickets nobody changed since
    (409 `undo_unavailable` after the undo window)."""
    await service.find_action(db=db, principal=staff, action_id=action_id)
    handle = temporal.get_workflow_handle(bulk_workflow_id(action_id))
    audit.note(request, bulk_action_id=action_id)
    try:
        progress: BulkProgress = await handle.execute_update(
            "undo", UndoRequest(actor=staff.acting_user()), result_type=BulkProgress
        )
        return progress
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        if isinstance(cause, ApplicationError) and cause.type == BulkRejectionCode.NOT_PERMITTED:
            raise ApiError(403, BulkRejectionCode.NOT_PERMITTED, cause.message) from exc
        raise ApiError(
            409, BulkRejectionCode.UNDO_UNAVAILABLE, "This action can no longer be undone."
        ) from exc
    except RPCError as exc:
        raise ApiError(
            409, BulkRejectionCode.UNDO_UNAVAILABLE, "This action can no longer be undone."
        ) from exc


@router.get("/{action_id}/stream", response_class=EventSourceResponse)
async def stream_bulk_action(
    action_id: str, staff: StaffUser, db: DbDep
) -> AsyncIterator[ServerSentEvent]:
    """The action as it progresses (`event: progress`), until it has ended or waits on
    an undo."""
    await service.find_action(db=db, principal=staff, action_id=action_id)
    last = None
    loop = asyncio.get_running_loop()
    ends_at = loop.time() + MAX_STREAM_SECONDS
    while loop.time() < ends_at and not server_stopping():
        action = await db[collections.BULK_ACTIONS].find_one({"_id": action_id})
        if action is None:
            return
        if action["updated_at"] != last:
            last = action["updated_at"]
            yield ServerSentEvent(
                event="progress", data=_read(action).model_dump(mode="json"), retry=2000
            )
        if action["phase"] in RESTING:
            return
        await asyncio.sleep(STREAM_POLL_SECONDS)
