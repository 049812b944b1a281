"""Clean page text into one readable string: furniture out, lines joined into paragraphs.

Generic rules only, no house style: running headers and footers are lines that repeat at
the top or bottom of many pages (digits and whitespace normalised); page numbers are lone
numbers or "Page N of M" at a page's edge; markdown and HTML marks are dropped, bullets
normalised to "• ", wrapped lines and words hyphenated at a line end joined back.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

BULLET = "• "
_EDGE = 4  # lines at the top and at the bottom of a page where furniture is looked for
_BULLET_CHARS = "\u2022\u25aa\u25cf\u25e6\u2023\u2043\u25a0\u25a1\u2219\u00b7\u27a2\u2713\u2714\x7f"
_GLYPH_ONLY = re.compile(rf"^[{_BULLET_CHARS}\ue000-\uf8ff]$")
_BULLET_START = re.compile(rf"^(?:[{_BULLET_CHARS}\ue000-\uf8ff]|[-*+](?=\s))\s*")
_INLINE_GLYPH = re.compile(r"\s*[\x7f\ue000-\uf8ff]\s*")
_ARTEFACT = re.compile(r"^\s*(?:[+=_~*#-]\s*){2,}$")
_PAGE_NUMBER = re.compile(
    r"^(?:page\s*)?(\d{1,4})(?:\s*(?:of|/)\s*\d{1,4})?$|^[-–—]\s*(\d{1,4})\s*[-–—]$", re.I
)
_PAGE_OF = re.compile(r"^page\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?$", re.I)
_MD_HEADING = re.compile(r"^(#{1,6})\s+")
_TAG = re.compile(r"</?(?:sup|sub|b|i|u|em|strong|span|br|small)\b[^>]*>", re.I)
_EMPHASIS = re.compile(r"\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])")
_TERMINAL = re.compile(r"[.!?:;][\"'’”)\]]*$")
_WORD = re.compile(r"[A-Za-z]+")
_NUMBERED_ITEM = re.compile(r"^\(?\d{1,2}[.)]\s+[A-Z]")


@dataclass(frozen=True)
class Line:
    """One line of page text with what is known of its typography (0 / False when unknown)."""

    text: str
    page: int
    size: float = 0.0
    bold: bool = False
    md_level: int = 0  # markdown heading level, 0 for none
    blank_before: bool = False


@dataclass(frozen=True)
class Block:
    """A paragraph, list item, heading line or table row in the cleaned text."""

    kind: str  # "paragraph" | "item" | "line" (a one-line block: heading candidate) | "table row"
    text: str
    start: int
    end: int
    first_page: int
    last_page: int
    size: float = 0.0
    bold: bool = False
    md_level: int = 0
    ref: object = None  # the TableRow-in-making for "table row" blocks


@dataclass(frozen=True)
class CleanText:
    """The cleaned text of a report, where each page starts in it, and its blocks."""

    text: str
    page_starts: tuple[int, ...]
    blocks: tuple[Block, ...] = field(default=())
    body_size: float = 0.0


def normalise_key(line: str) -> str:
    """A line as compared for repetition: lowercased, digits as '#', whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"\d+", "#", line.lower())).strip()


def furniture_keys(
    pages: list[list[str]], heights: list[dict[str, float]] | None = None
) -> set[str]:
    """Keys (see normalise_key) of lines repeating at the edges of a good share of pages.

    A repeat counts only at the same place: the same height on the page when `heights`
    (line text -> y, per page) is known, else the same line position from the top or bottom.
    """
    n = len(pages)
    if n < 2:
        return set()
    seen: Counter[tuple[str, object]] = Counter()
    for p, lines in enumerate(pages):
        body = [ln for ln in lines if ln.strip()]
        k = min(_EDGE, len(body))
        edge = [(ln, i) for i, ln in enumerate(body[:k])]
        edge += [(ln, i - len(body)) for i, ln in enumerate(body) if i >= len(body) - k]
        places = set()
        for line, index in edge:
            y = heights[p].get(line.strip()) if heights else None
            slot = ("y", round(y / 4)) if y is not None else ("i", index)
            places.add((normalise_key(line), slot))
        seen.update(places)
    need = n if n == 2 else max(2, math.ceil(0.5 * n))
    counts: Counter[str] = Counter()
    for (key, _), count in seen.items():
        counts[key] = max(counts[key], count)
    return {key for key, count in counts.items() if count >= need and _WORD.search(key)}


def page_number_lines(pages: list[list[str]]) -> set[tuple[int, int]]:
    """(page index, line index) of page-number lines: "Page N (of M)" or a lone number at a
    page's edge whose value keeps a steady offset from the page's position."""
    found: set[tuple[int, int]] = set()
    lone: list[tuple[int, int, int]] = []
    for p, lines in enumerate(pages):
        idx = [i for i, ln in enumerate(lines) if ln.strip()]
        for i in idx[:_EDGE] + idx[-_EDGE:]:
            text = lines[i].strip()
            if _PAGE_OF.match(text):
                found.add((p, i))
                continue
            m = _PAGE_NUMBER.match(text)
            if m:
                lone.append((p, i, int(m.group(1) or m.group(2)) - (p + 1)))
    if lone:
        offsets = Counter(off for _, _, off in lone)
        best, count = offsets.most_common(1)[0]
        if count >= 2 or len(pages) == 1:
            found.update((p, i) for p, i, off in lone if off == best)
    return found


def strip_markup(line: str) -> tuple[str, int]:
    """A line without markdown emphasis, heading marks and inline tags; and its heading level."""
    level = 0
    m = _MD_HEADING.match(line)
    if m:
        level = len(m.group(1))
        line = line[m.end() :]
    line = _TAG.sub("", line)
    line = _EMPHASIS.sub("", line)
    return line, level


def is_artefact(line: str) -> bool:
    """True for lines of `++`, `==`, `--` and the like."""
    return bool(_ARTEFACT.match(line))


def clean_lines(lines: list, n_pages: int, body_size: float = 0.0) -> CleanText:
    """Join lines (already free of furniture) into paragraphs, items and heading lines.

    Items of the list may also be Blocks of kind "table row" (text already formatted), which
    are placed as they are. Returns the text with page starts and the blocks.
    """
    prepared = _prepare(lines)
    vocabulary = _vocabulary(prepared)
    width = _typical_width(prepared)
    groups: list[list] = []
    prev = None
    for item in prepared:
        starts_block = prev is None or isinstance(item, Block) or isinstance(prev, Block)
        if starts_block or _breaks(prev, item, width, body_size):
            groups.append([item])
        else:
            groups[-1].append(item)
        prev = item
    return _assemble(groups, vocabulary, body_size, pages=max(n_pages, _page_count(lines)))


@dataclass(frozen=True)
class _Prepared:
    text: str
    page: int
    size: float
    bold: bool
    md_level: int
    bullet: bool
    blank_before: bool


def _prepare(lines: list) -> list:
    out: list = []
    pending_bullet = False
    blank = False
    for line in lines:
        if isinstance(line, Block):
            out.append(line)
            pending_bullet = blank = False
            continue
        text, level = strip_markup(line.text)
        text = text.strip()
        if not text or is_artefact(text):
            blank = blank or not text or is_artefact(text)
            continue
        if _GLYPH_ONLY.match(text):
            pending_bullet = True
            continue
        bullet = pending_bullet
        m = _BULLET_START.match(text)
        if m and not _PAGE_NUMBER.match(text):
            bullet = True
            text = text[m.end() :]
        text = _INLINE_GLYPH.sub(" " + BULLET, text).strip()
        text = re.sub(r"[ \t\u00a0]+", " ", text)
        if not text:
            pending_bullet = True
            continue
        out.append(
            _Prepared(
                text, line.page, line.size, line.bold, level, bullet, blank or line.blank_before
            )
        )
        pending_bullet = blank = False
    return out


def _vocabulary(prepared: list) -> set[str]:
    """The document's words, leaving out the pieces of words hyphenated at a line end."""
    words: set[str] = set()
    cut = False
    for item in prepared:
        if not isinstance(item, _Prepared):
            cut = False
            continue
        text = item.text
        if cut:
            text = re.sub(r"^[a-z]+", "", text)
        cut = bool(re.search(r"[A-Za-z]-$", text))
        if cut:
            text = re.sub(r"[A-Za-z]+-$", "", text)
        words.update(w.lower() for w in re.findall(r"[A-Za-z]+(?:-[A-Za-z]+)*", text))
    return words


def _typical_width(prepared: list) -> int:
    lengths = sorted(len(p.text) for p in prepared if isinstance(p, _Prepared))
    if not lengths:
        return 80
    return max(20, lengths[int(0.9 * (len(lengths) - 1))])


def _is_heading_style(line: _Prepared, body_size: float) -> bool:
    if line.md_level:
        return True
    return bool(body_size and line.size and (line.size > body_size + 0.6))


def _breaks(prev: _Prepared, line: _Prepared, width: int, body_size: float) -> bool:
    """Whether `line` starts a new block rather than continuing `prev`."""
    if line.bullet or line.md_level or prev.md_level:
        return True
    if _is_heading_style(prev, body_size) != _is_heading_style(line, body_size):
        return True
    if body_size and prev.size and line.size and abs(prev.size - line.size) > 0.6:
        return True
    if body_size and prev.bold != line.bold and prev.size and line.size:
        return True
    first = line.text[0]
    if line.blank_before:
        # A blank line is a paragraph break unless a sentence was visibly cut by it.
        return not (first.islower() and not _TERMINAL.search(prev.text))
    if first.islower():
        return False
    if _NUMBERED_ITEM.match(line.text) and (
        _TERMINAL.search(prev.text) or len(prev.text) < 0.85 * width
    ):
        return True
    if _TERMINAL.search(prev.text) and len(prev.text) < 0.85 * width:
        return True
    if not _TERMINAL.search(prev.text) and len(prev.text) < 0.6 * width:
        # A short line without a final stop before a capital: a heading or a label.
        return not prev.text.endswith((",", "-", "–", "&", "and", "of", "the", "to"))
    return False


def _join(left: str, right: str, vocabulary: set[str]) -> str:
    m = re.search(r"([A-Za-z]+)-$", left)
    r = re.match(r"([a-z]+)", right)
    if m and r and not left.endswith(" -"):
        head, tail = m.group(1), r.group(1)
        hyphenated = f"{head}-{tail}".lower()
        joined = (head + tail).lower()
        if hyphenated in vocabulary:
            return left + right
        if joined in vocabulary or not (head.lower() in vocabulary and tail in vocabulary):
            return left[:-1] + right
        return left + right
    return left + " " + right


def _assemble(groups: list[list], vocabulary: set[str], body_size: float, pages: int) -> CleanText:
    parts: list[str] = []
    blocks: list[Block] = []
    page_starts: dict[int, int] = {}
    offset = 0
    prev_kind = ""
    for group in groups:
        first = group[0]
        if isinstance(first, Block):
            kind = first.kind
        elif first.bullet:
            kind = "item"
        elif len(group) == 1:
            kind = "line"
        else:
            kind = "paragraph"
        sep = "" if not parts else ("\n" if kind == prev_kind == "item" else "\n\n")
        offset += len(sep)
        parts.append(sep)
        start = offset
        if isinstance(first, Block):
            text = first.text
            page_starts.setdefault(first.first_page, start)
            for p in range(first.first_page + 1, first.last_page + 1):
                page_starts.setdefault(p, start)
            block = Block(
                kind,
                text,
                start,
                start + len(text),
                first.first_page,
                first.last_page,
                ref=first.ref,
            )
        else:
            text = ""
            for line in group:
                if text:
                    joined = _join(text, line.text, vocabulary)
                    page_starts.setdefault(line.page, start + len(joined) - len(line.text))
                    text = joined
                else:
                    page_starts.setdefault(line.page, start)
                    text = line.text
            if kind == "item":
                text = BULLET + text
            block = Block(
                kind,
                text,
                start,
                start + len(text),
                group[0].page,
                group[-1].page,
                size=group[0].size,
                bold=group[0].bold,
                md_level=group[0].md_level,
            )
        parts.append(text)
        offset += len(text)
        blocks.append(block)
        prev_kind = kind
    full = "".join(parts)
    starts = [0] * pages
    following = len(full)
    for p in range(pages, 0, -1):
        # A page with no text of its own starts where the next page's text does.
        following = page_starts.get(p, following)
        starts[p - 1] = following
    if starts:
        starts[0] = 0
    for i in range(1, len(starts)):
        starts[i] = max(starts[i], starts[i - 1])
    return CleanText(full, tuple(starts), tuple(blocks), body_size)


def _page_count(lines: list) -> int:
    pages = [(item.last_page if isinstance(item, Block) else item.page) for item in lines if item]
    return max(pages, default=1)
