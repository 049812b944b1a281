"""Action-plan tables: rows of (header, cell) from positioned PDF text or tab-separated text.

A header row is a line whose cells carry column words (Ref, Recommendation, Action, Lead,
Sponsor, Timescale, ...). Text below it is assigned to the column whose header starts at or
left of it; a row starts where the first column holds a reference ("1.", "2", "R3"). A header
repeated at the top of a later page continues the table, and text above the first reference
on that page continues the row before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from peerchat.ingest.clean import BULLET, normalise_key
from peerchat.ingest.pdf import RawPage, TextRun

_HEADER_WORDS = re.compile(
    r"\b(ref|no\.?|number|recommendations?|actions?|sponsors?|leads?|owners?|officers?|"
    r"timescales?|timeframe|dates?|deadline|status|progress|rag|targets?|milestones?|"
    r"comments?|outcomes?|measures?|responsible|responsibility|service area|by when)\b",
    re.I,
)
_KEY_HEADERS = re.compile(r"recommendation|action", re.I)
_REF = re.compile(r"^(?:[A-Z]{1,3}\s?)?\d{1,3}(?:\.\d{1,2})?[a-z]?\.?$|^[a-z]\)$")
_REF_HEADER = re.compile(r"^(?:ref\.?|reference|no\.?|number|#|item)$", re.I)
_FURNITURE_NUMBER = re.compile(r"^(?:page\s*)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?$", re.I)


@dataclass(frozen=True)
class DraftRow:
    """A table row before it has offsets in the report text."""

    ref: str
    cells: tuple[tuple[str, str], ...]
    first_page: int
    last_page: int

    def as_text(self) -> str:
        """The row written out line by line with its column headers."""
        lines = []
        named_ref = False
        for header, text in self.cells:
            if not text or _REF_HEADER.match(header.strip()):
                continue
            if not named_ref and "recommendation" in header.lower():
                lines.append(f"Recommendation {self.ref}: {text}")
                named_ref = True
            else:
                lines.append(f"{header}: {text}")
        if not named_ref and lines:
            lines[0] = f"{self.ref}. {lines[0]}"
        return "\n".join(lines)


@dataclass(frozen=True)
class PdfTable:
    """Rows found in a PDF and, per page number, the text line where the table starts."""

    rows: tuple[DraftRow, ...]
    cut_at: dict  # page number -> index of the first table line in that page's text lines


@dataclass(frozen=True)
class _Line:
    y: float
    runs: tuple[TextRun, ...]


def _lines(runs: tuple[TextRun, ...]) -> list[_Line]:
    pieces: list[TextRun] = []
    for run in runs:
        parts = [p for p in run.text.split("\n")]
        for k, part in enumerate(p for p in parts if p.strip()):
            y = run.y - k * run.size * 1.2
            pieces.append(TextRun(part.strip(), run.x, y, run.size, run.bold))
    pieces.sort(key=lambda r: (-round(r.y), r.x))
    lines: list[_Line] = []
    for piece in pieces:
        if lines and abs(lines[-1].y - piece.y) < 2.0:
            lines[-1] = _Line(lines[-1].y, lines[-1].runs + (piece,))
        else:
            lines.append(_Line(piece.y, (piece,)))
    return [_Line(ln.y, tuple(sorted(ln.runs, key=lambda r: r.x))) for ln in lines]


def _is_header(line: _Line) -> bool:
    if len(line.runs) < 3:
        return False
    hits = sum(1 for r in line.runs if _HEADER_WORDS.search(r.text) and len(r.text) < 40)
    return hits >= max(2, len(line.runs) - 1) and any(
        _KEY_HEADERS.search(r.text) for r in line.runs
    )


def _join_cell(parts: list[str]) -> str:
    text = ""
    for part in parts:
        part = re.sub(r"\s*[\x7f\ue000-\uf8ff\u2022]\s*", " " + BULLET, part).strip()
        part = re.sub(r"\s+", " ", part)
        if not text:
            text = part
        elif re.search(r"[A-Za-z]-$", text) and part[:1].islower():
            text += part
        else:
            text += " " + part
    return text.strip()


def find_pdf_table(pages: list[RawPage], furniture: set[str]) -> PdfTable | None:
    """The action-plan table of a PDF, if it has one with a recognisable header row."""
    columns: list[tuple[float, str]] | None = None
    rows: list[dict] = []
    cut_at: dict[int, int] = {}
    for page in pages:
        lines = _lines(page.runs)
        header_index = next((i for i, ln in enumerate(lines) if _is_header(ln)), None)
        if header_index is None:
            if columns is not None:
                break  # the table ended on the previous page
            continue
        header = lines[header_index]
        if columns is None:
            columns = [(r.x, r.text) for r in header.runs]
            # A header cell wrapped onto a second bold line.
            for extra in lines[header_index + 1 : header_index + 3]:
                if not all(r.bold for r in extra.runs) or not header.runs[0].bold:
                    break
                for r in extra.runs:
                    c = _column(columns, r.x)
                    columns[c] = (columns[c][0], columns[c][1] + " " + r.text)
                header_index += 1
        cut_at[page.number] = _cut_index(page.text, [r.text for r in header.runs])
        current = rows[-1] if rows else None
        for line in lines[header_index + 1 :]:
            texts = [r for r in line.runs if not _is_furniture(r, furniture, columns)]
            if not texts or _is_header(line):
                continue
            first = texts[0]
            if _column(columns, first.x) == 0 and _REF.match(first.text):
                current = {"ref": first.text.rstrip("."), "cells": [[] for _ in columns]}
                current["first_page"] = current["last_page"] = page.number
                rows.append(current)
                texts = texts[1:]
            if current is None:
                continue
            current["last_page"] = page.number
            for run in texts:
                current["cells"][_column(columns, run.x)].append(run.text)
    if not columns or not rows:
        return None
    headers = [re.sub(r"\s+", " ", h).strip() for _, h in columns]
    drafts = tuple(
        DraftRow(
            row["ref"],
            tuple((h, _join_cell(parts)) for h, parts in zip(headers, row["cells"], strict=True)),
            row["first_page"],
            row["last_page"],
        )
        for row in rows
    )
    return PdfTable(drafts, cut_at)


def _column(columns: list[tuple[float, str]], x: float) -> int:
    index = 0
    for i, (start, _) in enumerate(columns):
        if x >= start - 3.0:
            index = i
    return index


def _is_furniture(run: TextRun, furniture: set[str], columns: list[tuple[float, str]]) -> bool:
    """Running header/footer text, or a page number (a lone number outside the ref column)."""
    if normalise_key(run.text) in furniture and not _REF.match(run.text.strip()):
        return True
    if _FURNITURE_NUMBER.match(run.text.strip()):
        return run.text.strip().lower().startswith("page") or _column(columns, run.x) != 0
    return False


def _cut_index(page_text: str, header_cells: list[str]) -> int:
    """Index (among the page's text lines) of the line where the header row begins."""
    lines = page_text.split("\n")
    wanted = [re.sub(r"\s+", " ", c).strip() for c in header_cells]
    for i, line in enumerate(lines):
        if not line.strip().startswith(wanted[0]):
            continue
        window = re.sub(r"\s+", " ", " ".join(lines[i : i + len(wanted)]))
        if all(w in window for w in wanted):
            return i
    return len(lines)


def tab_table_spans(lines: list[str]) -> list[tuple[int, int, list[DraftRow]]]:
    """Tab-separated tables in text lines: (first line, end line, rows) for each."""
    found: list[tuple[int, int, list[DraftRow]]] = []
    i = 0
    while i < len(lines):
        cells = lines[i].split("\t")
        if len(cells) >= 3 and _is_header(_Line(0, tuple(_fake(c) for c in cells if c.strip()))):
            start, header = i, [c.strip() for c in cells]
            rows: list[dict] = []
            i += 1
            end = i
            while i < len(lines):
                line = lines[i]
                if not line.strip():
                    i += 1
                    continue
                if "\t" not in line:
                    break
                parts = [c.strip() for c in line.split("\t")]
                end = i + 1
                i += 1
                if [p.lower() for p in parts] == [h.lower() for h in header]:
                    continue
                parts += [""] * (len(header) - len(parts))
                if parts[0] and _REF.match(parts[0]):
                    rows.append({"ref": parts[0].rstrip("."), "cells": [[] for _ in header]})
                if not rows:
                    continue
                for k, part in enumerate(parts[: len(header)]):
                    if part and not (k == 0 and part.rstrip(".") == rows[-1]["ref"]):
                        rows[-1]["cells"][k].append(part)
            drafts = [
                DraftRow(
                    r["ref"],
                    tuple((h, _join_cell(p)) for h, p in zip(header, r["cells"], strict=True)),
                    1,
                    1,
                )
                for r in rows
            ]
            found.append((start, end, drafts))
            continue
        i += 1
    return found


def _fake(text: str) -> TextRun:
    return TextRun(text.strip(), 0.0, 0.0, 0.0, False)
