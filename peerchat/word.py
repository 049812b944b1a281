"""The council briefing as a Word document (python-docx): headings, one real table of the
recommendations and actions (a shared action is one merged cell over its rows, as in the
plan), the findings and signposts, a numbered sources list that the rows cite, and page
numbers in the footer. Landscape A4, so the six columns stay readable.

Report text goes in as plain text runs: Word shows it as written, nothing in it is markup.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from peerchat.index.register import Briefing, BriefingRow, findings

COLUMNS = ("Recommendation", "Action", "Sponsor", "Lead", "Due", "Source")
WIDTHS_CM = (6.2, 9.6, 2.9, 3.2, 2.6, 2.1)  # 26.6 cm: A4 landscape less 1.5 cm margins
TABLE_PT = 8
BODY_PT = 10


def briefing_docx(briefing: Briefing) -> bytes:
    """The briefing as the bytes of a .docx file."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt

    b = briefing
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))
    doc.styles["Normal"].font.size = Pt(BODY_PT)
    doc.core_properties.title = f"Follow-up visit briefing: {b.council}"
    _page_numbers(section.footer.paragraphs[0], b.council)

    doc.add_heading(f"Follow-up visit briefing: {b.council}", level=0)
    doc.add_paragraph(b.reports_line)
    for note in b.notes:
        doc.add_paragraph(note, style="List Bullet")
    doc.add_heading(b.table_title, level=1)
    if b.rows:
        _table(doc, b.rows)
    else:
        doc.add_paragraph("No key recommendations were found in the library's reports.")

    doc.add_heading("Findings", level=1)
    for line in findings(b):
        doc.add_paragraph(line, style="List Bullet")
    themes = doc.add_table(rows=1, cols=3)
    themes.style = "Table Grid"
    for cell, text in zip(
        themes.rows[0].cells, ("Theme", b.council, "Other councils with the theme"), strict=True
    ):
        _text(cell, text, bold=True)
    for line in b.themes:
        cells = themes.add_row().cells
        _text(cells[0], line.theme)
        _text(cells[1], str(line.here))
        _text(cells[2], f"{line.councils} of {line.others}")

    doc.add_heading(f"Signposted practice ({len(b.signposts)})", level=1)
    if not b.signposts:
        doc.add_paragraph("The reports signpost no practice examples.")
    for line in b.signposts:
        s = line.signpost
        para = doc.add_paragraph(style="List Bullet")
        para.add_run(s.name).bold = True
        para.add_run(f": {s.text} {line.source}")
        if s.recommendation:
            doc.add_paragraph(f"Supports: {s.recommendation} ({s.match})")
        if s.links:
            doc.add_paragraph("Links: " + ", ".join(s.links))

    doc.add_heading("Sources", level=1)
    for source in b.sources:
        doc.add_paragraph(f"[{source.n}] {source.citation}")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _table(doc, rows: Sequence[BriefingRow]) -> None:
    from docx.shared import Cm

    table = doc.add_table(rows=1, cols=len(COLUMNS))
    table.style = "Table Grid"
    table.autofit = False
    header = table.rows[0]
    _repeat_as_header(header)
    for cell, name in zip(header.cells, COLUMNS, strict=True):
        _text(cell, name, bold=True)
    top = 0  # the table row where the current shared action's merged cells start
    for i, row in enumerate(rows, start=1):
        cells = table.add_row().cells
        para = cells[0].paragraphs[0]
        para.add_run(row.label).bold = True
        para.add_run(f": {row.recommendation.text}")
        _size(cells[0])
        refs = row.action.shared_refs if row.action is not None else ()
        above = rows[i - 2].action if i > 1 else None
        if refs and above is not None and above.shared_refs == refs:
            # A shared action: one cell over its rows, as in the plan.
            first = table.rows[top].cells
            first[1].merge(cells[1])
            first[4].merge(cells[4])
        else:
            top = i
            action = row.action_text + (f" ({row.shared})" if row.shared else "")
            _text(cells[1], action)
            _text(cells[4], row.due or "—")
        _text(cells[2], row.sponsor or "—")
        _text(cells[3], row.lead or "—")
        _text(cells[5], row.source)
    for r in table.rows:
        for cell, width in zip(r.cells, WIDTHS_CM, strict=True):
            cell.width = Cm(width)


def _text(cell, text: str, bold: bool = False) -> None:
    """Put `text` in a table cell (replacing what is there), in the table's type size."""
    para = cell.paragraphs[0]
    for run in list(para.runs):
        run._r.getparent().remove(run._r)
    run = para.add_run(text)
    run.bold = bold
    _size(cell)


def _size(cell) -> None:
    from docx.shared import Pt

    for para in cell.paragraphs:
        for run in para.runs:
            run.font.size = Pt(TABLE_PT)


def _repeat_as_header(row) -> None:
    """Mark a table row to repeat at the top of each page the table runs onto."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    properties.append(flag)


def _page_numbers(paragraph, council: str) -> None:
    """ "Briefing: COUNCIL · page N of M" with Word's PAGE and NUMPAGES fields."""
    paragraph.add_run(f"Follow-up visit briefing: {council} · page ")
    _field(paragraph, "PAGE")
    paragraph.add_run(" of ")
    _field(paragraph, "NUMPAGES")


def _field(paragraph, code: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, code), ("separate", None), (None, "1"),
                       ("end", None)):  # fmt: skip
        if kind is not None:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text == code:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = f" {code} "
            run._r.append(instr)
        else:
            shown = OxmlElement("w:t")
            shown.text = text
            run._r.append(shown)
