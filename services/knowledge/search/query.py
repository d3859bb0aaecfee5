"""How a text becomes a Meilisearch query: filters from validated values only, the Chinese
tokenizer for Chinese text, highlighted snippets, ranking scores."""

import re
from typing import Any

from shared.enums import Category, TicketType

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
MARK = ("<mark>", "</mark>")


def locales(text: str) -> list[str] | None:
    """Chinese text is segmented as Chinese (short queries are otherwise misread)."""
    return ["cmn"] if CJK.search(text) else None


def language_of(text: str) -> str:
    return "zh-CN" if CJK.search(text) else "en"


def filters(
    *,
    status: str | None = None,
    type_: TicketType | None = None,
    category: Category | None = None,
    lang: str | None = None,
) -> list[str]:
    """Meilisearch filter expressions. Every value is an enum or a checked language code,
    quoted; nothing a caller typed is spliced in."""
    found = []
    for field, value in (("status", status), ("type", type_), ("category", category)):
        if value is not None:
            found.append(f'{field} = "{value}"')
    if lang is not None:
        found.append(f'lang = "{lang}"')
    return found


def search_params(
    *, q: str, limit: int, filter_: list[str], snippet_of: str, title_of: str
) -> dict[str, Any]:
    params: dict[str, Any] = {
        "q": q,
        "limit": limit,
        "filter": filter_,
        "showRankingScore": True,
        "attributesToHighlight": [title_of],
        "attributesToCrop": [snippet_of],
        "cropLength": 40,
        "highlightPreTag": MARK[0],
        "highlightPostTag": MARK[1],
    }
    if (hint := locales(q)) is not None:
        params["locales"] = hint
    return params


def suggestion_texts(title: str, description: str) -> list[tuple[str, float]]:
    """The texts a ticket being written is searched by, each with its weight: its title, the
    title with the start of the description, and that start alone (a little less sure).
    Searched together, a long description cannot drown a title that names the problem,
    and a vague title ("求助") cannot hide a description that does."""
    start = " ".join(description[:120].split())
    texts = [(title, 1.0), (f"{title} {start}".strip(), 1.0), (start, 0.9)]
    seen: set[str] = set()
    unique = []
    for text, weight in texts:
        if text and text not in seen:
            seen.add(text)
            unique.append((text, weight))
    return unique
