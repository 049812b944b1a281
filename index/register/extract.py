"""Building the recommendation register of a generation from its reports: recommendations,
signposts and action-plan rows read from each report's structure, tagged with themes and
each action-plan row linked to the feedback-report recommendation it answers.

It needs the whole library (a row is linked across reports) and the embedder (themes and
links are by embedding similarity), so it runs when a generation is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from peerchat.core.records import ActionRow, Chunk, Recommendation, Report, Signpost
from peerchat.core.text import word_overlap
from peerchat.index.embedding.calibration import Calibration
from peerchat.index.embedding.embedders import Embedder
from peerchat.index.register.themes import tag_themes, theme_texts
from peerchat.index.store.register import Register
from peerchat.ingest.register import extract_action_rows, extract_recommendations, extract_signposts


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
    tags = tag_themes(rec_vectors, theme_vectors, embedder.calibration)
    recs = [replace(r, themes=t) for r, t in zip(recs, tags, strict=True)]
    actions = _link_actions(recs, rec_vectors, actions, row_vectors, embedder.calibration)
    return Register(tuple(recs), tuple(signposts), tuple(actions), rec_vectors)


def _link_actions(
    recs: list[Recommendation],
    rec_vectors: np.ndarray,
    actions: list[ActionRow],
    row_vectors: np.ndarray,
    calibration: Calibration,
) -> list[ActionRow]:
    """Each row linked to the same council's feedback-report recommendation it answers:
    their texts are as similar as `calibration.link_similarity` (cosine) or share
    `calibration.link_overlap` of their words."""
    out = []
    for action, vector in zip(actions, row_vectors, strict=True):
        best, best_score = "", 0.0
        for i, rec in enumerate(recs):
            if rec.origin == "action plan" or not set(rec.councils) & set(action.councils):
                continue
            cosine = float(rec_vectors[i] @ vector)
            overlap = word_overlap(rec.text, action.recommendation)
            if cosine < calibration.link_similarity and overlap < calibration.link_overlap:
                continue
            score = max(cosine, overlap) + (0.01 if rec.key else 0.0)
            if score > best_score:
                best, best_score = rec.id, score
        out.append(replace(action, answers=best, answer_score=round(best_score, 4)))
    return out
