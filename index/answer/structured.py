"""Answers from the register's structured items: an action plan's rows (the action, its
sponsor, lead and dates), a council's list of recommendations, and signposted practice.

Each item carries the passage it was read from, which the answer cites. The passage route
(`answer.py`) picks the item: these functions only write it out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from peerchat.core.records import ActionRow, Answer, Chunk, Citation, Recommendation, Signpost
from peerchat.index.search.cite import citation_for
from peerchat.index.search.intent import Intent
from peerchat.index.store.library import Library

MAX_LISTED = 25  # recommendations listed per council
# "the same timeframe as Recommendation 1", "in the same timeframe" (after "Recommendations 1, 2").
SAME_TIME = re.compile(
    r"same time ?(frame|scale|table)s?(?: as)?(?: (?:set out in |for )?recommendations?\s*"
    r"([\d ,and]+))?",
    re.IGNORECASE,
)
REFS = re.compile(r"\d{1,2}")
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z•])")


@dataclass(frozen=True)
class Item:
    """A structured item chosen to answer a question, with the passage row to cite."""

    kind: str  # "action" | "recommendation" | "signpost"
    id: str
    chunk_row: int


def row_action(library: Library, row: ActionRow) -> ActionRow:
    """The row with the action and dates it shares with or borrows from other rows.

    A merged action cell answers several recommendations ("To support Recommendations 5,
    6 and 7 ..."): each of them gets the whole action. An action "in the same timeframe as
    Recommendation 1" gets that row's dates.
    """
    actions = {a.ref: a for a in library.register.actions if a.report_id == row.report_id}
    action, dates = row.action, row.dates
    owner = actions.get(row.shared_with) if row.shared_with else None
    if owner is not None:
        members = [a for a in actions.values() if a.shared_with == owner.ref]
        whole = " ".join(p for p in [owner.action, *(m.action for m in members)] if p.strip())
        action = whole
        dates = tuple(dict.fromkeys([*owner.dates, *(d for m in members for d in m.dates)]))
    elif any(a.shared_with == row.ref for a in actions.values()):
        members = [a for a in actions.values() if a.shared_with == row.ref]
        action = " ".join(p for p in [row.action, *(m.action for m in members)] if p.strip())
        dates = tuple(dict.fromkeys([*row.dates, *(d for m in members for d in m.dates)]))
    if not dates:
        match = SAME_TIME.search(action)
        if match:
            refs = REFS.findall(match.group(2) or "") or _linked_refs(action)
            borrowed = [d for ref in refs if ref in actions for d in actions[ref].dates]
            dates = tuple(dict.fromkeys(borrowed))
    return ActionRow(
        **{
            **row.__dict__,
            "action": " ".join(action.split()),
            "dates": dates,
            "sponsor": row.sponsor or (owner.sponsor if owner else ""),
            "lead": row.lead or (owner.lead if owner else ""),
        }
    )


def row_text(library: Library, row: ActionRow) -> str:
    """An action-plan row as plain text with its column names (what a language model is
    given for it, and what its sentences are checked against)."""
    row = row_action(library, row)
    parts = [
        f"Recommendation {row.ref}: {row.recommendation}",
        f"Action: {row.action}" if row.action else "",
        f"Cabinet sponsor: {row.sponsor}" if row.sponsor else "",
        f"Lead: {row.lead}" if row.lead else "",
        f"When: {'; '.join(row.dates)}" if row.dates else "",
    ]
    return "\n".join(p for p in parts if p)


def _linked_refs(text: str) -> list[str]:
    """The recommendation numbers an action names ("linked to Recommendations 1, 2 and 4")."""
    refs: list[str] = []
    for match in re.finditer(r"recommendations?\s+([\d ,and]+)", text, re.IGNORECASE):
        refs += REFS.findall(match.group(1))
    return refs


def action_answer(
    library: Library, question: str, row: ActionRow, intent: Intent, topic: str, councils
) -> Answer:
    """One action-plan row written out: the recommendation, then what was asked first
    (lead, sponsor or dates), then the action."""
    printed = row  # as the row's own cells print it (what its passage holds)
    row = row_action(library, row)
    chunk_row = library.chunks.rows_of_ids([row.chunk_id]).get(row.chunk_id)
    report = library.reports[row.report_id]
    chunk = library.chunks[chunk_row] if chunk_row is not None else None
    label = f"Recommendation {row.ref}"
    shared = _shared_label(library, row)
    lines = [
        f"**{report.council}** ({report.report_type}, {report.date or 'undated'}), "
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
    quotes = tuple(
        q for q in (printed.recommendation, printed.action) if q and chunk and q in chunk.text
    )
    citations = [citation_for(chunk, 1, 1.0, quotes, chunk.first_page)] if chunk is not None else []
    # A shared action runs on through the other rows' cells: each is a source of it.
    for other in _group(library, row):
        if other.id == row.id or not other.action.strip():
            continue
        other_row = library.chunks.rows_of_ids([other.chunk_id]).get(other.chunk_id)
        if other_row is None:
            continue
        part = library.chunks[other_row]
        quoted = (other.action,) if other.action in part.text else ()
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
    """The rows that share `row`'s action cell (just `row` when it has its own)."""
    owner = row.shared_with or row.ref
    return [
        a
        for a in library.register.actions
        if a.report_id == row.report_id and (a.ref == owner or a.shared_with == owner)
    ] or [row]


def _shared_label(library: Library, row: ActionRow) -> str:
    owner = row.shared_with or row.ref
    group = [
        a.ref
        for a in library.register.actions
        if a.report_id == row.report_id and (a.ref == owner or a.shared_with == owner)
    ]
    if len(group) < 2:
        return ""
    return f" (action shared with recommendations {group[0]}–{group[-1]})"


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
            f"**{report.council}** ({report.report_type}, {report.date or 'undated'}): "
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
            f"{report.date or 'undated'}): {_one_line(what)}{link} [{n}]"
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
