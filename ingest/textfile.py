"""Read a .txt or .md export of a report: one page, or one per form feed."""

from __future__ import annotations

from pathlib import Path

from peerchat.ingest.pdf import RawPage

from peerchat.core.errors import UnreadableReport


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
