"""The register: recommendations, signposts and action-plan rows read from one report.

Pure functions of a Report and its chunks. Each item keeps its character span in the
report text, its page and the id of the passage (chunk) that contains it, so every line of
a briefing can be cited. Themes and the link from an action-plan row to the recommendation
it answers need the whole library and the embedder: index/register/extract.py adds them.

How the sample reports list recommendations, and what is read here:
- "Key recommendations": "1." paragraphs (Cambridge), "• 1)" bullets (Central
  Bedfordshire), plain bullets (Lambeth, Bromsgrove); a paragraph between two items, or
  after a last item that is only a lead line, continues that item.
- "Recommendations" subsections of each feedback section: bullets -> further ones.
- An annex summary ("Annex I": key recommendations again, then "Further Recommendations"
  numbered, some run together on one line): items already found are not counted twice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from peerchat.core.records import ActionRow, Chunk, Recommendation, Report, Section, Signpost
from peerchat.ingest.sections import top_key

_BULLET = "•●▪◦‣∙·–*\\-"
_ITEM = re.compile(
    rf"^\s*(?:[{_BULLET}]\s*)?(?:\(?(\d{{1,2}})[.)](?!\d)\s*)?(\S.*)$", re.S
)  # group 1: number, group 2: text
_BULLETED = re.compile(rf"^\s*[{_BULLET}]\s+")
_NUMBERED = re.compile(r"^\s*(?:[•●▪◦]\s*)?\(?\d{1,2}[.)](?!\d)\s+\S")
_SUBHEADING = re.compile(r"^(?:key |further |other |summary of )?recommendations?\b.{0,40}$", re.I)
_SIGNPOST = re.compile(r"^[ \t]*signpost[ \t]*[–—:-][ \t]*(.+?)[ \t]*$", re.I | re.M)
_URL = re.compile(r"(?:https?://|www\.)[^\s<>()\"']+[^\s<>()\"'.,;:]", re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_CONTACT = re.compile(
    r"\bcontact(?:\s+details)?(?:\s+is|\s+are|:)?\s+((?:[A-Z][a-z'’-]+\s){1,3}[A-Z][a-z'’-]+)"
)
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_SEASON = r"(?:spring|summer|autumn|winter|end of|the end of|early|mid|late)"
_YEAR = r"(?:19|20)\d\d(?:/\d\d)?"
_WHEN = rf"(?:(?:{_SEASON}\s+)?{_MONTH}(?:\s+{_YEAR})?|{_SEASON}\s+{_YEAR}|{_YEAR})"
_DATES = re.compile(
    rf"\b(?:(?:from\s+)?{_MONTH}(?:\s+{_YEAR})?\s+(?:to|until|-|–)\s+{_MONTH}\s+{_YEAR}"
    rf"|(?:by|until|from|before|in|during|over)\s+(?:the\s+)?{_WHEN}"
    rf"|{_MONTH}\s+{_YEAR}"
    rf"|{_SEASON}\s+{_YEAR})\b",
    re.I,
)


def extract_recommendations(report: Report, chunks: Sequence[Chunk]) -> list[Recommendation]:
    """The report's key and further recommendations, in reading order.

    For an action plan, its LGA recommendation column (one per row, numbered by the row's
    ref, counted as key: an action plan answers the report's key recommendations).
    """
    if report.report_type == "action plan" or (
        report.rows and not _has_recommendation_sections(report)
    ):
        return _action_plan_recommendations(report, chunks)
    found: list[Recommendation] = []
    seen: set[str] = set()
    annex_sections: list[Section] = []
    further = 0
    for section in report.sections:
        if _in_annex(section):
            annex_sections.append(section)
            continue
        if section.kind not in ("key recommendations", "recommendations"):
            continue
        key = section.kind == "key recommendations"
        for n, (number, start, end, text) in enumerate(_list_items(report.text, section), 1):
            if not key:
                further += 1
            label = (number or str(n)) if key else str(further)
            found.append(_recommendation(report, chunks, section, label, key, text, start, end))
            seen.add(_norm(text))
    # An annex summary: count what it adds (numbered as the annex numbers them).
    for section in annex_sections:
        for number, start, end, text, key in _annex_items(report.text, section):
            if _norm(text) in seen or _near_duplicate(_norm(text), seen):
                continue
            seen.add(_norm(text))
            label = number or str(sum(1 for r in found if r.key == key) + 1)
            found.append(
                _recommendation(report, chunks, section, label, key, text, start, end, "annex")
            )
    return found


def extract_signposts(
    report: Report, chunks: Sequence[Chunk], recommendations: Sequence[Recommendation] = ()
) -> list[Signpost]:
    """The "Signpost – X" examples: name, what it shows, where it sits, links and contacts."""
    out: list[Signpost] = []
    spans: list[tuple[int, int, str, str]] = []  # start, end, name, section path
    for section in report.sections:
        if section.kind == "signpost":
            m = _SIGNPOST.match(report.text[section.start : section.end].split("\n", 1)[0])
            name = m.group(1) if m else section.heading
            parent = section.path.rsplit(" > ", 1)[0] if " > " in section.path else ""
            spans.append((section.start, section.end, name, parent))
    # A "Signpost – X" line the section finder did not take as a heading.
    for m in _SIGNPOST.finditer(report.text):
        if any(s <= m.start() < e for s, e, _, _ in spans):
            continue
        end = _paragraph_end(report.text, m.end())
        host = _section_at(report.sections, m.start())
        spans.append((m.start(), end, m.group(1), host.path if host else ""))
    spans.sort()
    for i, (start, end, name, parent) in enumerate(spans, 1):
        body_start = report.text.index("\n", start) if "\n" in report.text[start:end] else end
        body = report.text[body_start:end]
        links = _links(body)
        text = _clean(_strip_links(body))
        before = [
            r
            for r in recommendations
            if r.start < start and r.origin != "annex" and _same_top(r.section, parent)
        ]
        rec = before[-1] if before else None
        out.append(
            Signpost(
                id=f"{report.id[:12]}:sign:{i}",
                report_id=report.id,
                councils=report.councils,
                date=report.date,
                source=report.source,
                name=_clean(name),
                text=text,
                section=parent,
                recommendation_id=rec.id if rec else "",
                recommendation=rec.text if rec else "",
                links=links,
                page=report.page_at(start),
                start=start,
                end=end,
                chunk_id=chunk_at(chunks, start),
            )
        )
    return out


def extract_action_rows(report: Report, chunks: Sequence[Chunk]) -> list[ActionRow]:
    """The action-plan rows: recommendation, action, sponsor, lead, dates, status.

    A row whose action cell continues the row above (the table's merged cell, split over
    rows: the text above ends mid-sentence, or this one is empty) records that row's ref in
    `shared_with`.
    """
    out: list[ActionRow] = []
    head: ActionRow | None = None
    for row in report.rows:
        action = _clean(row.cell("action"))
        dates = find_dates(" ".join([row.cell("date"), row.cell("timescale"), action]))
        shared = ""
        if head is not None and out:
            previous = out[-1].action
            if not action or action[:1].islower() or (previous and not _finished(previous)):
                shared = head.ref
        item = ActionRow(
            id=f"{report.id[:12]}:action:{row.ref}",
            report_id=report.id,
            councils=report.councils,
            date=report.date,
            source=report.source,
            ref=row.ref,
            recommendation=_clean(row.cell("recommendation")),
            action=action,
            sponsor=_clean(row.cell("sponsor")),
            lead=_clean(row.cell("lead")),
            dates=dates,
            status=_clean(row.cell("status") or row.cell("progress") or row.cell("rag")),
            first_page=row.first_page,
            last_page=row.last_page,
            start=row.start,
            end=row.end,
            chunk_id=_row_chunk(chunks, row.start),
            shared_with=shared,
        )
        if not shared:
            head = item
        out.append(item)
    return out


def find_dates(text: str) -> tuple[str, ...]:
    """Dates and timescales in `text`: "by July 2024", "February to August 2024", "June 2024"."""
    found: list[str] = []
    for m in _DATES.finditer(text):
        phrase = re.sub(r"\s+", " ", m.group(0)).strip()
        if re.fullmatch(r"(?:in|during|from)\s+\d{4}", phrase, re.I):
            continue  # "in 2015": history, not a timescale
        if not any(phrase.lower() in f.lower() for f in found):
            found = [f for f in found if f.lower() not in phrase.lower()]
            found.append(phrase)
    return tuple(found)


def chunk_at(chunks: Sequence[Chunk], offset: int) -> str:
    """The id of the text passage containing `offset` (the nearest one when none does)."""
    text_chunks = [c for c in chunks if c.kind == "text"] or list(chunks)
    for c in text_chunks:
        if c.start <= offset < c.end:
            return c.id
    if not text_chunks:
        return ""
    return min(text_chunks, key=lambda c: min(abs(c.start - offset), abs(c.end - offset))).id


# --- recommendations ---


def _has_recommendation_sections(report: Report) -> bool:
    return any(s.kind in ("key recommendations", "recommendations") for s in report.sections)


def _in_annex(section: Section) -> bool:
    return section.kind == "annex" or section.path.lower().startswith(("annex", "appendix"))


def _list_items(text: str, section: Section) -> list[tuple[str, int, int, str]]:
    """(number, start, end, text) of each list item in a section, heading skipped."""
    body_start = (
        text.index("\n", section.start)
        if "\n" in text[section.start : section.end]
        else section.end
    )
    items = [(n, s, e, t) for n, s, e, t, _ in _items(text, body_start, section.end)]
    return items


def _annex_items(text: str, section: Section) -> list[tuple[str, int, int, str, bool]]:
    """Items of an annex summary; the sub-heading above each list says key or further."""
    return _items(text, section.start, section.end, key="key" in section.heading.lower())


def _items(
    text: str, start: int, end: int, key: bool = True
) -> list[tuple[str, int, int, str, bool]]:
    """List items in text[start:end]: bullets or "1." / "1)" items, one per line or paragraph.

    A paragraph between two items continues the first; after the last item it continues it
    only when that item is a lead line (no final stop). A "Further recommendations"
    sub-heading ends a list and says what the next one holds.
    """
    items: list[list] = []  # [number, start, end, text, key]
    paragraphs = _paragraphs(text, start, end)
    pending: list[tuple[int, int, str]] = []  # unlisted paragraphs since the last item
    numbered = False
    closed = False
    for p_start, p_end, para in paragraphs:
        lines = _lines(text, p_start, p_end)
        first = lines[0][2]
        if _SUBHEADING.match(first.strip()) and len(lines) == 1 and not _BULLETED.match(first):
            if items:
                closed = True
            key = first.strip().lower().startswith(("key", "summary"))
            pending = []
            continue
        if not (_BULLETED.match(first) or _NUMBERED.match(first)):
            pending.append((p_start, p_end, para))
            continue
        if items and pending and not closed:
            for _, p_e, p_text in pending:  # continuation paragraphs of the previous item
                items[-1][2] = p_e
                items[-1][3] += " " + p_text
        pending = []
        closed = False
        for l_start, l_end, line in lines:
            m = _ITEM.match(line)
            is_item = _BULLETED.match(line) or _NUMBERED.match(line)
            if not is_item and items:
                items[-1][2] = l_end
                items[-1][3] += " " + line.strip()
                continue
            number = m.group(1) or "" if m else ""
            numbered = numbered or bool(number)
            items.append([number, l_start, l_end, (m.group(2) if m else line).strip(), key])
    if items and pending and not closed:
        last = items[-1]
        lead = pending[0]
        if not _finished(last[3]) and not _SUBHEADING.match(lead[2]):
            last[2] = lead[1]
            last[3] += " " + lead[2]
    out: list[tuple[str, int, int, str, bool]] = []
    for number, s, e, item_text, is_key in items:
        for part in (
            _split_run_together(number, s, e, item_text, text)
            if numbered
            else [(number, s, e, item_text)]
        ):
            out.append((*part, is_key))
    return [(n, s, e, _clean(t), k) for n, s, e, t, k in out if _clean(t)]


def _split_run_together(
    number: str, start: int, end: int, item: str, text: str
) -> list[tuple[str, int, int, str]]:
    """ "...the sector 9. Review processes..." -> items 8 and 9 (numbered lists only)."""
    if not number.isdigit():
        return [(number, start, end, item)]
    parts = [(number, item)]
    while True:
        n, body = parts[-1]
        nxt = str(int(n) + 1)
        m = re.search(rf"(?<=[a-z0-9.,;)’'])\s+{nxt}\.\s+(?=[A-Z])", body)
        if not m:
            break
        parts[-1] = (n, body[: m.start()])
        parts.append((nxt, body[m.end() :]))
    if len(parts) == 1:
        return [(number, start, end, item)]
    out = []
    raw = text[start:end]
    cursor = start
    for n, body in parts:
        head = body.strip()[:20]
        at = raw.find(head, cursor - start)
        s = start + at if at >= 0 else cursor
        out.append((n, s, s + len(body.strip()), body))
        cursor = s + 1
    return out


def _recommendation(
    report: Report,
    chunks: Sequence[Chunk],
    section: Section,
    number: str,
    key: bool,
    text: str,
    start: int,
    end: int,
    origin: str = "report",
) -> Recommendation:
    """A recommendation stated in the report's text at start:end."""
    return _make_recommendation(
        report, number, key, text, section.path, report.page_at(start), start, end,
        chunk_at(chunks, start), origin,
    )  # fmt: skip


def _make_recommendation(
    report: Report,
    number: str,
    key: bool,
    text: str,
    section: str,
    page: int,
    start: int,
    end: int,
    chunk_id: str,
    origin: str,
) -> Recommendation:
    return Recommendation(
        id=f"{report.id[:12]}:rec:{'k' if key else 'f'}{number}",
        report_id=report.id,
        councils=report.councils,
        report_type=report.report_type,
        date=report.date,
        source=report.source,
        number=number,
        key=key,
        text=text,
        section=section,
        page=page,
        start=start,
        end=end,
        chunk_id=chunk_id,
        origin=origin,
    )


def _action_plan_recommendations(report: Report, chunks: Sequence[Chunk]) -> list[Recommendation]:
    """The LGA recommendations an action plan's rows answer, one per row."""
    out = []
    for row in report.rows:
        text = _clean(row.cell("recommendation"))
        if not text:
            continue
        section = _section_at(report.sections, row.start)
        out.append(
            _make_recommendation(
                report,
                row.ref,
                True,
                text,
                _action_plan_section(section),
                row.first_page,
                row.start,
                row.end,
                _row_chunk(chunks, row.start),
                "action plan",
            )  # fmt: skip
        )
    return out


def _action_plan_section(section: Section | None) -> str:
    if section is None or section.kind == "front matter":
        return "Action plan"
    return section.path


# --- text helpers ---


def _paragraphs(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    out = []
    for m in re.finditer(r"(?:[^\n]|\n(?!\s*\n))+", text[start:end]):
        s, e = start + m.start(), start + m.end()
        chunk = text[s:e]
        if chunk.strip():
            lead = len(chunk) - len(chunk.lstrip())
            trail = len(chunk) - len(chunk.rstrip())
            out.append((s + lead, e - trail, _clean(chunk)))
    return out


def _lines(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    out = []
    pos = start
    for line in text[start:end].split("\n"):
        if line.strip():
            out.append((pos, pos + len(line), line))
        pos += len(line) + 1
    return out


def _paragraph_end(text: str, offset: int) -> int:
    """End of the paragraph that follows the line ending at `offset`."""
    m = re.compile(r"\n\s*\n(?:[^\n]|\n(?!\s*\n))+").match(text, offset)
    return m.end() if m else offset


def _section_at(sections: Sequence[Section], offset: int) -> Section | None:
    for section in sections:
        if section.start <= offset < max(section.end, section.start + 1):
            return section
    return None


def _same_top(section_path: str, parent_path: str) -> bool:
    a = section_path.split(" > ")[0]
    b = parent_path.split(" > ")[0]
    return bool(a) and top_key(_fake_section(a)) == top_key(_fake_section(b))


def _fake_section(path: str) -> Section:
    return Section("", path, "", path, 0, 0, 1, 1)


def _row_chunk(chunks: Sequence[Chunk], start: int) -> str:
    for c in chunks:
        if c.kind == "table row" and c.start == start:
            return c.id
    return chunk_at(chunks, start)


def _links(text: str) -> tuple[str, ...]:
    found: list[str] = []
    for pattern in (_URL, _EMAIL):
        for m in pattern.finditer(text):
            if m.group(0) not in found and not any(m.group(0) in f for f in found):
                found.append(m.group(0))
    found += [f"contact {m.group(1)}" for m in _CONTACT.finditer(text)]
    return tuple(found)


def _strip_links(text: str) -> str:
    return re.sub(r"<\s*((?:https?://|www\.)[^>]*)>", "", text).strip()


def _finished(text: str) -> bool:
    return text.rstrip().endswith((".", "!", ")", "”", '"', "’"))


def _clean(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"\s+([,;.])", r"\1", text)


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _near_duplicate(key: str, seen: set[str]) -> bool:
    """The same recommendation worded again (an annex copy with a hyphen or typo moved)."""
    words = set(key.split())
    for other in seen:
        other_words = set(other.split())
        if words and len(words & other_words) / max(len(words), len(other_words)) >= 0.9:
            return True
    return False
