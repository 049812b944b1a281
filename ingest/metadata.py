"""Report metadata read from the content: title, councils, report type, date."""

from __future__ import annotations

import re
from datetime import date as Date

from peerchat.ingest.clean import Block

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_ORD = r"(?:st|nd|rd|th)?"
_DATE_PATTERNS = (
    # 4-7 October 2016, 12th – 15th March 2018, 22-24th January and 23rd February 2018
    re.compile(
        rf"\b(?P<day>\d{{1,2}}){_ORD}(?:\s*(?:[-–—]|to)\s*\d{{1,2}}{_ORD})?\s+(?:of\s+)?{_MONTH}"
        rf"(?:,?\s+|[^\n.]{{0,40}}?\s)(?P<year>(?:19|20)\d\d)\b",
        re.I,
    ),
    # October 2016 (also the start of "October 2016 – February 2017")
    re.compile(rf"\b{_MONTH}\s*,?\s+(?P<year>(?:19|20)\d\d)\b", re.I),
    # 14/03/2018 (day first, as in the UK)
    re.compile(r"\b(?P<day>\d{1,2})[/.](?P<mnum>\d{1,2})[/.](?P<year>(?:19|20)\d\d)\b"),
    # 2018-03-14
    re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<mnum>\d{2})-(?P<day>\d{2})\b"),
)
_COVER_BLOCKS = 12


def find_date(text: str) -> str:
    """The first date in `text` as ISO at the precision printed: "YYYY-MM-DD", or "YYYY-MM"
    when only month and year are given ("January 2024"); "" when none."""
    best: tuple[int, int, str] | None = None
    for pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            iso = _iso(m)
            if iso:
                key = (m.start(), -(m.end() - m.start()), iso)
                if best is None or key < best:
                    best = key
                break
    return best[2] if best else ""


def _iso(m: re.Match) -> str:
    groups = m.groupdict()
    year = int(groups["year"])
    month = _MONTHS[groups["month"][:3].lower()] if groups.get("month") else int(groups["mnum"])
    if not groups.get("day"):
        return f"{year:04d}-{month:02d}" if 1 <= month <= 12 else ""
    try:
        return Date(year, month, int(groups["day"])).isoformat()
    except ValueError:
        return ""


def cover_blocks(blocks: tuple[Block, ...]) -> list[Block]:
    """The blocks of the cover/title area: first page, before the first long paragraph."""
    cover = []
    for block in blocks[:_COVER_BLOCKS]:
        if block.first_page != blocks[0].first_page or block.kind == "table row":
            break
        if len(block.text) > 200 or (cover and re.match(r"\d+\.?\s", block.text)):
            break
        cover.append(block)
    return cover or list(blocks[:1])


def find_title(blocks: tuple[Block, ...]) -> str:
    """The cover heading: the largest type on the cover, or the first markdown heading, or
    the first line, as one line."""
    cover = cover_blocks(blocks)
    if not cover:
        return ""
    sized = [b for b in cover if b.size]
    if sized:
        top = max(b.size for b in sized)
        lines: list[str] = []
        for block in cover:
            if block.size == top:
                lines.append(block.text)
            elif lines:
                break
        title = " ".join(lines)
    else:
        headings = [b for b in cover if b.md_level]
        best = min(headings, key=lambda b: b.md_level) if headings else cover[0]
        title = best.text
    return re.sub(r"\s+", " ", title).strip(" •")[:200]


def find_report_type(title: str, cover: str, text: str, has_action_table: bool) -> str:
    """One of "feedback report", "action plan", "progress review", "other"."""
    for where in (title, cover):
        low = where.lower()
        if "action plan" in low:
            return "action plan"
        if re.search(r"progress (?:review|letter|report)|follow[- ]?up|progress check", low):
            return "progress review"
        if "feedback report" in low or "feedback letter" in low:
            return "feedback report"
    if has_action_table:
        return "action plan"
    low = text.lower()
    if "key recommendations" in low or "feedback report" in low[:5000]:
        return "feedback report"
    if re.search(r"progress review|follow[- ]?up visit", low[:5000]):
        return "progress review"
    return "other"


def find_councils(cover: str, title: str, text: str, directory) -> tuple[str, ...]:
    """Canonical names of the councils the report is about, from the cover area first."""
    if directory is None:
        return ()
    for where, fuzzy in ((cover, False), (title, True), (cover, True)):
        if where.strip():
            found = directory.find(where, fuzzy=fuzzy)
            if found:
                return _names(found)
    found = directory.find(text[:3000])
    return _names(found[:1])


def _names(councils) -> tuple[str, ...]:
    names: list[str] = []
    for council in councils:
        if council.name not in names:
            names.append(council.name)
    return tuple(names)
