"""The terms of a ticket title, for "most frequent title terms" (I4): Chinese segmented
into words with jieba, English split into words, stop words and noise left out."""

import logging
import re
from functools import cache
from types import ModuleType

MAX_TERMS = 20
_LATIN = re.compile(r"[a-z][a-z0-9'+#.-]*[a-z0-9+#]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
STOP_WORDS = frozenset(
    {
        # English
        "the", "and", "for", "not", "can", "cannot", "can't", "with", "from", "have", "has",
        "was", "are", "but", "how", "why", "what", "when", "does", "doesn't", "don't", "get",
        "got", "any", "all", "our", "your", "you", "this", "that", "too", "very", "please",
        "help", "issue", "problem", "still", "again", "after", "into", "out", "won't", "isn't",
        # Chinese
        "一个", "怎么", "怎么办", "为什么", "什么", "没有", "不能", "无法", "可以", "已经",
        "还是", "这个", "那个", "如何", "一下", "问题", "请问", "我们", "你们", "他们",
        "老是", "总是", "一直", "现在", "时候", "不了", "能否",
    }
)  # fmt: skip


@cache
def _jieba() -> ModuleType:
    """jieba, loaded on first use (its dictionary takes half a second to load)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    module: ModuleType = jieba
    return module


def title_terms(title: str) -> list[str]:
    """The distinct meaningful words of `title`, in order."""
    terms: list[str] = []
    for token in _jieba().lcut(title.lower()):
        token = token.strip()
        if _HAN.search(token):
            keep = len(token) >= 2
        else:
            keep = bool(_LATIN.fullmatch(token)) and len(token) >= 3
        if keep and token not in STOP_WORDS and token not in terms:
            terms.append(token)
    return terms[:MAX_TERMS]
