"""Article routes (API.md `/v1/articles`): everyone reads published articles; agents and
admins write, and see drafts and archived ones."""

import asyncio
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Query, Request, Response, status

from services.knowledge.articles import service
from services.knowledge.articles.models import (
    ArticleCreate,
    ArticlePage,
    ArticleRead,
    ArticleStatus,
    ArticleUpdate,
    Vote,
)
from services.knowledge.deflection.service import EventKind
from services.knowledge.deps import DbDep, OptionalUser, RecorderDep, StaffUser
from shared.clock import utcnow
from shared.enums import Category, TicketType
from shared.mongo import Document

router = APIRouter(prefix="/v1/articles", tags=["articles"])


def _read(article: Document) -> ArticleRead:
    return ArticleRead.model_validate(
        {**article, "id": article["_id"], "indexed": article.get("index_pending") is False}
    )


def _wake_syncer(request: Request) -> None:
    wake: asyncio.Event = request.app.state.sync_wake
    wake.set()


@router.get("", response_model=ArticlePage)
async def list_articles(
    db: DbDep,
    principal: OptionalUser,
    status: ArticleStatus | None = None,
    type: TicketType | None = None,
    category: Category | None = None,
    lang: Annotated[str | None, Query(pattern=r"^(zh-CN|en)$")] = None,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ArticlePage:
    """Articles by id; anyone but staff sees published ones only."""
    if principal is None or not principal.is_staff:
        status = ArticleStatus.PUBLISHED
    page, next_cursor = await service.list_articles(
        db=db,
        status=status,
        type_=type,
        category=category,
        lang=lang,
        cursor=cursor,
        limit=limit,
    )
    return ArticlePage(items=[_read(article) for article in page], next_cursor=next_cursor)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ArticleRead)
async def create_article(
    body: ArticleCreate, principal: StaffUser, db: DbDep, request: Request
) -> ArticleRead:
    """A new article (draft unless given a status); it reaches search within moments."""
    article = await service.create_article(db=db, data=body, author=principal.id, now=utcnow())
    _wake_syncer(request)
    return _read(article)


@router.get("/{article_id}", response_model=ArticleRead)
async def read_article(
    article_id: str,
    db: DbDep,
    principal: OptionalUser,
    background: BackgroundTasks,
    recorder: RecorderDep,
    session: Annotated[str | None, Query(max_length=100)] = None,
) -> ArticleRead:
    """One article; opening a published one counts as a view (H3)."""
    article = await service.get_article(db=db, article_id=article_id)
    staff = principal is not None and principal.is_staff
    if article.get("status") != ArticleStatus.PUBLISHED and not staff:
        raise service.not_found(article_id)
    if not staff:
        background.add_task(service.count_open, db=db, article_id=article_id)
        recorder.record(kind=EventKind.OPEN, now=utcnow(), session=session, article_id=article_id)
    return _read(article)


@router.put("/{article_id}", response_model=ArticleRead)
async def update_article(
    article_id: str, body: ArticleUpdate, _: StaffUser, db: DbDep, request: Request
) -> ArticleRead:
    """Change an article (the fields given); search follows within moments."""
    article = await service.update_article(db=db, article_id=article_id, data=body, now=utcnow())
    _wake_syncer(request)
    return _read(article)


@router.delete("/{article_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_article(article_id: str, _: StaffUser, db: DbDep, request: Request) -> Response:
    """Remove an article from the knowledge base and from search."""
    await service.delete_article(db=db, article_id=article_id, now=utcnow())
    _wake_syncer(request)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{article_id}/vote", status_code=status.HTTP_204_NO_CONTENT)
async def vote(article_id: str, body: Vote, db: DbDep, recorder: RecorderDep) -> Response:
    """ "This solved my problem" (or not): counted for the article and for deflection."""
    article = await service.get_article(db=db, article_id=article_id)
    if article.get("status") != ArticleStatus.PUBLISHED:
        raise service.not_found(article_id)
    await service.count_vote(db=db, article_id=article_id, helpful=body.helpful)
    recorder.record(
        kind=EventKind.VOTE,
        now=utcnow(),
        session=body.session,
        article_id=article_id,
        helpful=body.helpful,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
