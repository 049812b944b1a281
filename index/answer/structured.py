"""Answers from the register's structured items: an action plan's rows (the action, its
sponsor, lead and dates), a council's list of recommendations, and signposted practice.

Each item carries the passage it was read from, which the answer cites. The passage route
(`answer.py`) picks the item: these functions only write it out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from peerchat.core.dates import display_date
from peerchat.core.records import ActionRow, Answer, Chunk, Citation, Recommendation, Signpost
from peerchat.index.search.cite import citation_for
from peerchat.index.search.intent import Intent
from peerchat.index.store.library import Library

MAX_LISTED = 25  # recommendations listed per council
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z•])")
FIELD = re.compile(r"^[A-Z][\w /]{0,40}: ")  # "Action: ", a row passage's column name


@dataclass(frozen=True)
class Item:
    """A structured item chosen to answer a question, with the passage row to cite."""

    kind: str  # "action" | "recommendation" | "signpost"
    id: str
    chunk_row: int


def row_text(row: ActionRow) -> str:
    """An action-plan row as plain text with its column names (what a language model is
    given for it, and what its sentences are checked against). The register's row is
    complete: the whole of a shared action, the group's owners and any borrowed dates."""
    parts = [
        f"Recommendation {row.ref}: {row.recommendation}",
        f"Action: {row.action}" if row.action else "",
        f"Cabinet sponsor: {row.sponsor}" if row.sponsor else "",
        f"Lead: {row.lead}" if row.lead else "",
        f"When: {row.due}" if row.dates else "",
    ]
    return "\n".join(p for p in parts if p)


def _printed(text: str, passage: str) -> tuple[str, ...]:
    """What of `text` a passage prints word for word: all of it, or its cell (a shared
    action runs on through several rows' cells), or the sentences of it that are there
    (the register mends words the PDF broke); () when none is."""
    if not text:
        return ()
    if text in passage:
        return (text,)
    flat = " ".join(text.split())
    found: list[str] = []
    for line in passage.splitlines():
        cell = FIELD.sub("", line).strip()
        if len(cell) > 20 and " ".join(cell.split()) in flat:
            found.append(cell)
    for sentence in SENTENCE.split(text):
        if len(sentence) > 20 and sentence in passage and not any(sentence in f for f in found):
            found.append(sentence)
    return tuple(found)


def action_answer(
    library: Library, question: str, row: ActionRow, intent: Intent, topic: str, councils
) -> Answer:
    """One action-plan row written out: the recommendation, then what was asked first
    (lead, sponsor or dates), then the action."""
    # The register's row is complete: the whole of a shared action, the group's sponsor and
    # lead, and the dates of "the same timeframe as Recommendation 1" (ingest/register.py).
    chunk_row = library.chunks.rows_of_ids([row.chunk_id]).get(row.chunk_id)
    report = library.reports[row.report_id]
    chunk = library.chunks[chunk_row] if chunk_row is not None else None
    label = f"Recommendation {row.ref}"
    shared = _shared_label(row)
    lines = [
        f"**{report.council}** ({report.report_type}, {display_date(report.date)}), "
        f"{label}{shared}: {row.recommendation} [1]"
    ]
    fields = {
        "lead": f"- **Lead:** {row.lead or 'not given in the plan'} [1]",
        "sponsor": f"- **Cabinet sponsor:** {row.sponsor or 'not given in the plan'} [1]",
        "due": "- **When:** "
        + ("; ".join(row.dates) if row.dates else "the plan gives no date for this row")
        + " [1]",
    }
    asked = [k for k in ("lead", "sponsor", "due") if getattr(intent, k)]
    for key in asked + [k for k in ("due", "lead", "sponsor") if k not in asked]:
        lines.append(fields[key])
    citations: list[Citation] = []
    if chunk is not None:
        quotes = _printed(row.recommendation, chunk.text) + _printed(row.action, chunk.text)
        citations.append(citation_for(chunk, 1, 1.0, quotes, chunk.first_page))
    # A shared action runs on through the other rows' cells: each that prints part of it
    # is a source of it.
    for other in _group(library, row):
        other_row = library.chunks.rows_of_ids([other.chunk_id]).get(other.chunk_id)
        if other.id == row.id or other_row is None:
            continue
        part = library.chunks[other_row]
        if part.id in {c.chunk_id for c in citations}:
            continue
        quoted = _printed(row.action, part.text)
        if quoted:
            citations.append(citation_for(part, len(citations) + 1, 1.0, quoted, part.first_page))
    if row.action:
        markers = "".join(f"[{c.n}]" for c in citations) or "[1]"
        lines.append(f"- **Action:** {row.action} {markers}")
    return Answer(
        question,
        True,
        "\n".join(lines),
        tuple(citations),
        tuple(report.councils),
        (),
        topic,
        items=(row.id,),
    )


def _group(library: Library, row: ActionRow) -> list[ActionRow]:
    """The rows that share `row`'s action (just `row` when it has its own)."""
    if len(row.shared_refs) < 2:
        return [row]
    return [
        a
        for a in library.register.actions
        if a.report_id == row.report_id and a.ref in row.shared_refs
    ] or [row]


def _shared_label(row: ActionRow) -> str:
    if len(row.shared_refs) < 2:
        return ""
    return f" (action shared with recommendations {row.shared_refs[0]}–{row.shared_refs[-1]})"


def recommendations_answer(
    library: Library,
    question: str,
    recs: Sequence[Recommendation],
    topic: str,
    councils: tuple[str, ...],
    on_topic: bool = False,
) -> Answer:
    """A council's recommendations (all its key ones, or those on the question's topic),
    listed report by report, each citing its passage."""
    numbers: dict[str, int] = {}
    lines: list[str] = []
    citations: list[Citation] = []
    by_report: dict[str, list[Recommendation]] = {}
    for rec in recs:
        by_report.setdefault(rec.report_id, []).append(rec)
    rows = library.chunks.rows_of_ids(list({r.chunk_id for r in recs}))
    for report_id, items in by_report.items():
        report = library.reports[report_id]
        kind = "key recommendations" if any(r.key for r in items) else "recommendations"
        if report.report_type == "action plan":
            kind = "recommendations in the action plan"
        if on_topic:
            kind = "recommendations on this" if len(items) > 1 else "recommendation on this"
        lines.append(
            f"**{report.council}** ({report.report_type}, {display_date(report.date)}): "
            f"{len(items)} {kind}:"
        )
        for rec in items[:MAX_LISTED]:
            row = rows.get(rec.chunk_id)
            if row is None:
                continue
            if rec.chunk_id not in numbers:
                numbers[rec.chunk_id] = len(numbers) + 1
                chunk = library.chunks[row]
                citations.append(
                    citation_for(chunk, numbers[rec.chunk_id], 1.0, (rec.text,), rec.page)
                )
            lines.append(f"{rec.number or '-'}. {_one_line(rec.text)} [{numbers[rec.chunk_id]}]")
        if len(items) > MAX_LISTED:
            lines.append(f"… and {len(items) - MAX_LISTED} more.")
        lines.append("")
    return Answer(
        question,
        True,
        "\n".join(lines).strip(),
        tuple(citations),
        tuple(dict.fromkeys(c for r in recs for c in r.councils)),
        (),
        topic,
        items=tuple(r.id for r in recs),
    )


def signposts_answer(
    library: Library, question: str, signposts: Sequence[Signpost], topic: str, full: bool
) -> Answer:
    """Signposted examples: the name, what it shows (whole, or its first sentence when
    listing them all) and where to find out more."""
    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    lines: list[str] = []
    rows = library.chunks.rows_of_ids(list({s.chunk_id for s in signposts}))
    for s in signposts:
        row = rows.get(s.chunk_id)
        if row is None:
            continue
        chunk: Chunk = library.chunks[row]
        what = s.text if full else SENTENCE.split(s.text, 1)[0]
        if s.chunk_id not in numbers:
            numbers[s.chunk_id] = len(numbers) + 1
            shown = (what,) if what in chunk.text else ()
            citations.append(citation_for(chunk, numbers[s.chunk_id], 1.0, shown, s.page))
        n = numbers[s.chunk_id]
        link = f" More: {', '.join(s.links)}" if s.links else ""
        report = library.reports[s.report_id]
        lines.append(
            f"- **Signpost – {s.name}** (in {report.council}'s {report.report_type}, "
            f"{display_date(report.date)}): {_one_line(what)}{link} [{n}]"
        )
    return Answer(
        question,
        True,
        "\n".join(lines),
        tuple(citations),
        tuple(dict.fromkeys(c for s in signposts for c in s.councils)),
        (),
        topic,
        items=tuple(s.id for s in signposts),
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())
