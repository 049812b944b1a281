"""Read one report file into a Report: text cleaned, metadata from content, sections, rows."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from peerchat.core.errors import UnreadableReport
from peerchat.core.limits import ReadLimits
from peerchat.core.records import REPORT_TYPES, Report, TableRow
from peerchat.ingest.catalogue import Catalogue
from peerchat.ingest.clean import (
    Block,
    Line,
    clean_lines,
    furniture_keys,
    normalise_key,
    page_number_lines,
)
from peerchat.ingest.metadata import (
    cover_blocks,
    find_councils,
    find_date,
    find_report_type,
    find_title,
)
from peerchat.ingest.pdf import RawPage
from peerchat.ingest.readers import UNSUPPORTED, reader_for
from peerchat.ingest.sections import find_sections
from peerchat.ingest.tables import DraftRow, find_pdf_table, tab_table_spans

if TYPE_CHECKING:
    from peerchat.core.councils import CouncilDirectory


def read_report(
    path: Path,
    catalogue: Catalogue | None = None,
    councils: CouncilDirectory | None = None,
    *,
    limits: ReadLimits | None = None,
) -> Report:
    """Read the report at `path` (PDF, .txt or .md export).

    `catalogue` entries override the detected council, type and date; `councils` (a
    CouncilDirectory) gives councils their canonical names (loaded when not given).
    `limits` bound the time, memory, pages and text one file may take (ReadLimits'
    defaults when not given). Raises UnreadableReport for unusable input.
    """
    path = Path(path)
    limits = limits or ReadLimits()
    reader = reader_for(path)
    if reader is None:
        raise UnreadableReport(path, UNSUPPORTED)
    try:
        # A text export of more bytes than four per allowed character cannot be within it.
        size = path.stat().st_size
        if not reader.laid_out and size > 4 * limits.max_text_chars:
            raise UnreadableReport(
                path,
                f"{size:,} bytes of text, more than the limit of {limits.max_text_chars:,} characters",
            )
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableReport(path, f"cannot be read ({exc.strerror or exc})") from exc
    if not data.strip():
        raise UnreadableReport(path, "empty file")
    pages = reader.read(path, limits)
    directory = councils if councils is not None else _load_directory()

    page_lines = [page.text.split("\n") for page in pages]
    furniture = furniture_keys(
        page_lines, [_heights(page) for page in pages] if reader.laid_out else None
    )
    numbers = page_number_lines(page_lines)
    body_size = _body_size(pages)
    pdf_table = find_pdf_table(pages, furniture) if reader.laid_out else None

    items: list = []
    for p, (page, lines) in enumerate(zip(pages, page_lines, strict=True)):
        styles = _styles(page)
        cut = pdf_table.cut_at.get(page.number, len(lines)) if pdf_table else len(lines)
        tables = {} if reader.laid_out else {s: (e, rows) for s, e, rows in tab_table_spans(lines)}
        blank = False
        i = 0
        while i < len(lines):
            if i == cut:
                items.extend(_row_blocks(pdf_table.rows, page.number))
                break
            if i in tables:
                end, rows = tables[i]
                drafts = [DraftRow(r.ref, r.cells, page.number, page.number) for r in rows]
                items.extend(_row_blocks(tuple(drafts), page.number))
                i = end
                continue
            line = lines[i]
            i += 1
            if (p, i - 1) in numbers:
                continue
            size, bold = styles.get(line.strip(), (0.0, False))
            if normalise_key(line) in furniture and not (p == 0 and size > body_size + 0.6):
                continue
            if not line.strip():
                blank = True
                continue
            items.append(Line(line, page.number, size, bold, 0, blank))
            blank = False
    if pdf_table and not any(isinstance(x, Block) for x in items):
        items.extend(_row_blocks(pdf_table.rows, None))

    cleaned = clean_lines(items, len(pages), body_size)
    if not cleaned.text.strip():
        raise UnreadableReport(path, _why_no_text(pages))
    rows = tuple(
        TableRow(b.ref.ref, b.ref.cells, b.start, b.end, b.first_page, b.last_page)
        for b in cleaned.blocks
        if b.kind == "table row"
    )
    cover = "\n".join(b.text for b in cover_blocks(cleaned.blocks))
    title = find_title(cleaned.blocks)
    names = find_councils(cover, title, cleaned.text, directory)
    report_type = find_report_type(title, cover, cleaned.text, bool(rows))
    date = find_date(cover) or find_date(cleaned.text)

    entry = catalogue.get(path.name) if catalogue is not None else None
    if entry is not None:
        if entry.council:
            names = _catalogue_councils(entry.council, directory)
        if entry.report_type:
            wanted = entry.report_type.strip().lower()
            report_type = wanted if wanted in REPORT_TYPES else "other"
        if entry.date:
            date = find_date(entry.date) or _iso_or_blank(entry.date)

    def page_at(offset: int) -> int:
        return max(1, sum(1 for s in cleaned.page_starts if s <= offset))

    sections = find_sections(cleaned.blocks, body_size, cleaned.text, page_at)
    return Report(
        id=hashlib.sha256(data).hexdigest(),
        source=path.name,
        path=str(path),
        councils=names,
        report_type=report_type,
        date=date,
        title=title,
        text=cleaned.text,
        page_starts=cleaned.page_starts,
        sections=sections,
        rows=rows,
    )


def _why_no_text(pages: list[RawPage]) -> str:
    """Why nothing was left of a file's text once running headers and footers were taken
    out: every page the same (all of it repeats, so all of it reads as page furniture), or
    no text to begin with."""
    texts = {" ".join(page.text.split()) for page in pages}
    if len(pages) > 1 and len(texts) == 1 and next(iter(texts)):
        return f"all {len(pages)} pages are the same text: there is no report to read"
    return "no text layer (scanned image?)"


def _load_directory():
    try:
        from peerchat.core.councils import CouncilDirectory
    except ImportError:  # the directory module is optional for ingest alone
        return None
    return CouncilDirectory.load()


def _catalogue_councils(value: str, directory) -> tuple[str, ...]:
    names = []
    for part in value.split(";"):
        part = part.strip()
        if not part:
            continue
        council = directory.lookup(part) if directory is not None else None
        names.append(council.name if council is not None else part)
    return tuple(names)


def _row_blocks(rows: tuple[DraftRow, ...], page: int | None) -> list[Block]:
    return [
        Block("table row", row.as_text(), 0, 0, row.first_page, row.last_page, ref=row)
        for row in rows
        if page is None or row.first_page == page
    ]


def _styles(page: RawPage) -> dict[str, tuple[float, bool]]:
    styles: dict[str, tuple[float, bool]] = {}
    for run in page.runs:
        for part in run.text.split("\n"):
            key = part.strip()
            if key and key not in styles:
                styles[key] = (round(run.size * 2) / 2, run.bold)
    return styles


def _heights(page: RawPage) -> dict[str, float]:
    heights: dict[str, float] = {}
    for run in page.runs:
        for k, part in enumerate(run.text.split("\n")):
            if part.strip():
                heights.setdefault(part.strip(), run.y - k * run.size * 1.2)
    return heights


def _body_size(pages: list[RawPage]) -> float:
    sizes: Counter[float] = Counter()
    for page in pages:
        for run in page.runs:
            sizes[round(run.size * 2) / 2] += len(run.text.strip())
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _iso_or_blank(text: str) -> str:
    """A catalogue date as ISO at the precision given ("2017", "2017-03", "2017-03-14");
    "" when it is not a date."""
    text = text.strip()
    return text if re.fullmatch(r"\d{4}(?:-\d{2}(?:-\d{2})?)?", text) else ""
