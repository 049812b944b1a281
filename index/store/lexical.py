"""The BM25 lexical index (bm25s), with English stop words and Snowball stemming."""

from __future__ import annotations

import math
import re
from array import array
from collections import Counter
from collections.abc import Iterable
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


# A financial year, as reports and officers write it: "2025/26", "25/26", "2025-26".
FINANCIAL_YEAR = re.compile(r"\b(?:20)?(\d\d)\s?[/-]\s?(?:20)?(\d\d)\b")


def _with_financial_years(text: str) -> str:
    """`text` with one term for each financial year it names, however written ("fy2526")."""

    def term(match: re.Match[str]) -> str:
        first, second = match.group(1), match.group(2)
        if int(second) != (int(first) + 1) % 100:
            return match.group(0)
        return f"{match.group(0)} fy{first}{second}"

    return FINANCIAL_YEAR.sub(term, text)


def tokenize(text: str) -> list[str]:
    """Lowercased, stop words dropped, stemmed: the terms BM25 indexes and queries."""
    stop = _stopwords()
    text = _with_financial_years(text.lower().replace("\u2019", "'"))
    words = [w.removesuffix("'s") for w in WORD.findall(text)]
    return _stemmer().stemWords([w for w in words if w not in stop and len(w) > 1])


EMPTY = "\u2205"  # the one term of a passage without any (bm25s needs one)
# The passages' term counts, kept beside the BM25 index so that the next generation can
# build its own from them without reading a passage again:
TERMS = "lexical_terms.npy"  # term ids (of lexical/vocab.index.json), each passage's sorted
COUNTS = "lexical_counts.npy"  # how often each is in its passage
TERMS_AT = "lexical_at.npy"  # (passages + 1,) int64 offsets into both
K1, B = 1.5, 0.75  # bm25s's defaults ("lucene" scoring)


def term_counts(
    texts: Iterable[str], vocab: dict[str, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(term ids, counts, offsets) of each text's BM25 terms; new terms are added to
    `vocab` in the order they are first met."""
    # Typed arrays, not lists: a large library has tens of millions of (term, count) pairs.
    ids = array("i")
    counts = array("i")
    at = array("q", [0])
    for text in texts:
        own = Counter(vocab.setdefault(t, len(vocab)) for t in tokenize(text) or [EMPTY])
        terms = sorted(own)
        ids.extend(terms)
        counts.extend([own[term] for term in terms])
        at.append(len(ids))
    return (
        np.frombuffer(ids, dtype=np.int32).copy(),
        np.frombuffer(counts, dtype=np.int32).copy(),
        np.frombuffer(at, dtype=np.int64).copy(),
    )


class LexicalIndex:
    def __init__(self, bm25) -> None:
        self._bm25 = bm25

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        vocab: dict[str, int] = {}
        return cls.from_counts(*term_counts(texts, vocab), vocab)

    @classmethod
    def from_counts(
        cls, terms: np.ndarray, counts: np.ndarray, at: np.ndarray, vocab: dict[str, int]
    ) -> LexicalIndex:
        """The BM25 index (bm25s "lucene" scoring, its default) of passages given as term
        counts, worked out with numpy: the same scores as `bm25s.BM25().index` of the
        passages' tokens, in a fraction of the time."""
        import bm25s

        bm25 = bm25s.BM25()
        n = len(at) - 1
        if n == 0:
            return cls(bm25)
        terms = np.asarray(terms, dtype=np.int32)
        counts = np.asarray(counts, dtype=np.int32)
        lengths = np.diff(np.asarray(at, dtype=np.int64))
        doc_len = np.bincount(np.repeat(np.arange(n), lengths), weights=counts, minlength=n).astype(
            np.int64
        )
        avg = float(doc_len.mean())
        df = np.bincount(terms, minlength=len(vocab))
        # math.log term by term, as bm25s does: np.log can differ in the last bit.
        idf = np.asarray(
            [math.log(1 + (n - d + 0.5) / (d + 0.5)) if d else 0.0 for d in df.tolist()],
            dtype=np.float32,
        ).reshape(-1)
        norm = K1 * ((1 - B) + B * doc_len / avg)
        # Column (term) by column, documents ascending within each: a CSC matrix. Put in
        # that order first, then scored a block at a time (a large library has tens of
        # millions of entries: whole float64 temporaries took gigabytes).
        order = np.argsort(terms, kind="stable")
        docs = np.repeat(np.arange(n, dtype=np.int32), lengths)[order]
        sorted_terms = terms[order]
        sorted_counts = counts[order]
        del order
        data = np.empty(len(sorted_terms), dtype=np.float32)
        step = 1 << 20
        for lo in range(0, len(data), step):
            part = slice(lo, lo + step)
            tf = sorted_counts[part].astype(np.float64)
            # In float64 (float32 idf), rounded to float32 at the end: as bm25s does.
            data[part] = idf[sorted_terms[part]].astype(np.float64) * (tf / (norm[docs[part]] + tf))
        indptr = np.concatenate(([0], np.cumsum(df))).astype(np.int64)
        bm25.scores = {
            "data": data,
            "indices": docs,
            "indptr": indptr,
            "num_docs": n,
        }
        bm25.vocab_dict = dict(vocab)
        bm25.unique_token_ids_set = set(vocab.values())
        bm25.nonoccurrence_array = None  # "lucene" scoring has none
        return cls(bm25)

    @property
    def vocab(self) -> dict[str, int]:
        """Term -> id of the terms the index knows."""
        return getattr(self._bm25, "vocab_dict", None) or {}

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
