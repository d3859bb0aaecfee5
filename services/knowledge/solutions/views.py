"""Solutions routes (H2): agents capture how a ticket was solved; only agents find them."""

import asyncio
from typing import Annotated

from bson import ObjectId
from fastapi import APIRouter, Query, Request, status

from services.knowledge.articles.service import check_category
from services.knowledge.deps import DbDep, StaffUser
from services.knowledge.solutions import service
from services.knowledge.solutions.models import SolutionCreate, SolutionPage, SolutionRead
from shared import collections
from shared.clock import utcnow
from shared.enums import Category, TicketType
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


@router.get("", response_model=SolutionPage)
async def list_solutions(
    _: StaffUser,
    db: DbDep,
    type: TicketType | None = None,
    category: Category | None = None,
    lang: Annotated[str | None, Query(pattern=r"^(zh-CN|en)$")] = None,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> SolutionPage:
    """The library, newest first (agents only), by type, category and language."""
    page, next_cursor = await service.list_solutions(
        db=db,
        type_=type,
        category=category,
        lang=lang,
        cursor=cursor,
        limit=limit,
    )
    return SolutionPage(items=[_read(solution) for solution in page], next_cursor=next_cursor)


@router.get("/{solution_id}", response_model=SolutionRead)
async def read_solution(solution_id: str, _: StaffUser, db: DbDep) -> SolutionRead:
    """One solution (agents only)."""
    solution = await db[collections.SOLUTIONS].find_one({"_id": solution_id})
    if solution is None or solution.get("deleted"):
        raise ApiError(404, "solution_not_found", f"No solution with id '{solution_id}'.")
    return _read(solution)
