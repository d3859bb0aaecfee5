"""Solutions routes (H2): agents capture how a ticket was solved; only agents find them."""

import asyncio

from bson import ObjectId
from fastapi import APIRouter, Request, status

from services.knowledge.articles.service import check_category
from services.knowledge.deps import DbDep, StaffUser
from services.knowledge.solutions.models import SolutionCreate, SolutionRead
from shared import collections
from shared.clock import utcnow
from shared.errors import ApiError
from shared.mongo import Document

router = APIRouter(prefix="/v1/solutions", tags=["solutions"])


def _read(solution: Document) -> SolutionRead:
    return SolutionRead.model_validate(
        {**solution, "id": solution["_id"], "indexed": solution.get("index_pending") is False}
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SolutionRead)
async def create_solution(
    body: SolutionCreate, principal: StaffUser, db: DbDep, request: Request
) -> SolutionRead:
    """Capture a typical case from a ticket: problem, cause, fix."""
    check_category(type_=body.type, category=body.category)
    document: Document = {
        "_id": str(ObjectId()),
        **body.model_dump(mode="json"),
        "created_by": principal.id,
        "created_at": utcnow(),
        "version": 1,
        "index_pending": True,
    }
    await db[collections.SOLUTIONS].insert_one(document)
    wake: asyncio.Event = request.app.state.sync_wake
    wake.set()
    return _read(document)


@router.get("/{solution_id}", response_model=SolutionRead)
async def read_solution(solution_id: str, _: StaffUser, db: DbDep) -> SolutionRead:
    """One solution (agents only)."""
    solution = await db[collections.SOLUTIONS].find_one({"_id": solution_id})
    if solution is None or solution.get("deleted"):
        raise ApiError(404, "solution_not_found", f"No solution with id '{solution_id}'.")
    return _read(solution)
