"""The recommendation register of one index generation: storage, themes, links, queries.

Built when a generation is written (it needs the whole library: an action-plan row is
linked to the feedback-report recommendation it answers, and theme tagging needs the
embedder), stored in the generation's store.sqlite, loaded with the Library.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING

import numpy as np

from index.embed import Embedder
from index.themes import tag_themes, theme_names, theme_texts
from ingest.register import extract_action_rows, extract_recommendations, extract_signposts
from peerchat.core.errors import PeerchatError
from peerchat.core.records import ActionRow, Chunk, Recommendation, Report, Signpost

if TYPE_CHECKING:
    from index.library import Library
    from peerchat.core.councils import CouncilDirectory

# An action-plan row answers a recommendation when their texts are this similar (cosine of
# the embeddings) or share this share of their words.
LINK_SIMILARITY = 0.8
LINK_OVERLAP = 0.6
MATCH_FLOOR = 0.45  # default floor for matching_recommendations (cosine, MiniLM)


class UnknownCouncil(PeerchatError):
    """A council name that cannot be resolved, or a council with no report in the library."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"{name!r}: {reason}")


@dataclass(frozen=True, eq=False)
class Register:
    """Every recommendation, signpost and action-plan row in one generation.

    `vectors[i]` is the normalised embedding of `recommendations[i].text` (empty when the
    register was built without an embedder).
    """

    recommendations: tuple[Recommendation, ...] = ()
    signposts: tuple[Signpost, ...] = ()
    actions: tuple[ActionRow, ...] = ()
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))

    def by_id(self, rec_id: str) -> Recommendation | None:
        return next((r for r in self.recommendations if r.id == rec_id), None)

    @property
    def councils(self) -> list[str]:
        """Councils with at least one recommendation or action, sorted."""
        names = {c for r in self.recommendations for c in r.councils}
        names |= {c for a in self.actions for c in a.councils}
        return sorted(names)


# --- building ---


def build_register(
    reports: Sequence[Report], chunks: Sequence[Chunk], embedder: Embedder | None
) -> Register:
    """Extract the register of `reports`, tag themes and link action rows (when `embedder`)."""
    by_report: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        by_report.setdefault(chunk.report_id, []).append(chunk)
    recs: list[Recommendation] = []
    signposts: list[Signpost] = []
    actions: list[ActionRow] = []
    for report in reports:
        own_chunks = by_report.get(report.id, [])
        found = extract_recommendations(report, own_chunks)
        recs.extend(found)
        signposts.extend(extract_signposts(report, own_chunks, found))
        actions.extend(extract_action_rows(report, own_chunks))
    # An action plan's own recommendation column stands in for the feedback report only
    # when no feedback report of that council is in the library.
    with_report = {c for r in recs if r.origin != "action plan" for c in r.councils}
    recs = [r for r in recs if r.origin != "action plan" or not set(r.councils) & with_report]
    if embedder is None or not recs:
        return Register(tuple(recs), tuple(signposts), tuple(actions))
    texts = [r.text for r in recs] + [a.recommendation for a in actions] + theme_texts()
    vectors = np.asarray(embedder.embed(texts), dtype=np.float32)
    rec_vectors = vectors[: len(recs)]
    row_vectors = vectors[len(recs) : len(recs) + len(actions)]
    theme_vectors = vectors[len(recs) + len(actions) :]
    tags = tag_themes(rec_vectors, theme_vectors)
    recs = [replace(r, themes=t) for r, t in zip(recs, tags, strict=True)]
    actions = _link_actions(recs, rec_vectors, actions, row_vectors)
    return Register(tuple(recs), tuple(signposts), tuple(actions), rec_vectors)


def _link_actions(
    recs: list[Recommendation],
    rec_vectors: np.ndarray,
    actions: list[ActionRow],
    row_vectors: np.ndarray,
) -> list[ActionRow]:
    """Each row linked to the same council's feedback-report recommendation it answers."""
    out = []
    for action, vector in zip(actions, row_vectors, strict=True):
        best, best_score = "", 0.0
        for i, rec in enumerate(recs):
            if rec.origin == "action plan" or not set(rec.councils) & set(action.councils):
                continue
            cosine = float(rec_vectors[i] @ vector)
            overlap = token_overlap(rec.text, action.recommendation)
            if cosine < LINK_SIMILARITY and overlap < LINK_OVERLAP:
                continue
            score = max(cosine, overlap) + (0.01 if rec.key else 0.0)
            if score > best_score:
                best, best_score = rec.id, score
        out.append(replace(action, answers=best, answer_score=round(best_score, 4)))
    return out


def token_overlap(a: str, b: str) -> float:
    """Shared words over the words of the shorter text (0..1)."""
    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / min(len(wa), len(wb))


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2}


# --- storage ---

REGISTER_TABLES = {
    "register_recommendations": Recommendation,
    "register_signposts": Signpost,
    "register_actions": ActionRow,
}


def write_register(conn: sqlite3.Connection, register: Register) -> None:
    """Write the register into the store (new tables; vectors as float32 blobs)."""
    with conn:
        for table, record in REGISTER_TABLES.items():
            names = [f.name for f in fields(record)]
            extra = ", vector BLOB" if record is Recommendation else ""
            conn.execute(
                f"CREATE TABLE {table} (row INTEGER PRIMARY KEY, "
                + ", ".join(f'"{n}"' for n in names)
                + extra
                + ")"
            )
        for table, items in (
            ("register_recommendations", register.recommendations),
            ("register_signposts", register.signposts),
            ("register_actions", register.actions),
        ):
            for row, item in enumerate(items):
                values = [_to_sql(getattr(item, f.name)) for f in fields(item)]
                columns = [f'"{f.name}"' for f in fields(item)]
                if table == "register_recommendations":
                    vector = register.vectors[row] if len(register.vectors) else None
                    values.append(None if vector is None else vector.astype(np.float32).tobytes())
                    columns.append("vector")
                conn.execute(
                    f"INSERT INTO {table} (row, {', '.join(columns)}) "
                    f"VALUES ({', '.join('?' * (len(values) + 1))})",
                    [row, *values],
                )


def read_register(conn: sqlite3.Connection) -> Register:
    """The register in a store; an empty one when the store predates it."""
    present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if not set(REGISTER_TABLES) <= present:
        return Register()
    loaded: dict[str, list] = {}
    vectors: list[np.ndarray] = []
    for table, record in REGISTER_TABLES.items():
        names = [f.name for f in fields(record)]
        extra = ", vector" if record is Recommendation else ""
        cols = ", ".join(f'"{n}"' for n in names) + extra
        items = []
        for values in conn.execute(f"SELECT {cols} FROM {table} ORDER BY row"):
            kwargs = {
                f.name: _from_sql(f.type, v) for f, v in zip(fields(record), values, strict=False)
            }
            items.append(record(**kwargs))
            if record is Recommendation and values[-1] is not None:
                vectors.append(np.frombuffer(values[-1], dtype=np.float32))
        loaded[table] = items
    recs = loaded["register_recommendations"]
    matrix = np.vstack(vectors) if vectors and len(vectors) == len(recs) else np.zeros((0, 0), "f4")
    return Register(
        tuple(recs),
        tuple(loaded["register_signposts"]),
        tuple(loaded["register_actions"]),
        matrix,
    )


def _to_sql(value: object) -> object:
    if isinstance(value, tuple):
        return json.dumps(list(value))
    if isinstance(value, bool):
        return int(value)
    return value


def _from_sql(type_name: object, value: object) -> object:
    name = str(type_name)
    if name.startswith("tuple"):
        return tuple(json.loads(value)) if value else ()
    if name == "bool":
        return bool(value)
    return value


# --- queries ---


def resolve_council(name: str, directory: CouncilDirectory, register: Register) -> str:
    """The canonical name of the council `name` means, which must have a report.

    Raises UnknownCouncil when the name means no council, or one with no report here.
    """
    council = directory.lookup(name)
    if council is None:
        found = directory.find(name, fuzzy=True)
        council = found[0] if found else None
    if council is None:
        raise UnknownCouncil(name, "not a council peerchat knows")
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
    mask: np.ndarray | None = None,
    floor: float = MATCH_FLOOR,
) -> list[tuple[Recommendation, float]]:
    """Recommendations similar to a question's topic, for cross-report answers.

    `query_vectors` are normalised rows (the topic and its alternatives); a recommendation
    scores its best cosine with any row. `mask` is the answerer's boolean mask over passage
    rows (library.chunks): a recommendation counts only when its passage passes. Returns
    those scoring at least `floor`: first the best of each report (best first), then the
    rest (best first). Empty when the register has no vectors.
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


def recommendation_dict(rec: Recommendation, library: Library | None = None) -> dict:
    """A recommendation as a JSON-ready dict (the CLI's and the app's columns)."""
    report = library.reports.get(rec.report_id) if library is not None else None
    return {
        "council": rec.council,
        "report": report.title if report is not None else rec.source,
        "report_type": rec.report_type,
        "date": rec.date,
        "number": rec.number,
        "key": rec.key,
        "section": rec.section,
        "page": rec.page,
        "themes": "; ".join(rec.themes),
        "text": rec.text,
        "source": rec.source,
        "origin": rec.origin,
        "chunk_id": rec.chunk_id,
        "id": rec.id,
    }


def signpost_dict(s: Signpost) -> dict:
    """A signpost as a JSON-ready dict."""
    return {
        "council": s.council,
        "date": s.date,
        "name": s.name,
        "text": s.text,
        "section": s.section,
        "recommendation": s.recommendation,
        "links": list(s.links),
        "page": s.page,
        "source": s.source,
        "chunk_id": s.chunk_id,
        "id": s.id,
    }
