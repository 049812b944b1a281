"""Questions put to the recommendation register: which recommendations, signposts and
action-plan rows a council has, which row answers a recommendation, how themes are spread,
and which council a typed name means.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from peerchat.core.errors import PeerchatError, UnknownCouncil
from peerchat.core.records import ActionRow, Recommendation, Signpost
from peerchat.index.register.themes import theme_names
from peerchat.index.store.register import Register

if TYPE_CHECKING:
    from peerchat.core.councils import CouncilDirectory
    from peerchat.index.store.library import Library


def resolve_council(name: str, directory: CouncilDirectory, register: Register) -> str:
    """The canonical name of the council `name` means, which must have a report.

    Raises UnknownCouncil when the name means no council, or one with no report here.
    """
    council = directory.lookup(name)
    if council is None:
        found = directory.find(name, fuzzy=True)
        council = found[0] if found else None
    if council is None:
        raise UnknownCouncil(name)
    if council.name not in register.councils:
        raise UnknownCouncil(
            name, f"{council.name} has no report in the library (add it with `peerchat ingest`)"
        )
    return council.name


def select_recommendations(
    register: Register,
    councils: Iterable[str] = (),
    theme: str | None = None,
    key_only: bool = False,
) -> list[Recommendation]:
    """Recommendations of these councils (all when empty), with `theme`, key ones only."""
    wanted = set(councils)
    if theme and theme not in theme_names():
        raise PeerchatError(f"unknown theme {theme!r}: use one of {', '.join(theme_names())}")
    return [
        r
        for r in register.recommendations
        if (not wanted or wanted & set(r.councils))
        and (not theme or theme in r.themes)
        and (r.key or not key_only)
    ]


def select_signposts(
    register: Register, councils: Iterable[str] = (), text: str = ""
) -> list[Signpost]:
    """Signposts of these councils (all when empty) whose name or text has every word of
    `text` (case-insensitive)."""
    wanted = set(councils)
    words = text.lower().split()
    out = []
    for s in register.signposts:
        hay = f"{s.name} {s.text} {s.section} {s.council}".lower()
        if (not wanted or wanted & set(s.councils)) and all(w in hay for w in words):
            out.append(s)
    return out


def actions_for(register: Register, council: str) -> list[ActionRow]:
    """The council's action-plan rows, in table order."""
    return [a for a in register.actions if council in a.councils]


def action_answering(register: Register, rec: Recommendation) -> ActionRow | None:
    """The action-plan row that answers `rec`: linked at index time, or the row a
    recommendation taken from an action plan was read from."""
    if rec.origin == "action plan":
        return next(
            (a for a in register.actions if a.report_id == rec.report_id and a.ref == rec.number),
            None,
        )
    return next((a for a in register.actions if a.answers == rec.id), None)


def theme_counts(recs: Iterable[Recommendation]) -> dict[tuple[str, str], int]:
    """(council, theme) -> how many of `recs` carry the theme (a joint report counts for
    each of its councils)."""
    counts: dict[tuple[str, str], int] = {}
    for rec in recs:
        for council in rec.councils:
            for theme in rec.themes:
                counts[(council, theme)] = counts.get((council, theme), 0) + 1
    return counts


def matching_recommendations(
    register: Register,
    library: Library,
    query_vectors: np.ndarray,
    mask: np.ndarray | None,
    floor: float,
) -> list[tuple[Recommendation, float]]:
    """Recommendations similar to a question's topic, for cross-report answers.

    `query_vectors` are normalised rows (the topic and its alternatives); a recommendation
    scores its best cosine with any row. `mask` is the answerer's boolean mask over passage
    rows (library.chunks): a recommendation counts only when its passage passes. Returns
    those scoring at least `floor` (the embedder's `calibration.match_floor`, unless the
    caller knows better): first the best of each report (best first), then the rest (best
    first). Empty when the register has no vectors.
    """
    if not register.recommendations or register.vectors.size == 0 or len(query_vectors) == 0:
        return []
    queries = np.asarray(query_vectors, dtype=np.float32).reshape(-1, register.vectors.shape[1])
    scores = (register.vectors @ queries.T).max(axis=1)
    if mask is not None:
        rows = library.recommendation_rows
        allowed = (rows >= 0) & mask[np.maximum(rows, 0)]
        scores = np.where(allowed, scores, -1.0)
    order = [int(i) for i in np.argsort(-scores, kind="stable") if scores[i] >= floor]
    firsts: list[int] = []
    rest: list[int] = []
    seen: set[str] = set()
    for i in order:
        report_id = register.recommendations[i].report_id
        (rest if report_id in seen else firsts).append(i)
        seen.add(report_id)
    return [(register.recommendations[i], float(scores[i])) for i in firsts + rest]
