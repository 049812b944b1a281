"""Read a .txt or .md export of a report: one page, or one per form feed (or per "Page N of
M" footer), within the read limits."""

from __future__ import annotations

import re
from pathlib import Path

from peerchat.core.errors import UnreadableReport
from peerchat.core.limits import ReadLimits
from peerchat.ingest.pdf import RawPage

_PAGE_OF = re.compile(r"^\s*page\s*\d{1,4}\s*(?:of|/)\s*\d{1,4}\s*$", re.I)


def read_text_pages(path: Path, limits: ReadLimits) -> list[RawPage]:
    """The pages of a text export within `limits`: split at form feeds or, in a one-page
    export, after each "Page N of M" line. Raises UnreadableReport if unusable."""
    pages = _split_at_page_footers(read_text_export(path))
    _check_text_limits(path, pages, limits)
    return pages


def read_text_export(path: Path) -> list[RawPage]:
    """The pages of a text export (split at form feeds). Raises UnreadableReport if unusable."""
    path = Path(path)
    data = path.read_bytes()
    if not data.strip():
        raise UnreadableReport(path, "empty file")
    if data.startswith(b"%PDF-"):
        raise UnreadableReport(path, "a PDF saved with a text file's name")
    if b"\x00" in data[:4096]:
        raise UnreadableReport(path, "not a text file (binary data)")
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    controls = sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > 0.05 * min(len(text), 4096):
        raise UnreadableReport(path, "not a text file (binary data)")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    parts = text.split("\f")
    return [RawPage(i, part) for i, part in enumerate(parts, start=1)]


def _check_text_limits(path: Path, pages: list[RawPage], limits: ReadLimits) -> None:
    """A text export over the page or text limit is refused (a PDF is checked as it is read)."""
    if len(pages) > limits.max_pages:
        raise UnreadableReport(
            path, f"{len(pages)} pages, more than the limit of {limits.max_pages}"
        )
    chars = sum(len(page.text) for page in pages)
    if chars > limits.max_text_chars:
        raise UnreadableReport(
            path, f"{chars:,} characters of text, more than the limit of {limits.max_text_chars:,}"
        )


def _split_at_page_footers(pages: list[RawPage]) -> list[RawPage]:
    """A one-page text export with "Page N of M" lines is split after each of them."""
    if len(pages) != 1:
        return pages
    lines = pages[0].text.split("\n")
    marks = [i for i, line in enumerate(lines) if _PAGE_OF.match(line)]
    if len(marks) < 2:
        return pages
    out, start = [], 0
    for mark in marks:
        out.append("\n".join(lines[start : mark + 1]))
        start = mark + 1
    if "\n".join(lines[start:]).strip():
        out.append("\n".join(lines[start:]))
    return [RawPage(i, text) for i, text in enumerate(out, start=1)]
