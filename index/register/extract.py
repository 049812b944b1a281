"""Building the recommendation register of a generation from its reports: recommendations,
signposts and action-plan rows read from each report's structure (ingest/register.py: each
row complete, each repeated recommendation once), tagged with themes, each action-plan row
linked to the feedback-report recommendation it answers, and each signpost to the
recommendation whose content it matches.

It needs the whole library (a row is linked across reports) and the embedder (themes and
links are by embedding similarity), so it runs when a generation is written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from functools import lru_cache

import numpy as np

from peerchat.core.records import ActionRow, Chunk, Recommendation, Report, Signpost
from peerchat.core.text import word_overlap
from peerchat.index.embedding.calibration import Calibration
from peerchat.index.embedding.embedders import Embedder
from peerchat.index.register.themes import tag_themes, theme_texts
from peerchat.index.store.register import Register
from peerchat.ingest.register import extract_action_rows, extract_recommendations, extract_signposts
from peerchat.ingest.words import Vocabulary

_WORDS = re.compile(r"[a-z0-9]+")


def build_register(
    reports: Iterable[Report],
    chunks: Sequence[Chunk] | Callable[[str], Sequence[Chunk]],
    embedder: Embedder | None,
) -> Register:
    """Extract the register of `reports` (read twice: not a one-shot iterator), tag themes
    and link action rows (when `embedder`).
    `chunks` are the reports' passages, or a function giving one report's (by its id), so
    that a whole library's need not be held at once."""
    if callable(chunks):
        chunks_of = chunks
    else:
        by_report: dict[str, list[Chunk]] = {}
        for chunk in chunks:
            by_report.setdefault(chunk.report_id, []).append(chunk)

        def chunks_of(report_id: str) -> Sequence[Chunk]:
            return by_report.get(report_id, [])

    recs: list[Recommendation] = []
    signposts: list[Signpost] = []
    actions: list[ActionRow] = []
    for report in reports:
        own_chunks = chunks_of(report.id)
        vocabulary = Vocabulary.of([report.text])
        recs.extend(extract_recommendations(report, own_chunks, vocabulary))
        signposts.extend(extract_signposts(report, own_chunks))
        actions.extend(extract_action_rows(report, own_chunks, vocabulary))
    # An action plan's own recommendation column stands in for the feedback report only
    # when no feedback report of that council is in the library.
    with_report = {c for r in recs if r.origin != "action plan" for c in r.councils}
    recs = [r for r in recs if r.origin != "action plan" or not set(r.councils) & with_report]
    if embedder is None or not recs:
        signposts = _link_signposts(signposts, recs, reports, None, None, None)
        return Register(tuple(recs), tuple(signposts), tuple(actions))
    texts = (
        [r.text for r in recs]
        + [a.recommendation for a in actions]
        + [_signpost_text(s) for s in signposts]
        + theme_texts()
    )
    vectors = np.asarray(embedder.embed(texts), dtype=np.float32)
    bounds = np.cumsum([len(recs), len(actions), len(signposts)])
    rec_vectors = vectors[: bounds[0]]
    row_vectors = vectors[bounds[0] : bounds[1]]
    signpost_vectors = vectors[bounds[1] : bounds[2]]
    theme_vectors = vectors[bounds[2] :]
    tags = tag_themes(rec_vectors, theme_vectors, embedder.calibration)
    recs = [replace(r, themes=t) for r, t in zip(recs, tags, strict=True)]
    actions = _link_actions(recs, rec_vectors, actions, row_vectors, embedder.calibration)
    signposts = _link_signposts(signposts, recs, reports, rec_vectors, signpost_vectors, embedder)
    return Register(tuple(recs), tuple(signposts), tuple(actions), rec_vectors)


def _signpost_text(signpost: Signpost) -> str:
    return f"{signpost.name}. {signpost.text}"


def _link_signposts(
    signposts: list[Signpost],
    recs: list[Recommendation],
    reports: Iterable[Report],
    rec_vectors: np.ndarray | None,
    signpost_vectors: np.ndarray | None,
    embedder: Embedder | None,
) -> list[Signpost]:
    """Each signpost linked to the recommendation of its report whose content matches it,
    never by position alone: first one that shares a distinctive phrase with it (see
    `shared_phrases`: "single digital strategy"), the most shared first; else the most
    similar one, when its cosine reaches the embedder's
    `calibration.signpost_link_similarity`. Unlinked when neither."""
    with_signposts = {s.report_id for s in signposts}
    texts = {r.id: r.text.lower() for r in reports if r.id in with_signposts}
    recs_of: dict[str, list[int]] = {}
    for i, r in enumerate(recs):
        recs_of.setdefault(r.report_id, []).append(i)
    out = []
    for k, signpost in enumerate(signposts):
        candidates = recs_of.get(signpost.report_id, [])
        report_text = texts.get(signpost.report_id, "")
        cosines = {}
        if embedder is not None and rec_vectors is not None and signpost_vectors is not None:
            cosines = {i: float(rec_vectors[i] @ signpost_vectors[k]) for i in candidates}
        phrases = {
            i: [
                p
                for p in shared_phrases(_signpost_text(signpost), recs[i].text)
                # distinctive: printed no more often than the signpost and the recommendation
                if _count_phrase(report_text, p) <= 2 + len(recs[i].also_pages)
            ]
            for i in candidates
        }
        by_phrase = [i for i in candidates if phrases[i]]
        best, how, score = None, "", 0.0
        if by_phrase:
            best = max(by_phrase, key=lambda i: (len(phrases[i]), cosines.get(i, 0.0)))
            quoted = ", ".join(f'"{p}"' for p in phrases[best])
            how = (
                f"shares the phrase {quoted}"
                if len(phrases[best]) == 1
                else (f"shares the phrases {quoted}")
            )
            score = 1.0
        elif cosines and embedder is not None:
            i = max(cosines, key=lambda i: cosines[i])
            if cosines[i] >= embedder.calibration.signpost_link_similarity:
                best, score = i, round(cosines[i], 4)
                how = f"similar text (cosine {cosines[i]:.2f}, {embedder.calibration.model})"
        if best is None:
            out.append(replace(signpost, recommendation_id="", recommendation="", match=""))
            continue
        rec = recs[best]
        out.append(
            replace(
                signpost,
                recommendation_id=rec.id,
                recommendation=rec.text,
                match=how,
                match_score=score,
            )
        )
    return out


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    return frozenset(STOPWORDS_EN_PLUS)


def _count_phrase(text: str, phrase: str) -> int:
    return len(re.findall(r"(?<![a-z0-9])" + r"\W+".join(phrase.split()) + r"(?![a-z0-9])", text))


def shared_phrases(a: str, b: str) -> list[str]:
    """Runs of three words found in both texts, merged where they overlap, each word four
    letters or more and none a stop word (so not "of the council" or "councils rather
    than"): "single digital strategy"."""
    stop = _stop_words()
    words_a = _WORDS.findall(a.lower())
    words_b = _WORDS.findall(b.lower())
    grams_b = {tuple(words_b[i : i + 3]) for i in range(len(words_b) - 2)}
    found: list[list[str]] = []
    last = -10
    for i in range(len(words_a) - 2):
        gram = tuple(words_a[i : i + 3])
        if gram in grams_b and all(len(w) >= 4 and w not in stop for w in gram):
            if found and i == last + 1:
                found[-1].append(gram[-1])
            else:
                found.append(list(gram))
            last = i
    return list(dict.fromkeys(" ".join(words) for words in found))


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
