"""Sections: headings found among the cleaned blocks, each with its char and page span.

Numbered headings ("4.4 ...", "6. Understanding ..."), "Key recommendations", a
"Recommendations" subheading, "Annex I"/"Appendix A", "Signpost – X" and "Next steps".
Numbered list items are told from headings by length, a final stop, a colon and the
numbering sequence, and in PDFs by type size or weight when known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from peerchat.core.records import Section
from peerchat.ingest.clean import Block

_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(\S.*)$")
_ANNEX = re.compile(r"^(annex|appendix)\s+([A-Z0-9]{1,4}|[IVX]{1,5})\b[\s:.–-]*(.*)$", re.I)
_SIGNPOST = re.compile(r"^signpost\s*[–—:-]\s*(.+)$", re.I)
_MAX_HEADING = 110


@dataclass(frozen=True)
class _Heading:
    block: Block
    number: str
    heading: str
    kind: str
    top: str  # the top-level section it belongs to (chunks never cross these)
    parent_path: str  # "" for a top-level or numbered heading


def _styled(block: Block, body_size: float) -> bool | None:
    """True/False when type size or weight says heading or not; None when unknown."""
    if block.md_level:
        return True
    if not block.size or not body_size:
        return None
    return block.size > body_size + 0.6 or block.bold


def _heading_like(block: Block, body_size: float) -> bool:
    text = block.text
    if block.kind not in ("line", "paragraph") or len(text) > _MAX_HEADING or "\n" in text:
        return False
    styled = _styled(block, body_size)
    if styled is False:
        return False
    if styled is None and block.kind != "line":
        return False
    return not text.endswith((".", ";", ",")) or styled is True and len(text) < 60


def find_headings(blocks: tuple[Block, ...], body_size: float) -> list[_Heading]:
    """The heading blocks, in order, with their kind and place in the hierarchy."""
    found: list[_Heading] = []
    last_number: tuple[int, ...] = ()
    top = "front"
    top_path = ""
    current_path = ""
    for block in blocks:
        if not _heading_like(block, body_size):
            continue
        text = re.sub(r"\s+", " ", block.text).strip()
        m = _NUMBERED.match(text)
        if m and ":" not in m.group(2)[:-1] and not m.group(2)[0].islower():
            number = tuple(int(p) for p in m.group(1).split("."))
            if top.startswith("annex") or not _follows(last_number, number):
                continue
            last_number = number
            label = m.group(1)
            heading = m.group(2).strip()
            kind = "key recommendations" if _is_key_recs(heading) else "numbered"
            top = f"n{number[0]}"
            top_path = current_path = f"{label} {heading}"
            found.append(_Heading(block, label, heading, kind, top, ""))
            continue
        if m:
            continue
        a = _ANNEX.match(text)
        if a:
            label = f"{a.group(1).title()} {a.group(2)}"
            top = f"annex {a.group(2)}"
            top_path = current_path = text
            found.append(_Heading(block, label, a.group(3).strip() or label, "annex", top, ""))
            continue
        s = _SIGNPOST.match(text)
        if s:
            found.append(_Heading(block, "", text, "signpost", top, current_path))
            continue
        low = text.lower().rstrip(":")
        if _is_key_recs(low) and len(low) < 40:
            if top.startswith("annex"):  # the recommendations listed again in an annex
                found.append(_Heading(block, "", text, "key recommendations", top, current_path))
                continue
            top = "key recommendations"
            top_path = current_path = text
            found.append(_Heading(block, "", text, "key recommendations", top, ""))
        elif re.match(r"recommendations?(?:\s*[–—:-]\s*[\w ,&/]{1,40})?$", low) and top_path:
            found.append(_Heading(block, "", text, "recommendations", top, current_path))
        elif low in ("next steps", "conclusion and next steps", "conclusions and next steps"):
            top = "next steps"
            top_path = current_path = text
            found.append(_Heading(block, "", text, "next steps", top, ""))
    return found


def _is_key_recs(text: str) -> bool:
    return text.lower().startswith(("key recommendations", "summary of recommendations"))


def _follows(last: tuple[int, ...], number: tuple[int, ...]) -> bool:
    """Whether `number` can be the next heading number after `last` (1 < 2 < 2.1 < 2.2 < 3)."""
    if not last:
        return number[0] <= 3 and all(n <= 3 for n in number[1:])
    if number <= last:
        return False
    # Next at some level: same prefix, one more at that level, and children start at 1.
    for depth in range(len(number)):
        prefix = number[:depth]
        if tuple(last[:depth]) != prefix:
            return False
        here = last[depth] if depth < len(last) else 0
        if number[depth] != here:
            return number[depth] <= here + 2 and all(n == 1 for n in number[depth + 1 :])
    return False


def find_sections(
    blocks: tuple[Block, ...], body_size: float, text: str, page_at
) -> tuple[Section, ...]:
    """The sections in reading order, flat and contiguous; text before the first heading is
    "front matter". `page_at(offset)` maps an offset to its page."""
    headings = find_headings(blocks, body_size)
    sections: list[Section] = []
    text_end = len(text)
    first_start = headings[0].block.start if headings else text_end
    if first_start > 0 and text[:first_start].strip():
        end = _trim_end(text, first_start)
        sections.append(
            Section("", "Front matter", "front matter", "Front matter", 0, end, 1, page_at(end - 1))
        )
    for i, h in enumerate(headings):
        start = h.block.start
        end = headings[i + 1].block.start if i + 1 < len(headings) else text_end
        end = _trim_end(text, end)
        label = f"{h.number} {h.heading}" if h.kind == "numbered" and h.number else h.block.text
        if h.kind == "numbered" or (h.kind == "key recommendations" and h.number):
            label = f"{h.number} {h.heading}"
        label = re.sub(r"\s+", " ", label).strip()
        path = f"{h.parent_path} > {label}" if h.parent_path else label
        sections.append(
            Section(
                h.number,
                h.heading if h.number else label,
                h.kind,
                path,
                start,
                end,
                page_at(start),
                page_at(max(start, end - 1)),
            )
        )
    return tuple(sections)


def top_key(section: Section) -> str:
    """The top-level section of a section: "4" for 4.2 and for "4.2 ... > Recommendations"."""
    first = section.path.split(" > ")[0]
    m = re.match(r"(\d+)[.\s]", first + " ")
    return m.group(1) if m else first.lower()


def _trim_end(text: str, end: int) -> int:
    while end > 0 and text[end - 1].isspace():
        end -= 1
    return end
