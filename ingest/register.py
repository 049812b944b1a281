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
from dataclasses import replace

from peerchat.core.records import ActionRow, Chunk, Recommendation, Report, Section, Signpost
from peerchat.core.text import content_words
from peerchat.ingest.words import Vocabulary, mend_words

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


def extract_recommendations(
    report: Report, chunks: Sequence[Chunk], vocabulary: Vocabulary | None = None
) -> list[Recommendation]:
    """The report's key and further recommendations, in reading order, each once.

    A recommendation the report repeats (a key one again in a section's list, or in an
    annex summary: the same text, or near it) stays one Recommendation at its first place,
    and records where else it appears (`also_sections`, `also_pages`). For an action plan,
    its LGA recommendation column (one per row, numbered by the row's ref; not key: a plan
    marks none as key). Words the PDF broke are mended against `vocabulary` (the report's
    own words when None).
    """
    vocabulary = vocabulary or Vocabulary.of([report.text])
    if report.report_type == "action plan" or (
        report.rows and not _has_recommendation_sections(report)
    ):
        return _action_plan_recommendations(report, chunks, vocabulary)
    found: list[Recommendation] = []
    annex_sections: list[Section] = []
    for section in report.sections:
        if _in_annex(section):
            annex_sections.append(section)
            continue
        if section.kind not in ("key recommendations", "recommendations"):
            continue
        key = section.kind == "key recommendations"
        for n, (number, start, end, text) in enumerate(_list_items(report.text, section), 1):
            text = mend_words(text, vocabulary)
            if _note_repeat(found, text, section.path, report.page_at(start)):
                continue
            further = sum(1 for r in found if not r.key) + 1
            label = (number or str(n)) if key else str(further)
            found.append(_recommendation(report, chunks, section, label, key, text, start, end))
    # An annex summary: count what it adds (numbered as the annex numbers them).
    for section in annex_sections:
        for number, start, end, text, key in _annex_items(report.text, section):
            text = mend_words(text, vocabulary)
            annex = section.path.split(" > ")[0]  # its sub-lists are not all what they say
            if _note_repeat(found, text, annex, report.page_at(start)):
                continue
            label = number or str(sum(1 for r in found if r.key == key) + 1)
            found.append(
                _recommendation(report, chunks, section, label, key, text, start, end, "annex")
            )
    return found


def _note_repeat(found: list[Recommendation], text: str, section: str, page: int) -> bool:
    """When `text` repeats one of `found`, note where it appears again on that one (in
    place) and say so."""
    for i, rec in enumerate(found):
        if repeats(rec.text, text):
            if (section, page) != (rec.section, rec.page):
                found[i] = replace(
                    rec,
                    also_sections=(*rec.also_sections, section),
                    also_pages=(*rec.also_pages, page),
                )
            return True
    return False


def repeats(a: str, b: str) -> bool:
    """Whether two recommendation texts are the same recommendation: the shorter's words
    (three letters or more) are nearly all in the longer (90%), which has few others (at
    least 60% shared): "Be seen to speak up for the borough..." and "Speak up for the
    borough...", or an annex copy with a hyphen moved; not two recommendations on one
    subject."""
    wa, wb = content_words(a), content_words(b)
    if not wa or not wb:
        return False
    shared = len(wa & wb)
    return shared / min(len(wa), len(wb)) >= 0.9 and shared / max(len(wa), len(wb)) >= 0.6


def extract_signposts(report: Report, chunks: Sequence[Chunk]) -> list[Signpost]:
    """The "Signpost – X" examples: name, what it shows, where it sits, links and contacts.

    Not linked to any recommendation here: index/register/extract.py links one when their
    content matches (never by position alone).
    """
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
        out.append(
            Signpost(
                id=f"{report.id[:12]}:sign:{i}",
                report_id=report.id,
                councils=report.councils,
                date=report.date,
                source=report.source,
                name=_clean(name),
                text=_clean(_strip_links(body)),
                section=parent,
                recommendation_id="",
                recommendation="",
                links=_links(body),
                page=report.page_at(start),
                start=start,
                end=end,
                chunk_id=chunk_at(chunks, start),
            )
        )
    return out


def extract_action_rows(
    report: Report, chunks: Sequence[Chunk], vocabulary: Vocabulary | None = None
) -> list[ActionRow]:
    """The action-plan rows, each complete: recommendation, whole action, sponsor, lead,
    dates (its own and those it refers to), status.

    A merged action cell split over rows is found two ways: the action says whom it answers
    ("To support Recommendations 5, 6 and 7", "For these four recommendations"), or the
    next row's cell continues it (starts in lower case, or the text above ends
    mid-sentence, or is blank below a cell that did). Words the PDF broke are mended
    against `vocabulary` (the report's own words when None).
    """
    vocabulary = vocabulary or Vocabulary.of([report.text])

    def cell(row, *words: str) -> str:
        return _clean(mend_words(" ".join(row.cell(w) for w in words), vocabulary))

    rows = list(report.rows)
    actions = [cell(row, "action") for row in rows]
    groups = _action_groups([row.ref for row in rows], actions)
    out: list[ActionRow] = []
    for group in groups:
        whole = _join_fragments([actions[i] for i in group])
        head = rows[group[0]]
        shared = tuple(rows[i].ref for i in group) if len(group) > 1 else ()
        for i in group:
            row = rows[i]
            sponsor, lead = cell(row, "sponsor"), cell(row, "lead")
            owners_from = ""
            if shared and i != group[0] and not (sponsor and lead):
                sponsor = sponsor or cell(head, "sponsor")
                lead = lead or cell(head, "lead")
                owners_from = head.ref
            timing = " ".join(cell(rows[k], "date", "timescale") for k in group)
            out.append(
                ActionRow(
                    id=f"{report.id[:12]}:action:{row.ref}",
                    report_id=report.id,
                    councils=report.councils,
                    date=report.date,
                    source=report.source,
                    ref=row.ref,
                    recommendation=cell(row, "recommendation"),
                    action=whole,
                    sponsor=sponsor,
                    lead=lead,
                    dates=find_dates(f"{timing} {whole}"),
                    status=cell(row, "status") or cell(row, "progress") or cell(row, "rag"),
                    first_page=row.first_page,
                    last_page=row.last_page,
                    start=row.start,
                    end=row.end,
                    chunk_id=_row_chunk(chunks, row.start),
                    shared_refs=shared,
                    owners_from=owners_from,
                )
            )
    return _borrow_dates(out)


_COUNTS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
_REF_NUMBER = re.compile(r"\d{1,3}")
# "To support Recommendations 5, 6 and 7", "covers recommendations 13 to 16"
_NAMED_GROUP = re.compile(
    r"\b(?:to support|supports?|for|covers?|covering|answers?|address(?:es)?)\s+"
    r"recommendations\s+(\d{1,3}(?:\s*(?:,|and|&|to|-|–)\s*\d{1,3})+)",
    re.I,
)
# "For these four recommendations", "these 3 recommendations"
_COUNTED_GROUP = re.compile(
    rf"\b(?:these|the|all)\s+({'|'.join(_COUNTS)}|\d)\s+recommendations\b", re.I
)
# "the same timeframe as Recommendation 1", "... in relation to Recommendations 1, 2,4 and
# 19, in the same timeframe"
_SAME_TIME = re.compile(r"\bsame\s+(?:timeframe|timescales?|timetable|timing)\b", re.I)
_NAMED_REFS = re.compile(r"\brecommendations?\s+(\d{1,3}(?:\s*(?:,|and|&)\s*\d{1,3})*)", re.I)


def _action_groups(refs: list[str], actions: list[str]) -> list[list[int]]:
    """Row indexes grouped by the action cell they share, in table order."""
    groups: list[list[int]] = []
    declared = 0  # rows still to come in a group the action named or counted
    for i, action in enumerate(actions):
        if groups and declared > 0:
            groups[-1].append(i)
            declared -= 1
            continue
        if groups and i > 0 and _continues(actions[groups[-1][-1]], action, len(groups[-1])):
            groups[-1].append(i)
            continue
        groups.append([i])
        declared = _declared_size(refs, i, action) - 1
    return groups


def _declared_size(refs: list[str], i: int, action: str) -> int:
    """How many rows from row i on the action says it answers (1 when it says nothing)."""
    m = _NAMED_GROUP.search(action)
    if m:
        named = _expand_refs(m.group(1))
        following = refs[i : i + len(named)]
        if named and named[0] == refs[i] and following == named:
            return len(named)
    m = _COUNTED_GROUP.search(action)
    if m:
        word = m.group(1).lower()
        count = _COUNTS.get(word) or int(word)
        if 1 < count <= len(refs) - i:
            return count
    return 1


def _expand_refs(text: str) -> list[str]:
    """ "5, 6 and 7" -> 5, 6, 7; "13 to 16" -> 13, 14, 15, 16."""
    m = re.fullmatch(r"\s*(\d{1,3})\s*(?:to|-|–)\s*(\d{1,3})\s*", text)
    if m and int(m.group(1)) < int(m.group(2)) <= int(m.group(1)) + 20:
        return [str(n) for n in range(int(m.group(1)), int(m.group(2)) + 1)]
    return _REF_NUMBER.findall(text)


def _continues(above: str, cell: str, group_size: int) -> bool:
    """Whether `cell` carries on the merged action cell whose last piece is `above`."""
    if cell and cell[:1].islower():
        return True
    if above and not _finished(above):
        return True
    return not cell and group_size > 1  # blank below a cell that ran over rows


def _join_fragments(parts: list[str]) -> str:
    """A merged cell's pieces as one text (a word hyphenated over the break is joined)."""
    text = ""
    for part in (p for p in parts if p):
        if re.search(r"[A-Za-z]-$", text) and part[:1].islower():
            text = text[:-1] + part
        else:
            text = f"{text} {part}".strip()
    return text


def _borrow_dates(rows: list[ActionRow]) -> list[ActionRow]:
    """Rows whose action has "the same timeframe" as others take those rows' dates (after
    their own), following chains (20 refers to 2, which refers to 1)."""
    by_ref = {r.ref: r for r in rows}
    wanted: dict[str, list[str]] = {}
    for row in rows:
        for sentence in re.split(r"(?<=[.;])\s+", row.action):
            if _SAME_TIME.search(sentence):
                refs = [
                    ref
                    for m in _NAMED_REFS.finditer(sentence)
                    for ref in _expand_refs(m.group(1))
                    if ref in by_ref and ref != row.ref
                ]
                wanted.setdefault(row.ref, []).extend(refs)
    if not wanted:
        return rows
    dates = {r.ref: list(r.dates) for r in rows}
    for _ in range(len(rows)):  # a chain is at most as long as the table
        changed = False
        for ref, sources in wanted.items():
            for source in sources:
                for d in dates[source]:
                    if d not in dates[ref]:
                        dates[ref].append(d)
                        changed = True
        if not changed:
            break
    return [
        replace(r, dates=tuple(dates[r.ref]), dates_from=tuple(dict.fromkeys(wanted[r.ref])))
        if r.ref in wanted
        else r
        for r in rows
    ]


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
        id=f"{report.id[:12]}:rec:{'a' if origin == 'action plan' else 'k' if key else 'f'}{number}",
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


def _action_plan_recommendations(
    report: Report, chunks: Sequence[Chunk], vocabulary: Vocabulary
) -> list[Recommendation]:
    """The LGA recommendations an action plan's rows answer, one per row ("Recommendation
    8"), not key."""
    out = []
    for row in report.rows:
        text = _clean(mend_words(row.cell("recommendation"), vocabulary))
        if not text:
            continue
        section = _section_at(report.sections, row.start)
        out.append(
            _make_recommendation(
                report,
                row.ref,
                False,
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
