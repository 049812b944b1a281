"""Minimal PDFs written by hand: pages of text lines in the standard fonts. Used by the
corpus generator and by the tests' made-up files."""

from __future__ import annotations

Line = tuple[float, float, float, str, bool]  # x, y, font size, text, bold


def lines_stream(lines: list[Line]) -> bytes:
    """A page content stream object drawing `lines` (F1 regular, F2 bold)."""
    ops = []
    for x, y, size, text, bold in lines:
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"BT {'/F2' if bold else '/F1'} {size:g} Tf {x:g} {y:g} Td ({escaped}) Tj ET")
    stream = "\n".join(ops).encode("cp1252", errors="replace")
    return b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream"


def lines_pdf(
    pages: list[list[Line]], fonts: tuple[str, str] = ("Helvetica", "Helvetica-Bold")
) -> bytes:
    """A PDF whose pages draw the given lines."""
    return pdf_document([lines_stream(lines) for lines in pages], fonts)


def pdf_document(
    streams: list[bytes], fonts: tuple[str, str] = ("Helvetica", "Helvetica-Bold")
) -> bytes:
    """A PDF of A4 pages, one per content stream object, with fonts F1 and F2."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    for font in fonts:
        objects.append(
            b"<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>"
            % font.encode()
        )
    kids = []
    for stream in streams:
        objects.append(stream)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
            b"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> >>" % len(objects)
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
