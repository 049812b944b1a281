"""A report page as it is printed, with the cited passage marked.

pypdfium2 renders the page and finds where the quoted sentences sit on it; PIL draws a
translucent highlight over their characters. No Streamlit here: the app caches the PNG.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from peerchat.core.errors import UnreadableReport

HIGHLIGHT = (255, 196, 0, 96)  # translucent amber over the marked characters
MARGIN_BAR = (230, 120, 0, 255)  # a bar in the left margin beside each marked line
MIN_MATCH = 24  # the shortest partial match (in letters and digits) worth marking
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+(?=[A-Z0-9•\-])")


@dataclass(frozen=True)
class PageImage:
    """A rendered page: PNG bytes, its size in pixels, and how many passages were marked."""

    png: bytes
    width: int
    height: int
    marked: int  # snippets found and highlighted on the page
    page: int
    n_pages: int


def render_page(
    pdf_path: Path | str,
    page: int,
    quotes: Sequence[str] = (),
    passage: str = "",
    scale: float = 1.6,
) -> PageImage:
    """Render 1-based `page` of the PDF with `quotes` highlighted.

    When none of `quotes` can be found on the page (or none are given), the sentences of
    `passage` are marked instead. A sentence that continues onto another page is marked as
    far as it runs on this one. Raises UnreadableReport when the PDF cannot be opened or has
    no such page.
    """
    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw

    path = Path(pdf_path)
    try:
        pdf = pdfium.PdfDocument(str(path))
    except (pdfium.PdfiumError, OSError) as exc:
        raise UnreadableReport(path, f"cannot be opened as a PDF ({exc})") from exc
    try:
        n_pages = len(pdf)
        if not 1 <= page <= n_pages:
            raise UnreadableReport(path, f"has no page {page} (it has {n_pages})")
        pdf_page = pdf[page - 1]
        text_page = pdf_page.get_textpage()
        page_height = pdf_page.get_height()
        rects = []
        marked = 0
        for snippets in (list(quotes), sentences(passage)):
            for snippet in snippets:
                found = locate(text_page, snippet)
                if found:
                    marked += 1
                    rects.extend(char_rects(text_page, *found))
            if marked:
                break
        image = pdf_page.render(scale=scale).to_pil().convert("RGBA")
        text_page.close()
        pdf_page.close()
    finally:
        pdf.close()

    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    pad = 1.5 * scale
    for left, bottom, right, top in rects:
        box = (
            left * scale - pad,
            (page_height - top) * scale - pad,
            right * scale + pad,
            (page_height - bottom) * scale + pad,
        )
        draw.rectangle(box, fill=HIGHLIGHT)
        draw.rectangle((6 * scale, box[1], 9 * scale, box[3]), fill=MARGIN_BAR)
    image = Image.alpha_composite(image, overlay).convert("RGB")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return PageImage(out.getvalue(), image.width, image.height, marked, page, n_pages)


def locate(text_page, snippet: str) -> tuple[int, int] | None:
    """(first char index, char count) of `snippet` on the page, or None.

    Matching ignores everything but letters and digits, so line breaks, hyphenation at a
    line end, bullets and typographic quotes on the page do not matter. When the whole
    snippet is not there (it runs onto the next or previous page), the longest prefix or
    suffix of at least MIN_MATCH letters that is there is used.
    """
    wanted = _key(snippet)
    if len(wanted) < 8:
        return None
    page_text = text_page.get_text_range()
    letters, index = [], []
    for i, ch in enumerate(page_text):
        if ch.isalnum():
            letters.append(ch.lower())
            index.append(i)
    haystack = "".join(letters)
    start = haystack.find(wanted)
    length = len(wanted)
    if start < 0:
        start, length = _partial(haystack, wanted)
        if start < 0:
            return None
    first = index[start]
    last = index[start + length - 1]
    return first, last - first + 1


def char_rects(text_page, first: int, count: int) -> list[tuple[float, float, float, float]]:
    """The (left, bottom, right, top) boxes, in PDF points, of a run of characters: one per
    line, as PDFium merges the characters of a line."""
    n = text_page.count_rects(first, count)
    return [text_page.get_rect(i) for i in range(n)]


def sentences(text: str) -> list[str]:
    """A passage split into sentences (roughly: enough to find each on the page)."""
    return [s for s in _SENTENCE_END.split(" ".join(text.split())) if s.strip()]


def _key(text: str) -> str:
    return "".join(ch.lower() for ch in text if ch.isalnum())


def _partial(haystack: str, wanted: str) -> tuple[int, int]:
    """The longest prefix or suffix of `wanted` found in `haystack` (binary search)."""
    best = (-1, 0)
    for from_end in (False, True):
        lo, hi = MIN_MATCH, len(wanted) - 1
        found = (-1, 0)
        while lo <= hi:
            mid = (lo + hi) // 2
            part = wanted[-mid:] if from_end else wanted[:mid]
            at = haystack.find(part)
            if at >= 0:
                found = (at, mid)
                lo = mid + 1
            else:
                hi = mid - 1
        if found[1] > best[1]:
            best = found
    return best
