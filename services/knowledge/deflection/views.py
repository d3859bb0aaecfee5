"""`GET /v1/stats/deflection` (H3): how many searches ended without a ticket."""

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query

from services.knowledge.deflection.service import deflection_report
from services.knowledge.deps import DbDep, RecorderDep, StaffUser
from shared.clock import utcnow
from shared.errors import ApiError

router = APIRouter(prefix="/v1/stats", tags=["statistics"])


@router.get("/deflection")
async def deflection(
    _: StaffUser,
    db: DbDep,
    recorder: RecorderDep,
    from_: Annotated[datetime | None, Query(alias="from")] = None,
    to: datetime | None = None,
) -> dict[str, Any]:
    """Searches, self-solved sessions, deflection rate and the top queries that found
    nothing (to write new articles), for [from, to) — the last 30 days by default."""
    end = to or utcnow()
    start = from_ or end - timedelta(days=30)
    if start >= end:
        raise ApiError(422, "invalid_period", "'from' must be before 'to'.")
    await recorder.flush()  # the figures include this process's latest events
    return await deflection_report(db=db, start=start, end=end)
