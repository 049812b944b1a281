"""The extractive answerer: pick the sentences of the retrieved passages that answer the
question and write a short Markdown answer whose every quoted sentence ends with the `[n]`
of the passage it came from. No language model needed.

Single-report questions search the passages the question allows; cross-report questions
("which councils ...") are answered report by report so that nothing is lost to a global
top-k, and say which reports have no passage that clears the relevance floor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from peerchat.core.councils import Council, CouncilDirectory
from peerchat.core.dates import display_date
from peerchat.core.records import Answer, Chunk, Citation, Report, join_names
from peerchat.core.text import spaced_words, word_overlap
from peerchat.index.embedding.calibration import Calibration
from peerchat.index.embedding.embedders import Embedder
from peerchat.index.search.cite import citation_for, quoted_page
from peerchat.index.search.hybrid import Filters, mask_for, rank_passages
from peerchat.index.search.query import Query, Turn, strip_councils, understand
from peerchat.index.store.lexical import overlap_terms
from peerchat.index.store.library import Library
from peerchat.index.store.sentences import NUMBER, OK, PERSON, RECOMMENDATION, SIGNPOST

# The relevance floors and bonuses of a sentence's score (cosine + lexical overlap bonus)
# are the embedder's: `embedder.calibration` (index/embedding/calibration.py).
PERSON_QUESTION = re.compile(r"^\s*(who|whom|whose)\b|\bwhich (person|officer|peer)\b", re.I)
NUMBER_QUESTION = re.compile(
    r"\bhow (many|much|long|often)\b|\bwhat (percentage|proportion|number|amount)\b",
    re.IGNORECASE,
)
RECOMMENDED = re.compile(
    r"\b(told|advised|recommend\w*|asked|encouraged|urged|should|need(ed)? to|suggest\w*)\b",
    re.IGNORECASE,
)
# "What did Lambeth commit to?": recommendations and action-plan rows answer it.
COMMITTED = re.compile(
    r"\b(commit\w*|pledge\w*|promis\w*|agree[ds]? to|actions?|by when|timescales?|deadlines?|"
    r"recommend\w*|told to|advised to)\b",
    re.IGNORECASE,
)
MAX_QUOTES = 3
SIGNPOST_HEADING = re.compile(r"^\s*Signpost\s*[–—-]", re.IGNORECASE)
LINK = re.compile(r"https?://|www\.|@[\w-]+\.", re.IGNORECASE)
SIGNPOST_QUESTION = re.compile(
    r"\bsignpost\w*|\bexamples?\b|\bgood practice\b|\bpractice\b|\belsewhere\b",
    re.IGNORECASE,
)
SIGNPOSTED = re.compile(r"\bsignpost(s|ed|ing)?\b", re.IGNORECASE)
MAX_LIST_ITEMS = 10
LIST_ITEM = re.compile(r"^\s*(\u2022|[-*]\s|\d{1,2}[.)]\s|[a-z][.)]\s)")
SAME_QUOTE = 0.8  # a quote sharing more of its words than this with a chosen one repeats it
# A question about a council's own peer challenge, not about it as a partner or example.
OWN_REPORT = re.compile(
    r"\b(peer challenge|peer team|peers?|reports?|feedback|action plan|recommend\w*|told|"
    r"advised|findings?|found|progress review|follow[- ]up)\b",
    re.IGNORECASE,
)
# "When did the peer team visit Cambridge?": answered from the reports' dates.
WHEN = re.compile(
    r"^\s*(when|what date|which date|what year)\b.*\b(visit\w*|peer challenge|peer team|"
    r"review\w*|report\w*|publish\w*|take place|took place|happen\w*|held|on site)\b",
    re.IGNORECASE,
)
MONTHS = (
    "january february march april may june july august september october november december"
).split()
MAX_CITATIONS = 5
# Questions over more passages than this score the sentences of this many candidates.
SENTENCE_SCOPE = 2000
MAX_REPORTS_QUOTED = 40  # a cross-report answer quotes at most this many reports
MAX_REPORTS_NAMED = 25  # "No passage found in: ..." names at most this many


@dataclass(frozen=True)
class Evidence:
    """A sentence that answers the question, with the passage it sits in."""

    sentence: int  # row in the library's sentence arrays
    chunk_row: int
    text: str
    score: float
    label: str = ""  # "key recommendation 3" when the sentence states a recommendation


def answer_question(
    library: Library,
    embedder: Embedder,
    directory: CouncilDirectory,
    question: str,
    history: list[Turn] | tuple[Turn, ...] = (),
    filters: Filters | None = None,
) -> Answer:
    """Answer `question` from the library; see the module docstring."""
    if not question or not question.strip():
        return Answer(question, False, "Ask a question about the reports in the library.")
    query = understand(question, directory, history)
    covered = set(library.councils)
    present = tuple(c for c in query.councils if c.name in covered)
    missing = tuple(c for c in query.councils if c.name not in covered)
    resolved = tuple(c.name for c in present)

    mask = mask_for(library, _with_question_filters(filters, present, query))
    notices: list[str] = []
    if COMMITTED.search(query.question) and present and not query.report_types:
        without_plan = [
            c.name
            for c in present
            if not any(
                c.name in r.councils and r.report_type == "action plan"
                for r in library.reports.values()
            )
        ]
        if without_plan:
            notices.append(
                f"No action plan for {join_names(without_plan)} is in the library: this "
                "answer is from what the peer challenge found and recommended."
            )
    if missing and not present:
        mentions = _mentions(library, missing)
        if not mentions.any() or OWN_REPORT.search(query.question):
            # Asked about its own peer challenge: other councils' reports naming it (say,
            # as a peer's employer) are no answer.
            return _not_covered(query, missing, library)
        mask &= mentions
        notices.append(
            f"There is no report for {join_names([c.name for c in missing])} in the library; "
            "these passages from other councils' reports mention it."
        )
    elif missing and query.aggregate:
        notices.append(
            f"There is no report for {join_names([c.name for c in missing])} in the library."
        )
    if not mask.any():
        return _nothing_matches(query, resolved, filters, library)

    if WHEN.search(query.question) and present and not query.aggregate:
        dated = _answer_when(library, query, mask, resolved)
        if dated is not None:
            return dated
    vectors = _topic_vectors(embedder, _topic_without_councils(query, library) or query.topic)
    calibration = embedder.calibration
    if query.aggregate:
        answer = _answer_across_reports(library, query, vectors, mask, resolved, calibration)
    else:
        answer = _answer_single(library, query, vectors, mask, resolved, calibration)
    if notices:
        answer = replace(answer, notices=tuple(notices) + answer.notices)
    return answer


def _topic_vectors(embedder: Embedder, topic: str) -> np.ndarray:
    """The topic's vector, and one per alternative of an "A or B" topic (rows)."""
    parts = [p.strip() for p in re.split(r"\s*\b(?:or|and/or)\b\s*", topic) if p.strip()]
    texts = [topic]
    if len(parts) > 1 and all(len(p.split()) >= 2 for p in parts):
        texts += parts
    return embedder.embed(texts)


def _with_question_filters(
    filters: Filters | None, present: tuple[Council, ...], query: Query
) -> Filters:
    base = filters or Filters()
    councils = base.councils
    if present:
        named = tuple(c.name for c in present)
        councils = tuple(c for c in named if not base.councils or c in base.councils) or named
    types = base.report_types or query.report_types
    years = base.years or query.years
    return Filters(councils, types, base.date_from, base.date_to, base.report_ids, years)


def _mentions(library: Library, councils: tuple[Council, ...]) -> np.ndarray:
    """Passages whose text names any of `councils`."""
    pattern = re.compile(
        r"\b(" + "|".join(re.escape(c.short) for c in councils) + r")\b", re.IGNORECASE
    )
    return library.chunks.matching(pattern)


def _not_covered(query: Query, missing: tuple[Council, ...], library: Library) -> Answer:
    names = join_names([c.name for c in missing])
    have = join_names(library.councils) or "no councils yet"
    return Answer(
        query.question,
        False,
        f"There is no report for {names} in the library, so I cannot say what its peer "
        f"challenge found. The library covers: {have}.",
        councils=tuple(c.name for c in missing),
        topic=query.topic,
    )


def _nothing_matches(
    query: Query, resolved: tuple[str, ...], filters: Filters | None, library: Library
) -> Answer:
    kind = " or ".join(query.report_types) or "report"
    when = (" dated " + " or ".join(str(y) for y in query.years)) if query.years else ""
    who = f" for {join_names(list(resolved))}" if resolved else ""
    within = f" within the filters ({filters.describe()})" if filters and filters.active else ""
    have = "; ".join(
        f"{r.council} ({r.report_type}, {display_date(r.date)})"
        for r in sorted(library.reports.values(), key=lambda r: (r.council, r.date))
        if not resolved or set(r.councils) & set(resolved)
    )
    return Answer(
        query.question,
        False,
        f"The library has no {kind}{who}{when}{within}. It has: {have or 'no reports'}.",
        councils=resolved,
        topic=query.topic,
    )


def _score_sentences(
    library: Library, query: Query, vectors: np.ndarray, mask: np.ndarray, cal: Calibration
) -> tuple[np.ndarray, np.ndarray]:
    """(rows of the answerable sentences under `mask`, their combined scores).

    The score is the sentence's cosine to the question plus a bonus for the share of the
    question's terms (weighted by rarity) that the sentence contains.
    """
    sentences = library.sentences
    passages = np.flatnonzero(mask)
    if len(passages) > SENTENCE_SCOPE:
        topic = _topic_without_councils(query, library) or query.topic
        passages = rank_passages(library, vectors[0], topic, mask, SENTENCE_SCOPE)[0]
    rows = sentences.rows_of(np.sort(passages))
    rows = rows[sentences.has(rows, OK) > 0]
    if len(rows) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    scores = sentences.cosines(rows, vectors).astype(np.float32)
    # A term the library never uses weighs as much as the rarest one: a question about
    # something no report mentions should not look answered by its other words.
    weights = sentences.term_weights(overlap_terms(_topic_without_councils(query, library)))
    total = sum(weights.values())
    matched = sentences.matched_weight(rows, weights)
    if total > 0:
        scores += cal.overlap_weight * matched / total
    if (
        total > 0
        and (query.aggregate and RECOMMENDED.search(query.question))
        or (not query.aggregate and COMMITTED.search(query.question))
    ):
        # "Which councils were told to ..." is answered best by what the reports
        # recommend, when the recommendation shares some of the question's words.
        shares = matched > 0
        scores += cal.recommendation_bonus * sentences.has(rows, RECOMMENDATION) * shares
    if SIGNPOST_QUESTION.search(query.question):
        in_signpost = sentences.has(rows, SIGNPOST)
        scores += cal.signpost_bonus * in_signpost
        if SIGNPOSTED.search(query.question) and in_signpost.any():
            # "What was signposted ...": only the signposted examples answer it.
            scores = np.where(in_signpost > 0, scores, -1.0).astype(np.float32)
    if PERSON_QUESTION.search(query.question):
        scores += cal.person_bonus * sentences.has(rows, PERSON)
    if NUMBER_QUESTION.search(query.question):
        scores += cal.number_bonus * sentences.has(rows, NUMBER)
    return rows, scores


def _topic_without_councils(query: Query, library: Library) -> str:
    """The topic without the names the search is already narrowed by: the councils with
    reports or, when none of the named councils has one, the passages naming them."""
    covered = set(library.councils)
    narrowed = [c for c in query.councils if c.name in covered] or list(query.councils)
    return strip_councils(query.topic, narrowed)


def _evidence(library: Library, row: int, score: float) -> Evidence:
    chunk_row, start, end = (int(v) for v in library.sentences.spans[row])
    chunk = library.chunks[chunk_row]
    text = chunk.text[start:end]
    return Evidence(
        int(row),
        int(chunk_row),
        text,
        float(score),
        _recommendation_label(library, chunk, start, end),
    )


def _recommendation_label(library: Library, chunk: Chunk, start: int, end: int) -> str:
    """ "key recommendation 3" when the sentence at start:end of `chunk` states one of the
    register's recommendations; "" otherwise."""
    for rec in library.recommendations_by_chunk.get(chunk.id, ()):
        if chunk.kind == "table row" or (
            rec.start < chunk.start + end and chunk.start + start < rec.end
        ):
            kind = "key recommendation" if rec.key else "recommendation"
            return f"{kind} {rec.number}" if rec.number else kind
    return ""


def _answer_when(
    library: Library, query: Query, mask: np.ndarray, resolved: tuple[str, ...]
) -> Answer | None:
    """The date of each report in scope, quoting the line of its first page that gives it."""
    lines: list[str] = []
    citations: list[Citation] = []
    for report_id, rows in library.rows_by_report.items():
        rows = [int(r) for r in rows if mask[r]]
        report = library.reports[report_id]
        if not rows or not re.fullmatch(r"\d{4}-\d{2}(?:-\d{2})?", report.date):
            continue
        first = min(rows, key=lambda r: library.chunks[r].start)
        chunk = library.chunks[first]
        year, month = report.date[:4], MONTHS[int(report.date[5:7]) - 1]
        quote = next(
            (
                text
                for text in map(library.sentence_text, library.sentences.rows_of([first]))
                if year in text and month in text.lower()
            ),
            "",
        )
        if not quote:
            continue
        n = len(citations) + 1
        lines.append(
            f"- **{report.council}** — {report.title} ({report.report_type}): {_quote(quote)} [{n}]"
        )
        citations.append(citation_for(chunk, n, 1.0, (quote,), chunk.first_page))
    if not citations:
        return None
    text = "The dates on the reports' covers:\n\n" + "\n".join(lines)
    return Answer(query.question, True, text, tuple(citations), resolved, (), query.topic)


def _answer_single(
    library: Library,
    query: Query,
    vectors: np.ndarray,
    mask: np.ndarray,
    resolved: tuple[str, ...],
    cal: Calibration,
) -> Answer:
    rows, scores = _score_sentences(library, query, vectors, mask, cal)
    floor = cal.named_floor if resolved else cal.single_floor
    if len(rows) == 0 or scores.max() < floor:
        return _reports_do_not_say(query, resolved)
    order = np.argsort(-scores)
    best = float(scores[order[0]])
    chosen: list[Evidence] = []
    for i in order[: MAX_QUOTES * 3]:
        if len(chosen) == MAX_QUOTES or scores[i] < max(floor, best - cal.quote_margin):
            break
        ev = _evidence(library, rows[i], scores[i])
        if any(word_overlap(ev.text, c.text, spaced_words) > SAME_QUOTE for c in chosen):
            continue
        chosen.append(ev)
    chosen += _what_the_row_commits(library, rows, scores, chosen)
    chosen = _with_list_items(library, _with_signpost_headings(library, chosen))
    # Passages for the remaining citations: fused dense + lexical ranking under the mask.
    extra = rank_passages(library, vectors[0], query.topic, mask, MAX_CITATIONS * 2)[0]
    extra_rows = [int(r) for r in extra]
    dense = _cosines(library, vectors[0], extra_rows)
    return _compose(library, query, chosen, extra_rows, dense, resolved, per_report=False)


def _with_list_items(library: Library, chosen: list[Evidence]) -> list[Evidence]:
    """A quoted lead-in ("The peers who delivered the peer challenge were:") is followed
    by the list items it introduces, up to MAX_LIST_ITEMS."""
    out: list[Evidence] = []
    taken = {ev.sentence for ev in chosen}
    for ev in chosen:
        out.append(ev)
        if not ev.text.rstrip().endswith(":"):
            continue
        row = ev.sentence + 1
        items = 0
        spans = library.sentences.spans
        while row < len(spans) and spans[row, 0] == ev.chunk_row and items < MAX_LIST_ITEMS:
            text = _sentence_text(library, row)
            if not LIST_ITEM.match(text):
                break
            if row not in taken:
                out.append(_evidence(library, row, ev.score))
                taken.add(row)
            items += 1
            row += 1
    return out


def _with_signpost_headings(library: Library, chosen: list[Evidence]) -> list[Evidence]:
    """A quote from a signposted example is preceded by the example's heading ("Signpost –
    Breckland and South Holland") and followed by any link it gives, so the answer says
    what is signposted and where to find it."""
    out: list[Evidence] = []
    taken = {ev.sentence for ev in chosen}
    for ev in chosen:
        if "signpost" not in library.chunks[ev.chunk_row].section.lower():
            out.append(ev)
            continue
        same = library.sentences.rows_of([ev.chunk_row])
        before = [int(r) for r in same if r <= ev.sentence]
        heading = next(
            (r for r in reversed(before) if SIGNPOST_HEADING.match(_sentence_text(library, r))),
            None,
        )
        if heading is not None and heading not in taken:
            out.append(_evidence(library, heading, ev.score))
            taken.add(heading)
        out.append(ev)
        for r in (int(r) for r in same if r > ev.sentence):
            text = _sentence_text(library, r)
            if SIGNPOST_HEADING.match(text):
                break  # the next signpost
            if LINK.search(text) and r not in taken:
                out.append(_evidence(library, r, ev.score))
                taken.add(r)
                break
    return out


def _sentence_text(library: Library, row: int) -> str:
    return library.sentence_text(row)


def _what_the_row_commits(
    library: Library, rows: np.ndarray, scores: np.ndarray, chosen: list[Evidence]
) -> list[Evidence]:
    """When the best quote is an action-plan row's recommendation, the row's best
    sentence of what the council will do, so the answer says both; when it is a
    signpost's heading, the signpost's first sentence, which says what it shows."""
    if chosen and SIGNPOST_HEADING.match(chosen[0].text):
        follows = chosen[0].sentence + 1
        spans = library.sentences.spans
        if (
            follows < len(spans)
            and spans[follows, 0] == chosen[0].chunk_row
            and follows not in {ev.sentence for ev in chosen}
        ):
            return [_evidence(library, follows, chosen[0].score)]
        return []
    if not chosen or library.chunks[chosen[0].chunk_row].kind != "table row":
        return []
    taken = {ev.sentence for ev in chosen}
    same_row = [
        i
        for i in np.flatnonzero(library.sentences.spans[rows, 0] == chosen[0].chunk_row)
        if rows[i] not in taken
    ]
    for i in sorted(same_row, key=lambda i: -scores[i]):
        ev = _evidence(library, rows[i], scores[i])
        if len(ev.text.split()) >= 8 and not ev.text.startswith("Recommendation"):
            return [ev]
    return []


def _answer_across_reports(
    library: Library,
    query: Query,
    vectors: np.ndarray,
    mask: np.ndarray,
    resolved: tuple[str, ...],
    cal: Calibration,
) -> Answer:
    rows, scores = _score_sentences(library, query, vectors, mask, cal)
    spans = library.sentences.spans
    best_by_report: dict[int, Evidence] = {}
    for i in np.argsort(-scores):
        if scores[i] < cal.aggregate_floor:
            break
        report = int(library.report_of_row[spans[rows[i], 0]])
        if report not in best_by_report:
            best_by_report[report] = _evidence(library, rows[i], scores[i])
    in_scope = [int(p) for p in np.unique(library.report_of_row[mask])]
    best = sorted(best_by_report.values(), key=lambda e: -e.score)
    quoted, unquoted = best[:MAX_REPORTS_QUOTED], best[MAX_REPORTS_QUOTED:]
    chosen = _with_signpost_headings(library, quoted)
    answer = _compose(library, query, chosen, [], {}, resolved, per_report=True)
    if not chosen:
        return _reports_do_not_say(query, resolved, scope=len(in_scope))
    without = [library.reports[library.report_ids[p]] for p in in_scope if p not in best_by_report]
    found_councils = {c for e in best for c in library.chunks[e.chunk_row].councils}
    scope_councils = {c for p in in_scope for c in library.reports[library.report_ids[p]].councils}
    recommended = {c for e in best if e.label for c in library.chunks[e.chunk_row].councils}
    lead = _aggregate_lead(query, len(found_councils), len(scope_councils))
    if RECOMMENDED.search(query.question) and recommended:
        lead = _recommendation_lead(len(recommended), len(found_councils), len(scope_councils))
    text = lead + "\n\n" + answer.text
    if unquoted:
        text += (
            f"\n\n{len(unquoted)} more reports have a passage on this; filter by council or "
            "date to see them."
        )
    if len(without) > MAX_REPORTS_NAMED:
        text += f"\n\nNo passage found in the other {len(without)} reports in scope."
    elif without:
        text += "\n\nNo passage found in: " + "; ".join(_report_label(r) for r in without) + "."
    return Answer(
        answer.question,
        True,
        text,
        answer.citations,
        answer.councils,
        answer.notices,
        answer.topic,
        aggregate=True,
    )


def _aggregate_lead(query: Query, found: int, scope: int) -> str:
    noun = "council" if scope == 1 else "councils"
    if query.count:
        return f"**{found} of the {scope} {noun}** in scope have a passage on this:"
    return f"Passages on this were found for {found} of the {scope} {noun} in scope:"


def _recommendation_lead(recommended: int, found: int, scope: int) -> str:
    noun = "council" if scope == 1 else "councils"
    verb = "was" if recommended == 1 else "were"
    lead = f"**{recommended} of the {scope} {noun}** in scope {verb} told this in a recommendation"
    others = found - recommended
    if others > 0:
        lead += f"; {others} more {'has' if others == 1 else 'have'} a passage on it"
    return lead + ":"


def _compose(
    library: Library,
    query: Query,
    chosen: list[Evidence],
    extra_rows: list[int],
    dense: dict[int, float],
    resolved: tuple[str, ...],
    per_report: bool,
) -> Answer:
    """Number the passages in the order their sentences are used, then add the best
    remaining passages as further sources."""
    # The answer groups quotes by report, so passages are numbered in that reading order.
    report_order = list(dict.fromkeys(library.chunks[ev.chunk_row].report_id for ev in chosen))
    chosen = sorted(
        chosen, key=lambda ev: report_order.index(library.chunks[ev.chunk_row].report_id)
    )
    numbers: dict[int, int] = {}
    quotes: dict[int, list[str]] = {}
    for ev in chosen:
        numbers.setdefault(ev.chunk_row, len(numbers) + 1)
        quotes.setdefault(ev.chunk_row, []).append(ev.text)
    for row in extra_rows:
        if len(numbers) >= max(MAX_CITATIONS, len(chosen)):
            break
        numbers.setdefault(row, len(numbers) + 1)

    lines: list[str] = []
    by_report: dict[str, list[Evidence]] = {}
    for ev in chosen:
        by_report.setdefault(library.chunks[ev.chunk_row].report_id, []).append(ev)
    for evidence in by_report.values():
        # Quotes from one passage read in the passage's order.
        evidence.sort(key=lambda ev: (numbers[ev.chunk_row], ev.sentence))
    for report_id, evidence in by_report.items():
        report = library.reports[report_id]
        body = " ".join(
            (f"({ev.label}) " if ev.label and per_report and not _names_itself(ev.text) else "")
            + f"{_quote(ev.text)} [{numbers[ev.chunk_row]}]"
            for ev in evidence
        )
        prefix = "- " if per_report or len(by_report) > 1 else ""
        lines.append(
            f"{prefix}**{report.council}** ({_report_label(report, with_council=False)}): {body}"
        )

    # A cited passage scores as its best quoted sentence; a further source by its cosine.
    evidence_score: dict[int, float] = {}
    for ev in chosen:
        evidence_score[ev.chunk_row] = max(ev.score, evidence_score.get(ev.chunk_row, -1.0))
    citations: list[Citation] = []
    for row, n in sorted(numbers.items(), key=lambda item: item[1]):
        chunk = library.chunks[row]
        used = tuple(quotes.get(row, ()))
        score = evidence_score.get(row, dense.get(row, 0.0))
        page = quoted_page(library.reports[chunk.report_id], chunk, used) or chunk.first_page
        citations.append(citation_for(chunk, n, score, used, page))
    councils = resolved or tuple(
        dict.fromkeys(c for ev in chosen for c in library.chunks[ev.chunk_row].councils)
    )
    return Answer(
        query.question, True, "\n".join(lines), tuple(citations), councils, (), query.topic
    )


def _cosines(library: Library, vector: np.ndarray, rows: list[int]) -> dict[int, float]:
    """Passage row -> cosine of its passage vector to `vector`."""
    if not rows:
        return {}
    scores = library.dense.scores(vector, np.asarray(rows))
    return {row: float(scores[row]) for row in rows}


def _reports_do_not_say(query: Query, resolved: tuple[str, ...], scope: int = 0) -> Answer:
    where = f" of {join_names(list(resolved))}" if resolved else ""
    return Answer(
        query.question,
        False,
        f"The reports{where} in the library do not say: no passage is close enough to the "
        "question to answer it. Try other words, or widen the filters.",
        councils=resolved,
        topic=query.topic,
    )


def _report_label(report: Report, with_council: bool = True) -> str:
    label = f"{report.report_type}, {display_date(report.date)}"
    return f"{report.council} ({label})" if with_council else label


def _names_itself(sentence: str) -> bool:
    """Whether a quote already says which recommendation it is ("Recommendation 2: ...")."""
    return bool(re.match(r"\s*(key\s+)?recommendation\s+\w+\s*:", sentence, re.IGNORECASE))


def _quote(sentence: str) -> str:
    """A sentence as it appears in the answer: one line, bullets dropped."""
    text = " ".join(sentence.split())
    return re.sub(r"^[\u2022\-*]\s*", "", text)
