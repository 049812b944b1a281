"""Rendering a cited page with its passage marked."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from peerchat.core.errors import UnreadableReport
from peerchat.pdfview import locate, render_page, sentences

ROOT = Path(__file__).resolve().parent.parent
CAMBRIDGE = ROOT / "data" / "reports" / "cambridge-city-cpc-feedback-2017.pdf"
BEDFORD = ROOT / "data" / "reports" / "bedford-borough-cpc-action-plan-2024.pdf"
QUOTE = (
    "By having a fuller picture of all these issues and plans the council will be in a "
    "strong position to deliver successfully on it priorities and key services."
)


def _amber_pixels(png: bytes) -> int:
    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    # The highlight turns white paper amber: high red, high green, clearly lower blue.
    return int(((r > 240) & (g > 200) & (g < 240) & (b < 190)).sum())


def test_a_quote_across_line_breaks_is_found_and_marked() -> None:
    marked = render_page(CAMBRIDGE, 8, [QUOTE])
    plain = render_page(CAMBRIDGE, 8, [])
    assert marked.marked == 1
    assert (marked.page, marked.n_pages) == (8, plain.n_pages)
    assert marked.width > 900 and marked.height > marked.width, "a portrait page at 1.6x"
    assert _amber_pixels(marked.png) > 5_000
    assert _amber_pixels(plain.png) < _amber_pixels(marked.png) / 10


def test_locate_ignores_layout_and_reports_char_span() -> None:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(CAMBRIDGE))
    try:
        text_page = pdf[7].get_textpage()
        first, count = locate(text_page, QUOTE)
        found = text_page.get_text_range(first, count)
        # The span runs from the first to the last letter or digit (the full stop is not one).
        assert " ".join(found.split()) == QUOTE.rstrip(".")
        assert (
            locate(text_page, "A sentence that is printed on no page of this report at all.")
            is None
        )
    finally:
        pdf.close()


def test_a_sentence_running_onto_the_next_page_is_marked_as_far_as_it_goes() -> None:
    # The quote's end is not on page 1 of the action plan; its start is.
    quote = (
        "Determine a clear set of council priorities and then some words from elsewhere entirely"
    )
    assert render_page(BEDFORD, 1, [quote]).marked == 1


def test_without_quotes_the_passage_sentences_are_marked() -> None:
    passage = QUOTE + " This sentence does not appear on the page."
    assert render_page(CAMBRIDGE, 8, [], passage).marked == 1
    assert sentences("One. Two three? Four") == ["One.", "Two three?", "Four"]


def test_bad_files_and_pages_are_named(tmp_path: Path) -> None:
    with pytest.raises(UnreadableReport, match="has no page 99"):
        render_page(CAMBRIDGE, 99)
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"not a pdf")
    with pytest.raises(UnreadableReport, match="broken.pdf: cannot be opened as a PDF"):
        render_page(bad, 1)
