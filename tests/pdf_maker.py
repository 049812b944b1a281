"""Tiny PDFs written by hand for tests: pages of text, and decompression bombs."""

from __future__ import annotations

import zlib

_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"


def text_pdf(pages: list[str]) -> bytes:
    """A PDF with one line of Helvetica text per page."""
    streams = []
    for text in pages:
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops = f"BT /F1 11 Tf 72 720 Td ({escaped}) Tj ET".encode("cp1252")
        streams.append(b"<< /Length %d >>\nstream\n" % len(ops) + ops + b"\nendstream")
    return _document(streams)


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
    return _document([stream] * pages)


def _document(streams: list[bytes]) -> bytes:
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", _FONT]
    kids = []
    for stream in streams:
        objects.append(stream)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
            b"/Resources << /Font << /F1 3 0 R >> >> >>" % len(objects)
        )
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
