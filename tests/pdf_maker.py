"""Tiny PDFs written by hand for tests: pages of text, and decompression bombs."""

from __future__ import annotations

import zlib

from benchmarks.pdf_writer import lines_stream, pdf_document


def text_pdf(pages: list[str]) -> bytes:
    """A PDF with one line of Helvetica text per page."""
    return pdf_document([lines_stream([(72, 720, 11, text, False)]) for text in pages])


def bomb_pdf(inflated_bytes: int, pages: int = 1) -> bytes:
    """A PDF whose page content streams are a line of text and then `inflated_bytes` of
    spaces, FlateDecode-compressed: a few kilobytes on disk, megabytes when read."""
    packer = zlib.compressobj(9)
    data = packer.compress(b"BT /F1 11 Tf 72 720 Td (A very small report.) Tj ET\n")
    block = b" " * (1 << 20)
    left = inflated_bytes
    while left > 0:
        data += packer.compress(block[: min(left, len(block))])
        left -= len(block)
    data += packer.flush()
    stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
    return pdf_document([stream] * pages)
