"""Search routes (API.md): public FAQ search, suggestions while a ticket is written, and
agents' search over FAQ and solutions together."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from services.knowledge.deflection.service import EventKind
from services.knowledge.deps import MeiliDep, RecorderDep, SearchRateLimit, SettingsDep, StaffUser
from services.knowledge.indexing import ARTICLES, SOLUTIONS
from services.knowledge.meili import SearchUnavailableError
from services.knowledge.search import query
from services.knowledge.search.models import (
    AgentHit,
    AgentSearchPage,
    Hit,
    SearchPage,
    Suggestions,
    SuggestRequest,
)
from shared.clock import utcnow
from shared.enums import Category, TicketType
from shared.errors import ApiError

router = APIRouter(prefix="/v1", tags=["search"])

Text = Annotated[str, Query(max_length=200)]
Session = Annotated[str | None, Query(max_length=100, description="the portal's session id")]
LangParam = Annotated[str | None, Query(pattern=r"^(zh-CN|en)$")]


def unavailable(exc: SearchUnavailableError) -> ApiError:
    return ApiError(
        503,
        "search_unavailable",
        "Search is unavailable right now; try again shortly, or file a ticket.",
        {"reason": str(exc)[:200]},
        headers={"Retry-After": "10"},
    )


def _hit(raw: dict[str, Any], *, federated: bool = False) -> Hit:
    formatted = raw.get("_formatted", {})
    score = raw.get("_federation", {}).get("weightedRankingScore", 0.0) if federated else None
    return Hit(
        id=raw["id"],
        question=raw["question"],
        snippet=formatted.get("answer", raw.get("answer", "")),
        type=raw["type"],
        category=raw["category"],
        lang=raw["lang"],
        score=round(raw.get("_rankingScore", 0.0) if score is None else score, 4),
        highlighted=formatted.get("question"),
    )


@router.get("/search", response_model=SearchPage, dependencies=[SearchRateLimit])
async def search(
    recorder: RecorderDep,
    meili: MeiliDep,
    settings: SettingsDep,
    q: Text = "",
    type: TicketType | None = None,
    category: Category | None = None,
    lang: LangParam = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    session: Session = None,
) -> SearchPage:
    """Published FAQ articles for a question (typos and Chinese word order tolerated)."""
    params = query.search_params(
        q=q,
        limit=limit,
        filter_=query.filters(status="published", type_=type, category=category, lang=lang),
        snippet_of="answer",
        title_of="question",
    )
    params["facets"] = ["type", "category"]
    try:
        result = await meili.search(ARTICLES.uid(settings.meili_index_prefix), params)
    except SearchUnavailableError as exc:
        raise unavailable(exc) from exc
    total = int(result.get("estimatedTotalHits", len(result["hits"])))
    recorder.record(kind=EventKind.SEARCH, now=utcnow(), session=session, query=q, results=total)
    return SearchPage(
        hits=[_hit(raw) for raw in result["hits"]],
        total=total,
        processing_ms=int(result.get("processingTimeMs", 0)),
        facets=result.get("facetDistribution", {}),
    )


async def best_matches(*, meili: Any, prefix: str, request: SuggestRequest) -> list[Hit]:
    """Published articles that best match a ticket's text (raises when search is down)."""
    texts = query.suggestion_texts(request.title, request.description)
    if not texts:
        return []
    lang = request.lang or query.language_of(" ".join(text for text, _ in texts))
    filter_ = query.filters(status="published", type_=request.type, lang=lang)
    searches = [
        {
            "indexUid": ARTICLES.uid(prefix),
            **_federated(
                query.search_params(
                    q=text,
                    limit=request.limit,
                    filter_=filter_,
                    snippet_of="answer",
                    title_of="question",
                )
            ),
            "federationOptions": {"weight": weight},
        }
        for text, weight in texts
    ]
    # Federated: one ranked list in which an article found by several texts counts once.
    result = await meili.multi_search({"federation": {"limit": request.limit}, "queries": searches})
    return [_hit(raw, federated=True) for raw in result["hits"]]


@router.post("/suggest", response_model=Suggestions, dependencies=[SearchRateLimit])
async def suggest(
    body: SuggestRequest,
    recorder: RecorderDep,
    meili: MeiliDep,
    settings: SettingsDep,
) -> Suggestions:
    """Articles for a ticket being written; empty (never an error) when search is down."""
    try:
        hits = await best_matches(meili=meili, prefix=settings.meili_index_prefix, request=body)
    except SearchUnavailableError:
        return Suggestions(hits=[], unavailable=True)
    recorder.record(
        kind=EventKind.SUGGEST,
        now=utcnow(),
        session=body.session,
        query=body.title,
        results=len(hits),
    )
    return Suggestions(hits=hits)


@router.get("/agent-search", response_model=AgentSearchPage)
async def agent_search(
    _: StaffUser,
    meili: MeiliDep,
    settings: SettingsDep,
    q: Text = "",
    type: TicketType | None = None,
    category: Category | None = None,
    lang: LangParam = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> AgentSearchPage:
    """FAQ articles (any status but deleted) and solutions, ranked together."""
    prefix = settings.meili_index_prefix
    common = query.filters(type_=type, category=category, lang=lang)
    faq = query.search_params(
        q=q, limit=limit, filter_=common, snippet_of="answer", title_of="question"
    )
    solutions = query.search_params(
        q=q, limit=limit, filter_=common, snippet_of="fix", title_of="problem"
    )
    body = {
        "federation": {"limit": limit},
        "queries": [
            {"indexUid": ARTICLES.uid(prefix), **_federated(faq)},
            {"indexUid": SOLUTIONS.uid(prefix), **_federated(solutions)},
        ],
    }
    try:
        result = await meili.multi_search(body)
    except SearchUnavailableError as exc:
        raise unavailable(exc) from exc
    return AgentSearchPage(
        hits=[_agent_hit(raw, prefix) for raw in result["hits"]],
        processing_ms=int(result.get("processingTimeMs", 0)),
    )


def _federated(params: dict[str, Any]) -> dict[str, Any]:
    # Limits and scores belong to the federation, not to each query.
    return {k: v for k, v in params.items() if k not in ("limit", "showRankingScore")}


def _agent_hit(raw: dict[str, Any], prefix: str) -> AgentHit:
    formatted = raw.get("_formatted", {})
    federation = raw.get("_federation", {})
    is_faq = federation.get("indexUid") == ARTICLES.uid(prefix)
    return AgentHit(
        kind="faq" if is_faq else "solution",
        id=raw["id"],
        title=raw["question"] if is_faq else raw["problem"],
        snippet=formatted.get("answer" if is_faq else "fix", ""),
        type=raw["type"],
        category=raw["category"],
        lang=raw["lang"],
        score=round(federation.get("weightedRankingScore", 0.0), 4),
        status=raw.get("status"),
        ticket_number=raw.get("ticket_number"),
    )
