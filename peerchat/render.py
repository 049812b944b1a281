"""Records as JSON-ready dicts and as plain text: the edge shared by the CLI and the app."""

from __future__ import annotations

from typing import Any

from peerchat.core.dates import display_date
from peerchat.core.records import (
    Answer,
    Citation,
    Recommendation,
    Signpost,
    Understood,
)
from peerchat.core.text import printable
from peerchat.index.store import Library


def citation_dict(c: Citation) -> dict[str, Any]:
    """The citation fields of the `ask --json` contract (plus the passage id and quotes)."""
    return {
        "n": c.n,
        "council": c.council,
        "title": c.title,
        "report_type": c.report_type,
        "date": c.date,
        "section": c.section,
        "page": c.page,
        "source": c.source,
        "text": c.text,
        "score": c.score,
        "chunk_id": c.chunk_id,
        "quotes": list(c.quotes),
    }


def answer_dict(a: Answer) -> dict[str, Any]:
    """One line of `peerchat ask --json`."""
    return {
        "question": a.question,
        "found": a.found,
        "answer": a.text,
        "citations": [citation_dict(c) for c in a.citations],
        "councils": list(a.councils),
        "notices": list(a.notices),
        **({"understood": understood_dict(a.understood)} if a.understood else {}),
    }


def understood_dict(u: Understood) -> dict[str, Any]:
    """How the question was read, as JSON."""
    return {
        "councils": list(u.councils),
        "missing": list(u.missing),
        "report_types": list(u.report_types),
        "years": list(u.years),
        "guesses": [{"written": w, "council": c} for w, c in u.guesses],
        "follow_up": u.follow_up,
        "across": u.across,
    }


def format_citation(c: Citation, with_text: bool = False) -> str:
    """`[n] Council — Title (type, date), section, p. N` and optionally the passage."""
    head = printable(
        f"[{c.n}] {c.council} — {c.title} ({c.report_type}, {display_date(c.date)}), "
        f"{c.section or 'no section'}, p. {c.page} — {c.source}"
    )
    if not with_text:
        return head
    return head + "\n    " + c.text.replace("\n", "\n    ")


def format_answer(a: Answer) -> str:
    """The answer, then its numbered sources."""
    lines = [a.text]
    lines.extend(f"({notice})" for notice in a.notices)
    if a.citations:
        lines.append("")
        lines.append("Sources:")
        lines.extend(format_citation(c) for c in a.citations)
    return "\n".join(lines)


def library_rows(library: Library) -> list[dict[str, Any]]:
    """One row per report in the library, for `peerchat reports` and the Library page."""
    passages = {rid: len(rows) for rid, rows in library.rows_by_report.items()}
    rows = []
    for stored in library.stored:
        r = stored.report
        rows.append(
            {
                "council": r.council,
                "type": r.report_type,
                "date": r.date or "undated",
                "pages": r.n_pages,
                "passages": passages.get(r.id, 0),
                "title": r.title,
                "file": r.source,
                "ingested": stored.ingested_at,
                "id": r.id,
            }
        )
    return sorted(rows, key=lambda row: (row["council"], row["date"]))


def recommendation_dict(rec: Recommendation, library: Library | None = None) -> dict[str, Any]:
    """A recommendation as a JSON-ready dict (the CLI's and the app's columns)."""
    report = library.reports.get(rec.report_id) if library is not None else None
    return {
        "council": rec.council,
        "report": report.title if report is not None else rec.source,
        "report_type": rec.report_type,
        "date": rec.date,
        "number": rec.number,
        "label": rec.label,
        "key": rec.key,
        "section": rec.section,
        "page": rec.page,
        "themes": "; ".join(rec.themes),
        "text": rec.text,
        "source": rec.source,
        "origin": rec.origin,
        "also": "; ".join(
            f"{section}, p. {page}"
            for section, page in zip(rec.also_sections, rec.also_pages, strict=True)
        ),
        "chunk_id": rec.chunk_id,
        "id": rec.id,
    }


def signpost_dict(s: Signpost) -> dict[str, Any]:
    """A signpost as a JSON-ready dict."""
    return {
        "council": s.council,
        "date": s.date,
        "name": s.name,
        "text": s.text,
        "section": s.section,
        "recommendation": s.recommendation,
        "recommendation_id": s.recommendation_id,
        "match": s.match,
        "links": list(s.links),
        "page": s.page,
        "source": s.source,
        "chunk_id": s.chunk_id,
        "id": s.id,
    }
