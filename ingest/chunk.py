"""Chunks: passages of about `max_tokens` tokens that follow a report's sections.

Text chunks split at paragraph, then sentence, then word boundaries, never across two
top-level sections; a short section (a lone heading) joins the next one under the same
top-level section. Each action-plan row is one chunk of kind "table row".
"""

from __future__ import annotations

import re

from peerchat.core.records import Chunk, Report, Section
from peerchat.core.text import count_tokens
from peerchat.ingest.sections import top_key
from peerchat.ingest.sentences import sentence_spans

SHORT_SECTION_TOKENS = 40


def chunk_report(report: Report, max_tokens: int = 300) -> list[Chunk]:
    """The report's chunks: text passages by section, then one chunk per action-plan row."""
    row_spans = [(row.start, row.end) for row in report.rows]
    chunks: list[Chunk] = []
    used_ids: set[str] = set()
    for group in _section_groups(report):
        spans = _paragraph_spans(report.text, group[0].start, group[-1].end, row_spans)
        section = group[0]
        label = section.path
        for start, end in _pack(report.text, spans, max_tokens):
            chunks.append(_make(report, label, section, start, end, "text", used_ids))
    for row in report.rows:
        section = _section_at(report.sections, row.start)
        # A row cites as its recommendation: "Action plan > Recommendation 17".
        parent = section.path if section and section.kind != "front matter" else "Action plan"
        label = f"{parent} > Recommendation {row.ref.rstrip('.')}" if row.ref else parent
        chunk = _make(report, label, section, row.start, row.end, "table row", used_ids, row.ref)
        chunks.append(chunk)
    chunks.sort(key=lambda c: (c.start, c.end))
    return chunks


def _section_groups(report: Report) -> list[list[Section]]:
    sections = list(report.sections) or [
        Section("", "Front matter", "front matter", "Front matter", 0, len(report.text), 1, 1)
    ]
    groups: list[list[Section]] = []
    pending: list[Section] = []
    for section in sections:
        group = pending + [section]
        pending = []
        body = report.text[group[0].start : section.end]
        nxt = _next(sections, section)
        if (
            nxt is not None
            and top_key(nxt) == top_key(section)
            and count_tokens(body) < SHORT_SECTION_TOKENS
        ):
            pending = group
            continue
        groups.append(group)
    if pending:
        groups.append(pending)
    return groups


def _next(sections: list[Section], section: Section) -> Section | None:
    i = sections.index(section)
    return sections[i + 1] if i + 1 < len(sections) else None


def _section_at(sections: tuple[Section, ...], offset: int) -> Section | None:
    for section in sections:
        if section.start <= offset < max(section.end, section.start + 1):
            return section
    return sections[-1] if sections else None


def _paragraph_spans(
    text: str, start: int, end: int, skip: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """(start, end) of each paragraph or list block in text[start:end], trimmed, rows left out."""
    spans = []
    for m in re.finditer(r"(?:[^\n]|\n(?!\n))+", text[start:end]):
        s, e = start + m.start(), start + m.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s < e and not any(a <= s < b for a, b in skip):
            spans.append((s, e))
    return spans


def _pack(text: str, spans: list[tuple[int, int]], max_tokens: int) -> list[tuple[int, int]]:
    """Group spans into chunks of at most about `max_tokens`, splitting long ones."""
    pieces: list[tuple[int, int, int]] = []
    for s, e in spans:
        n = count_tokens(text[s:e])
        if n <= max_tokens:
            pieces.append((s, e, n))
        else:
            pieces.extend(_split_long(text, s, e, max_tokens))
    out: list[tuple[int, int]] = []
    cur_s = cur_e = -1
    cur_n = 0
    for s, e, n in pieces:
        if cur_s >= 0 and cur_n + n <= max_tokens:
            cur_e, cur_n = e, cur_n + n + 1
            continue
        if cur_s >= 0:
            out.append((cur_s, cur_e))
        cur_s, cur_e, cur_n = s, e, n
    if cur_s >= 0:
        out.append((cur_s, cur_e))
    return out


def _split_long(text: str, s: int, e: int, max_tokens: int) -> list[tuple[int, int, int]]:
    """Split one long paragraph at sentence ends (then at spaces) into pieces that fit."""
    sentences = [(s + a, s + b) for a, b in sentence_spans(text[s:e])]
    pieces: list[tuple[int, int, int]] = []
    for a, b in sentences:
        n = count_tokens(text[a:b])
        if n <= max_tokens:
            pieces.append((a, b, n))
            continue
        # A sentence longer than a chunk: cut at spaces.
        words = [(a + m.start(), a + m.end()) for m in re.finditer(r"\S+", text[a:b])]
        step = max(1, int(max_tokens * 0.6))
        for i in range(0, len(words), step):
            ws, we = words[i][0], words[min(i + step, len(words)) - 1][1]
            pieces.append((ws, we, count_tokens(text[ws:we])))
    merged: list[tuple[int, int, int]] = []
    for a, b, n in pieces:
        if merged and merged[-1][2] + n + 1 <= max_tokens:
            ma, _, mn = merged[-1]
            merged[-1] = (ma, b, mn + n + 1)
        else:
            merged.append((a, b, n))
    return merged


def _make(
    report: Report,
    label: str,
    section: Section | None,
    start: int,
    end: int,
    kind: str,
    used: set[str],
    ref: str = "",
) -> Chunk:
    text = report.text[start:end]
    first, last = report.page_at(start), report.page_at(max(start, end - 1))
    if kind == "table row":
        row = next(r for r in report.rows if r.start == start)
        first, last = row.first_page, row.last_page
        key = f"row{_slug(ref)}"
    else:
        key = (
            section.number
            if section and section.number
            else _slug(section.heading if section else "")
        )
    base = f"{report.id[:12]}:{key or 'text'}:p{first}-{last}"
    i = 0
    while f"{base}:{i}" in used:
        i += 1
    used.add(f"{base}:{i}")
    return Chunk(
        id=f"{base}:{i}",
        report_id=report.id,
        councils=report.councils,
        report_type=report.report_type,
        date=report.date,
        title=report.title,
        source=report.source,
        section=label,
        first_page=first,
        last_page=last,
        start=start,
        end=end,
        text=text,
        n_tokens=count_tokens(text),
        kind=kind,
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40]
