"""Hybrid search: dense (FAISS) and lexical (BM25) rankings fused by reciprocal rank.

Filters are boolean masks over passage rows. The dense and lexical rankings choose the
candidates; their sentences are scored only for those (see `rank_passages`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peerchat.core.dates import in_period
from peerchat.core.records import Hit
from peerchat.index.embedding.embedders import Embedder
from peerchat.index.store.library import Library

RRF_K = 60
# The lexical ranking counts half again as much as one of the two meaning rankings (the
# passage's and its best sentence's): a passage holding the question's rare words (a
# programme's or a person's name) is not outvoted by passages on the same subject. At
# 5,000 generated reports, planted-passage recall@10 rose from 0.94 to 0.994 (1.0 at 2.0,
# which moved more of the blind questions' citations).
LEXICAL_WEIGHT = 1.5
CANDIDATES = 300  # passages a search ranks in full (with their sentences)
EXACT_ROWS = 50_000  # a filtered search scores up to this many passages exactly
ANN_DEPTH = 1000  # passages an unfiltered search takes from the approximate index


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
        if (filters.date_from or filters.date_to) and not (
            report.date and in_period(report.date, filters.date_from, filters.date_to)
        ):
            ok = False  # a month-precision date ("2024-01") covers its days
        if wanted_ids and rid not in wanted_ids:
            ok = False
        if filters.years and report.date[:4] not in {str(y) for y in filters.years}:
            ok = False
        if not ok:
            mask[rows] = False
    return mask


def dense_scores(library: Library, vector: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The cosine of `vector` to the passages under `mask` (-1 elsewhere).

    Exact over the allowed rows when a filter narrows the search or the library has no
    approximate index; otherwise its `ANN_DEPTH` nearest passages (the rest get -1).
    """
    allowed = int(mask.sum())
    if allowed < len(mask) and allowed <= EXACT_ROWS or not library.dense.approximate:
        if allowed == len(mask):
            return library.dense.scores(vector)
        return library.dense.scores(vector, np.flatnonzero(mask))
    rows, sims = library.dense.top(vector, ANN_DEPTH)
    out = np.full(len(mask), -1.0, dtype=np.float32)
    out[rows] = sims
    return np.where(mask, out, -1.0).astype(np.float32)


def rank_passages(
    library: Library, vector: np.ndarray, topic: str, mask: np.ndarray, depth: int
) -> tuple[np.ndarray, np.ndarray]:
    """(rows, fused scores) of up to `depth` passages under `mask`, best first.

    The dense and lexical rankings choose the candidates (the best `depth` of each); the
    candidates are then ranked by reciprocal rank fusion of their dense cosine, BM25
    score and best sentence's cosine: a long passage with one sentence that answers the
    question ranks by that sentence.
    """
    n = len(library.chunks)
    if n == 0 or not mask.any() or depth <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    dense = dense_scores(library, vector, mask)
    lexical = np.where(mask, library.lexical.scores(topic, n), 0.0).astype(np.float32)
    allowed = np.flatnonzero(mask)
    candidates = np.union1d(
        _best(allowed, dense[allowed], depth), _best(allowed, lexical[allowed], depth)
    )
    if len(candidates) > depth:
        first = rrf(dense[candidates], lexical[candidates])
        candidates = candidates[np.argsort(-first, kind="stable")[:depth]]
    sentence = best_sentence_scores(library, vector, candidates)
    fused = rrf(dense[candidates], lexical[candidates], sentence)
    order = np.argsort(-fused, kind="stable")
    return candidates[order], fused[order]


def _best(rows: np.ndarray, scores: np.ndarray, k: int) -> np.ndarray:
    """The `k` rows with the highest scores (any order)."""
    if len(rows) <= k:
        return rows
    return rows[np.argpartition(-scores, k - 1)[:k]]


def best_sentence_scores(library: Library, vector: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each passage of `rows`, the cosine of its sentence closest to `vector`."""
    best = np.full(len(rows), -1.0, dtype=np.float32)
    sentences = library.sentences
    if len(sentences) == 0 or len(rows) == 0:
        return best
    counts = sentences.first[rows + 1] - sentences.first[rows]
    cosines = sentences.cosines(sentences.rows_of(rows), vector)
    owner = np.repeat(np.arange(len(rows)), counts)
    np.maximum.at(best, owner, cosines)
    return best


def rrf(dense: np.ndarray, lexical: np.ndarray, *more: np.ndarray) -> np.ndarray:
    """Reciprocal rank fusion of score arrays. A passage with no lexical match gets no
    lexical contribution; `more` are further dense-like rankings."""
    fused = 1.0 / (RRF_K + _ranks(dense))
    for scores in more:
        fused += 1.0 / (RRF_K + _ranks(scores))
    has_terms = lexical > 0
    fused[has_terms] += LEXICAL_WEIGHT * (1.0 / (RRF_K + _ranks(lexical)[has_terms]))
    return fused


def _ranks(scores: np.ndarray) -> np.ndarray:
    """1-based rank of each entry, best first."""
    order = np.argsort(-scores, kind="stable")
    ranks = np.empty(len(scores), dtype=np.float64)
    ranks[order] = np.arange(1, len(scores) + 1)
    return ranks


def search(
    library: Library,
    embedder: Embedder,
    query: str,
    k: int = 8,
    filters: Filters | None = None,
) -> list[Hit]:
    """The `k` best passages for `query`, fused dense + lexical, under `filters`."""
    vector = embedder.embed([query])[0]
    rows, fused = rank_passages(
        library, vector, query, mask_for(library, filters), max(k, CANDIDATES)
    )
    return [
        Hit(library.chunks[int(row)], float(score), rank)
        for rank, (row, score) in enumerate(zip(rows[:k], fused[:k]), start=1)
    ]
