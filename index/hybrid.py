"""Hybrid search: dense (FAISS) and lexical (BM25) rankings fused by reciprocal rank.

Scores are whole-library numpy arrays, so filters are masks and a per-report search is a
slice: nothing is lost to a global top-k.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index.embed import Embedder
from index.library import Library
from peerchat.records import Hit

RRF_K = 60


@dataclass(frozen=True)
class Filters:
    """Which passages a search may return. Empty tuples mean "any"."""

    councils: tuple[str, ...] = ()
    report_types: tuple[str, ...] = ()
    date_from: str = ""  # ISO, inclusive
    date_to: str = ""  # ISO, inclusive
    report_ids: tuple[str, ...] = ()
    years: tuple[int, ...] = ()  # reports dated in any of these years

    @property
    def active(self) -> bool:
        return bool(
            self.councils
            or self.report_types
            or self.date_from
            or self.date_to
            or self.report_ids
            or self.years
        )

    def describe(self) -> str:
        parts = []
        if self.councils:
            parts.append("councils: " + ", ".join(self.councils))
        if self.report_types:
            parts.append("types: " + ", ".join(self.report_types))
        if self.date_from or self.date_to:
            parts.append(f"dates: {self.date_from or '…'} to {self.date_to or '…'}")
        if self.years:
            parts.append("years: " + ", ".join(str(y) for y in self.years))
        return "; ".join(parts)


@dataclass(frozen=True)
class QueryScores:
    """Every passage's dense cosine, best-sentence cosine, BM25 score and fused score."""

    dense: np.ndarray
    sentence: np.ndarray
    lexical: np.ndarray
    fused: np.ndarray


def mask_for(library: Library, filters: Filters | None) -> np.ndarray:
    """A boolean mask over passages that pass `filters`."""
    n = len(library.chunks)
    mask = np.ones(n, dtype=bool)
    if filters is None or not filters.active:
        return mask
    wanted_councils = {c.lower() for c in filters.councils}
    wanted_types = {t.lower() for t in filters.report_types}
    wanted_ids = set(filters.report_ids)
    for rid, rows in library.rows_by_report.items():
        report = library.reports[rid]
        ok = True
        if wanted_councils and not wanted_councils & {c.lower() for c in report.councils}:
            ok = False
        if wanted_types and report.report_type.lower() not in wanted_types:
            ok = False
        if filters.date_from and (not report.date or report.date < filters.date_from):
            ok = False
        if filters.date_to and (not report.date or report.date > filters.date_to):
            ok = False
        if wanted_ids and rid not in wanted_ids:
            ok = False
        if filters.years and report.date[:4] not in {str(y) for y in filters.years}:
            ok = False
        if not ok:
            mask[rows] = False
    return mask


def score_query(library: Library, embedder: Embedder, query: str) -> QueryScores:
    """Dense, best-sentence, lexical and fused scores of every passage for `query`."""
    n = len(library.chunks)
    vector = embedder.embed([query])[0]
    dense = library.dense.scores(vector)
    sentence = best_sentence_scores(library, vector)
    lexical = library.lexical.scores(query, n)
    return QueryScores(dense, sentence, lexical, rrf(dense, lexical, sentence))


def best_sentence_scores(library: Library, vector: np.ndarray) -> np.ndarray:
    """For each passage, the cosine of its sentence closest to `vector`: a long passage
    with one sentence that answers the question ranks by that sentence."""
    best = np.full(len(library.chunks), -1.0, dtype=np.float32)
    if len(library.sentence_spans):
        np.maximum.at(best, library.sentence_spans[:, 0], library.sentence_vectors @ vector)
    return best


def rrf(dense: np.ndarray, lexical: np.ndarray, *more: np.ndarray) -> np.ndarray:
    """Reciprocal rank fusion of score arrays. A passage with no lexical match gets no
    lexical contribution; `more` are further dense-like rankings."""
    fused = 1.0 / (RRF_K + _ranks(dense))
    for scores in more:
        fused += 1.0 / (RRF_K + _ranks(scores))
    has_terms = lexical > 0
    fused[has_terms] += 1.0 / (RRF_K + _ranks(lexical)[has_terms])
    return fused


def _ranks(scores: np.ndarray) -> np.ndarray:
    """1-based rank of each entry, best first."""
    order = np.argsort(-scores, kind="stable")
    ranks = np.empty(len(scores), dtype=np.float64)
    ranks[order] = np.arange(1, len(scores) + 1)
    return ranks


def top_hits(library: Library, scores: np.ndarray, mask: np.ndarray, k: int) -> list[Hit]:
    """The best `k` passages under `mask` by `scores`."""
    candidates = np.flatnonzero(mask)
    if len(candidates) == 0 or k <= 0:
        return []
    best = candidates[np.argsort(-scores[candidates], kind="stable")[:k]]
    return [
        Hit(library.chunks[row], float(scores[row]), rank) for rank, row in enumerate(best, start=1)
    ]


def search(
    library: Library,
    embedder: Embedder,
    query: str,
    k: int = 8,
    filters: Filters | None = None,
) -> list[Hit]:
    """The `k` best passages for `query`, fused dense + lexical, under `filters`."""
    scores = score_query(library, embedder, query)
    return top_hits(library, scores.fused, mask_for(library, filters), k)
