"""ingest: files -> Report -> Chunk, on the sample PDFs, their text exports and made-up files."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from benchmarks.pdf_writer import lines_pdf
from peerchat.core.errors import UnreadableReport
from peerchat.core.limits import ReadLimits
from peerchat.ingest.catalogue import Catalogue
from peerchat.ingest.chunk import chunk_report
from peerchat.ingest.report import read_report

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "data" / "reports"
EXPORTS = ROOT / "tests" / "data" / "text"
SAMPLES = sorted(REPORTS.glob("*.pdf"))

EXPECTED = {
    "lambeth-cpc-feedback-2016": (
        ("Lambeth London Borough Council",),
        "feedback report",
        "2016-10-04",
        "Corporate Peer Challenge London Borough of Lambeth",
    ),
    "bedford-borough-cpc-action-plan-2024": (
        ("Bedford Borough Council",),
        "action plan",
        "2024-01",  # printed "January 2024": a month, not a made-up day
        "Bedford Borough Council LGA Corporate Peer Challenge - Action Plan",
    ),
    "bromsgrove-redditch-cpc-feedback-2018": (
        ("Bromsgrove District Council", "Redditch Borough Council"),
        "feedback report",
        "2018-01-22",
        "Corporate Peer Challenge Bromsgrove DC and Redditch BC",
    ),
    "cambridge-city-cpc-feedback-2017": (
        ("Cambridge City Council",),
        "feedback report",
        "2017-12-11",
        "Corporate Peer Challenge Cambridge City Council",
    ),
    "central-bedfordshire-cpc-feedback-2017": (
        ("Central Bedfordshire Council",),
        "feedback report",
        "2017-05-15",
        "Corporate Peer Challenge Central Bedfordshire Council",
    ),
}


@pytest.fixture(scope="session")
def reports():
    """The sample PDFs read once: stem -> (Report, chunks)."""
    out = {}
    for path in SAMPLES:
        report = read_report(path)
        out[path.stem] = (report, chunk_report(report))
    return out


def _export(stem: str) -> Path:
    return next(EXPORTS.glob(stem + ".*"))


def _words(text: str) -> Counter[str]:
    return Counter(re.findall(r"[a-z0-9]+", text.lower()))


def test_the_sample_corpus_is_there():
    assert {p.stem for p in SAMPLES} == set(EXPECTED)


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_metadata_of_sample_pdfs(reports, stem):
    report, _ = reports[stem]
    councils, report_type, date, title = EXPECTED[stem]
    assert (report.councils, report.report_type, report.date, report.title) == (
        councils,
        report_type,
        date,
        title,
    )


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_metadata_of_text_exports(stem):
    report = read_report(_export(stem))
    councils, report_type, date, title = EXPECTED[stem]
    assert (report.councils, report.report_type, report.date, report.title) == (
        councils,
        report_type,
        date,
        title,
    )


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_cleaned_pdf_text_keeps_the_words_of_the_export(reports, stem):
    report, _ = reports[stem]
    export = _export(stem).read_text(encoding="utf-8")
    export = re.sub(r"\]\(mailto:[^)]*\)", "]", export)  # a link's address repeats its text
    export = re.sub(r"<[^>]+>", "", export)
    wanted, got = _words(export), _words(report.text)
    ratio = sum(min(n, got[w]) for w, n in wanted.items()) / sum(wanted.values())
    missing = (wanted - got).most_common(10)
    assert ratio >= 0.98, f"{stem}: {ratio:.4f} of the export's words; most missing {missing}"


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_no_furniture_in_text_or_chunks(reports, stem):
    report, chunks = reports[stem]
    header = "Corporate Peer Challenge London Borough of Lambeth"
    assert "Smith Square" not in report.text
    for chunk in chunks:
        assert "Smith Square" not in chunk.text, chunk.id
        assert not re.search(r"(?m)^\s*\d+\s*$", chunk.text), f"page number line in {chunk.id}"
        if stem.startswith("lambeth"):
            # The running header survives only as the cover title, never inside the body.
            assert chunk.text.count(header) <= (1 if chunk.section == "Front matter" else 0)


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_chunks_point_into_the_report_text(reports, stem):
    report, chunks = reports[stem]
    assert chunks
    ids = [c.id for c in chunks]
    assert len(ids) == len(set(ids)), "chunk ids are unique within a report"
    for chunk in chunks:
        assert chunk.text == report.text[chunk.start : chunk.end], chunk.id
        assert chunk.text == chunk.text.strip()
        assert chunk.id.startswith(report.id[:12] + ":")
        assert f":p{chunk.first_page}-{chunk.last_page}:" in chunk.id
        assert 1 <= chunk.first_page <= chunk.last_page <= report.n_pages
        assert chunk.councils == report.councils and chunk.source == report.source
        if chunk.kind == "text":
            assert chunk.n_tokens <= 330, f"{chunk.id} has {chunk.n_tokens} tokens"
            assert report.page_at(chunk.start) == chunk.first_page


def test_page_starts_map_offsets_to_printed_pages(reports):
    report, _ = reports["lambeth-cpc-feedback-2016"]
    raw = [
        page.extract_text() for page in PdfReader(REPORTS / "lambeth-cpc-feedback-2016.pdf").pages
    ]
    assert report.n_pages == len(raw) == len(report.page_starts)
    assert list(report.page_starts) == sorted(report.page_starts)
    for number, page_text in enumerate(raw, start=1):
        # A long line printed on the page is found in the cleaned text of that page.
        line = max(page_text.split("\n")[3:], key=len)
        assert line.strip() in report.page_text(number), number


def test_corporate_disobedience_is_in_lambeth_section_4_4(reports):
    report, chunks = reports["lambeth-cpc-feedback-2016"]
    phrase = "corporate disobedience"
    raw = PdfReader(REPORTS / "lambeth-cpc-feedback-2016.pdf").pages
    printed = next(i for i, p in enumerate(raw, start=1) if phrase in p.extract_text())
    hits = [c for c in chunks if phrase in c.text]
    assert len(hits) == 1
    chunk = hits[0]
    assert chunk.council == "Lambeth London Borough Council"
    assert chunk.section.startswith("4.4")
    assert chunk.first_page <= printed <= chunk.last_page


def test_a_sentence_split_by_a_page_break_is_joined(reports):
    report, chunks = reports["lambeth-cpc-feedback-2016"]
    raw = PdfReader(REPORTS / "lambeth-cpc-feedback-2016.pdf").pages
    end_of_1 = raw[0].extract_text().strip().split("\n")[-1].strip()
    start_of_2 = raw[1].extract_text().split("\n")[3].strip()
    assert not end_of_1.endswith("."), "page 1 of the sample ends mid-sentence"
    joined = f"{end_of_1} {start_of_2}"
    assert joined in report.text
    chunk = next(c for c in chunks if joined in c.text)
    assert (chunk.first_page, chunk.last_page) == (1, 2)


def test_sections_of_lambeth(reports):
    report, _ = reports["lambeth-cpc-feedback-2016"]
    paths = [s.path for s in report.sections]
    assert paths[0] == "Front matter"
    assert "2 Key recommendations" in paths
    assert "4.4 Organisational leadership and governance" in paths
    assert "4.1 Understanding of the local place and priority setting > Recommendations" in paths
    assert paths[-1] == "5 Next steps"
    # The five questions of the scope ("1. Understanding of ...: Does the council") are items.
    assert not any("Does the council" in p for p in paths)
    for a, b in zip(report.sections, report.sections[1:], strict=False):
        assert a.end <= b.start and a.first_page <= b.first_page


def test_signposts_and_annex_of_bromsgrove(reports):
    report, _ = reports["bromsgrove-redditch-cpc-feedback-2018"]
    kinds = Counter(s.kind for s in report.sections)
    assert kinds["signpost"] == 5
    assert kinds["annex"] == 1
    signpost = next(s for s in report.sections if s.kind == "signpost")
    assert signpost.path.startswith("6 Understanding") and "Signpost – Adur" in signpost.path
    paths = [s.path for s in report.sections]
    assert "9 Financial planning and viability > Recommendations – finance" in paths
    assert paths[-2:] == ["Annex I", "Annex I > Key Recommendations"]


def test_bedford_action_plan_rows(reports):
    report, chunks = reports["bedford-borough-cpc-action-plan-2024"]
    rows = [c for c in chunks if c.kind == "table row"]
    assert len(rows) == len(report.rows) == 20
    assert [r.ref for r in report.rows] == [str(n) for n in range(1, 21)]
    first = report.rows[0]
    assert re.sub(r"\s+", " ", first.cell("sponsor")) == "Mayor/ Deputy Mayor"
    assert first.cell("lead") == "Chief Executive"
    assert first.cell("recommendation").startswith("Ensure the approach to developing")
    assert rows[0].text.startswith("Recommendation 1: Ensure the approach")
    assert "\nAction: The Council recognises" in rows[0].text
    assert "\nCabinet Sponsor/s: Mayor/ Deputy Mayor\nLead Service Area: Chief Executive" in (
        rows[0].text
    )
    assert rows[-1].text.startswith("Recommendation 20:")
    # Every page's header row was recognised, so no row swallowed the next one.
    assert all("Recommendation" not in r.cell("action")[:30] for r in report.rows)
    assert {r.first_page for r in report.rows} == {1, 2, 3, 4}


def test_bedford_text_export_rows_join_continuations():
    report = read_report(_export("bedford-borough-cpc-action-plan-2024"))
    assert len(report.rows) == 20
    row7 = report.rows[6]
    assert row7.cell("recommendation").endswith("senior political and managerial leadership")
    row2 = report.rows[1]
    assert row2.cell("action").endswith("This action is linked to Recommendations 1 and 4.")
    assert sum(c.kind == "table row" for c in chunk_report(report)) == 20


def test_markdown_export_is_cleaned():
    report = read_report(_export("cambridge-city-cpc-feedback-2017"))
    assert "**" not in report.text and "<sup>" not in report.text and "++" not in report.text
    assert not re.search(r"(?m)^#", report.text)
    assert not re.search(r"(?m)^[-*] ", report.text)


# ---------------------------------------------------------------- made-up files


def _pdf(pages: list[list[tuple[float, float, float, str, bool]]]) -> bytes:
    """A minimal PDF: each page a list of (x, y, size, text, bold) lines in Helvetica."""
    return lines_pdf(pages)


BODY = (
    "The council has a clear plan for {topic} and the peer team heard about it from staff,",
    "partners and residents alike; it is widely understood and shared across the district.",
    "Decision-making on {topic} is quick and the organisation responds well to problems.",
)
TOPICS = ("housing", "transport", "planning", "waste", "leisure", "libraries", "parks")


def _other_house_style(n_pages: int = 4) -> bytes:
    pages = []
    for number in range(1, n_pages + 1):
        lines = [(60, 800, 8, "Northshire Review Series  |  Sunderland City Council", False)]
        y = 760
        if number == 1:
            lines += [
                (60, y, 20, "Sunderland City Council", True),
                (60, y - 26, 20, "Corporate Peer Challenge Progress Review", True),
                (60, y - 50, 11, "Visit: 12th - 15th March 2018", False),
            ]
            y -= 90
            lines.append((60, y, 14, "1. Introduction", True))
            y -= 24
        if number == 3:
            lines.append((60, y, 14, "2. Progress since the peer challenge", True))
            y -= 24
        for k in range(3):
            for text in BODY:
                topic = TOPICS[(number + k) % len(TOPICS)]
                lines.append((60, y, 10, text.format(topic=topic), False))
                y -= 13
            lines.append((60, y, 10, f"That is all on {TOPICS[number + k - 1]} for now.", False))
            y -= 26
        if number == 2:
            lines.append((60, y, 10, "This sentence runs from page two and carries on", False))
        if number == 3:
            lines[1:1] = [(60, 775, 10, "onto page three where it ends.", False)]
        lines.append((250, 30, 8, f"Page {number} of {n_pages}", False))
        pages.append(lines)
    return _pdf(pages)


def test_another_house_style_pdf(tmp_path):
    path = tmp_path / "doc_0423.pdf"
    path.write_bytes(_other_house_style())
    report = read_report(path)
    assert report.councils == ("Sunderland City Council",)
    assert report.report_type == "progress review"
    assert report.date == "2018-03-12"
    assert report.title == "Sunderland City Council Corporate Peer Challenge Progress Review"
    assert report.n_pages == 4
    assert "Northshire Review Series" not in report.text
    assert not re.search(r"Page \d of 4", report.text)
    assert report.text.count("Decision-making on ") == 12
    joined = "carries on onto page three where it ends."
    assert joined in report.text
    assert [s.path for s in report.sections] == [
        "Front matter",
        "1 Introduction",
        "2 Progress since the peer challenge",
    ]
    chunks = chunk_report(report, max_tokens=120)
    spanning = next(c for c in chunks if joined in c.text)
    assert (spanning.first_page, spanning.last_page) == (2, 3)
    for chunk in chunks:
        assert chunk.text == report.text[chunk.start : chunk.end]
        assert "Northshire" not in chunk.text and "Page " not in chunk.text


def test_another_house_style_text_export(tmp_path):
    pages = []
    for number in range(1, 4):
        lines = ["Wakefield Council — peer challenge follow up", ""]
        if number == 1:
            lines += ["# Follow up visit: Wakefield Council", "", "October 2019", ""]
        lines += [
            f"On {TOPICS[number]} the peer team found that the council had made good pro-",
            f"gress on its priorities and had a clear plan for {TOPICS[number + 2]}.",
            "",
            f"- 1{number} -",
        ]
        pages.append("\n".join(lines))
    path = tmp_path / "export.txt"
    path.write_text("\f".join(pages), encoding="utf-8")
    report = read_report(path)
    assert report.councils == ("Wakefield Council",)
    assert report.report_type == "progress review"
    assert report.date == "2019-10"
    assert report.title == "Follow up visit: Wakefield Council"
    assert report.n_pages == 3
    assert "peer challenge follow up" not in report.text
    assert report.text.count("made good progress on its priorities") == 3
    assert not re.search(r"- 1\d -", report.text)


def test_catalogue_overrides_detected_metadata(tmp_path):
    path = tmp_path / "lambeth.md"
    path.write_bytes(_export("lambeth-cpc-feedback-2016").read_bytes())
    (tmp_path / "catalogue.csv").write_text(
        "file,council,type,date\n"
        "lambeth.md,Bromsgrove DC; Redditch BC,progress review,March 2019\n"
        "other.pdf,,,\n",
        encoding="utf-8",
    )
    catalogue = Catalogue.load(tmp_path)
    assert catalogue.get("other.pdf").council == ""
    report = read_report(path, catalogue)
    assert report.councils == ("Bromsgrove District Council", "Redditch Borough Council")
    assert report.report_type == "progress review"
    assert report.date == "2019-03"
    assert report.title == "Corporate Peer Challenge London Borough of Lambeth"
    blank = tmp_path / "blank"
    blank.mkdir()
    (blank / "catalogue.csv").write_text("file,council,type,date\nlambeth.md,,,\n")
    kept = read_report(path, Catalogue.load(blank))
    assert (kept.councils, kept.date) == (("Lambeth London Borough Council",), "2016-10-04")
    assert Catalogue.load(tmp_path / "nowhere").get("lambeth.md") is None


# ---------------------------------------------------------------- bad input


def _encrypted(tmp_path: Path) -> Path:
    writer = PdfWriter(clone_from=REPORTS / "lambeth-cpc-feedback-2016.pdf")
    writer.encrypt("secret")
    path = tmp_path / "locked.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    return path


@pytest.mark.parametrize(
    ("name", "make", "reason"),
    [
        ("notes.pdf", lambda p: b"Just some notes, not a PDF at all.\n", "not a PDF"),
        ("random.pdf", lambda p: bytes(range(256)) * 8, "not a PDF"),
        ("empty.pdf", lambda p: b"", "empty file"),
        ("empty.txt", lambda p: b"  \n", "empty file"),
        ("binary.txt", lambda p: b"\x00\x01\x02" * 100, "not a text file"),
        (
            "cut.pdf",
            lambda p: (REPORTS / "lambeth-cpc-feedback-2016.pdf").read_bytes()[:3000],
            "damaged",
        ),
        ("scan.pdf", lambda p: _pdf([[], []]), "no text layer (scanned image?)"),
        ("locked.pdf", lambda p: _encrypted(p).read_bytes(), "encrypted"),
        ("report.docx", lambda p: b"PK\x03\x04", "not a supported file type (.pdf, .txt, .md)"),
    ],
)
def test_bad_files_are_unreadable_with_a_reason(tmp_path, name, make, reason):
    path = tmp_path / name
    path.write_bytes(make(tmp_path))
    with pytest.raises(UnreadableReport) as caught:
        read_report(path)
    assert caught.value.path == path
    assert reason in caught.value.reason, caught.value.reason
    assert str(caught.value).startswith(name + ": ")


def test_a_pdf_that_hangs_the_reader_times_out(tmp_path, monkeypatch):
    from peerchat.ingest import pdf as ingest_pdf

    def forever(path, limits):
        while True:
            pass

    monkeypatch.setattr(ingest_pdf, "_extract", forever)
    path = tmp_path / "slow.pdf"
    path.write_bytes(_other_house_style(1))
    with pytest.raises(UnreadableReport, match="longer than 0.5 s"):
        read_report(path, limits=ReadLimits(timeout=0.5))


def test_timeout_none_reads_in_process(tmp_path):
    path = tmp_path / "doc.pdf"
    path.write_bytes(_other_house_style(2))
    assert read_report(path, limits=ReadLimits(timeout=None)).text == read_report(path).text
