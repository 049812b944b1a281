"""The BM25 lexical index (bm25s), with English stop words and Snowball stemming."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np

QUESTION_WORDS = frozenset(
    [
        "which",
        "what",
        "who",
        "whom",
        "whose",
        "how",
        "when",
        "where",
        "why",
        "were",
        "was",
        "did",
        "does",
        "do",
        "told",
        "tell",
        "said",
        "say",
        "any",
        "many",
        "much",
    ]
)
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    # Question words carry no topic; BM25 would otherwise reward passages that repeat them.
    return frozenset(STOPWORDS_EN) | QUESTION_WORDS


def tokenize(text: str) -> list[str]:
    """Lowercased, stop words dropped, stemmed: the terms BM25 indexes and queries."""
    stop = _stopwords()
    words = [w.removesuffix("'s") for w in WORD.findall(text.lower().replace("\u2019", "'"))]
    return _stemmer().stemWords([w for w in words if w not in stop and len(w) > 1])


class LexicalIndex:
    def __init__(self, bm25) -> None:
        self._bm25 = bm25

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        import bm25s

        bm25 = bm25s.BM25()
        corpus = [tokenize(t) or ["\u2205"] for t in texts]
        if corpus:
            bm25.index(corpus, show_progress=False)
        return cls(bm25)

    def save(self, folder: Path) -> None:
        self._bm25.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        import bm25s

        return cls(bm25s.BM25.load(str(folder), mmap=True, show_progress=False, verbosity=0))

    def scores(self, query: str, n: int) -> np.ndarray:
        """A BM25 score for each of the `n` passages (zeros when no query term is known)."""
        terms = tokenize(query)
        if n == 0 or not terms:
            return np.zeros(n, dtype=np.float32)
        vocab = self._bm25.vocab_dict
        known = [t for t in terms if t in vocab]
        if not known:
            return np.zeros(n, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)


def overlap_terms(text: str) -> frozenset[str]:
    """Terms for word-overlap checks: stems cut to five letters, so that "prioritise" and
    "priorities" (stems "prioritis", "prioriti") or "empower" and "empowerment" count as
    the same word."""
    return frozenset(term[:5] for term in tokenize(text)) - NAME_WORDS


# Words of council names ("Southampton City Council"): in every report, they say nothing
# about what a sentence is about.
NAME_WORDS = frozenset({"counc", "city", "borou", "distr", "count", "londo"})
