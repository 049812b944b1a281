"""Bedford Borough's action plan, row by row, as the register holds it: read from the sample
PDF and from its text export, each of the 20 rows must equal the text export read by hand
here (recommendation, the whole action, sponsor, lead), with its dates, labels and the
plan's date at the precision printed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from peerchat.core.dates import display_date
from peerchat.core.records import ActionRow
from peerchat.index.register import build_register, select_recommendations
from peerchat.index.store import Library
from peerchat.ingest.chunk import chunk_report
from peerchat.ingest.report import read_report
from peerchat.ingest.words import Vocabulary, mend_words

BEDFORD = "Bedford Borough Council"
EXPORT = Path(__file__).parent / "data" / "text" / "bedford-borough-cpc-action-plan-2024.txt"
# The export keeps two words as the PDF broke them in narrow cells; the register mends them.
BROKEN = {"Corp orate": "Corporate", "Communicatio ns": "Communications"}
# The plan's merged action cells: "To support Recommendations 5, 6 and 7 the Council
# will…" and "For these four recommendations…" (13-16).
SHARED = (("5", "6", "7"), ("13", "14", "15", "16"))


def _norm(text: str) -> str:
    text = " ".join(text.split())
    for broken, whole in BROKEN.items():
        text = text.replace(broken, whole)
    return re.sub(r"\s+([,;.])", r"\1", text)


def _export_rows() -> dict[str, dict[str, str]]:
    """The export's table read plainly: a line whose first cell is a ref starts a row,
    later lines (a repeated header skipped) carry its cells on."""
    cells: dict[str, list[list[str]]] = {}
    current = ""
    for line in EXPORT.read_text(encoding="utf-8").splitlines():
        if "\t" not in line or line.startswith("Ref\t"):
            continue
        parts = [*line.split("\t"), "", "", "", ""]
        ref = parts[0].strip().rstrip(".")
        if ref:
            current = ref
            cells[ref] = [[], [], [], []]
        for k in range(4):
            if parts[k + 1].strip():
                cells[current][k].append(parts[k + 1])
    rows = {
        ref: dict(zip(("recommendation", "action", "sponsor", "lead"),
                      (_norm(" ".join(p)) for p in parts), strict=True))
        for ref, parts in cells.items()
    }  # fmt: skip
    for group in SHARED:  # each row of a merged cell has it whole, and the group's owners
        whole = _norm(" ".join(rows[ref]["action"] for ref in group))
        for ref in group:
            rows[ref]["action"] = whole
            for owner in ("sponsor", "lead"):
                rows[ref][owner] = rows[ref][owner] or rows[group[0]][owner]
    return rows


EXPECTED = _export_rows()


@pytest.fixture(scope="module")
def from_pdf(sample_index: Path) -> list[ActionRow]:
    library = Library.open(sample_index)
    return [a for a in library.register.actions if BEDFORD in a.councils]


@pytest.fixture(scope="module")
def from_text() -> list[ActionRow]:
    report = read_report(EXPORT)
    return list(build_register([report], chunk_report(report), None).actions)


def test_the_export_is_read_as_twenty_rows() -> None:
    assert list(EXPECTED) == [str(n) for n in range(1, 21)]
    assert "Corp orate" in EXPORT.read_text(encoding="utf-8"), "the export keeps the break"


@pytest.mark.parametrize("source", ["from_pdf", "from_text"])
@pytest.mark.parametrize("field", ["recommendation", "action", "sponsor", "lead"])
def test_every_row_equals_the_export(source: str, field: str, request) -> None:
    rows = request.getfixturevalue(source)
    assert [a.ref for a in rows] == list(EXPECTED)
    for row in rows:
        assert _norm(getattr(row, field)) == EXPECTED[row.ref][field], (source, row.ref, field)


@pytest.mark.parametrize("source", ["from_pdf", "from_text"])
def test_shared_actions_name_their_rows(source: str, request) -> None:
    rows = {a.ref: a for a in request.getfixturevalue(source)}
    for group in SHARED:
        for ref in group:
            assert rows[ref].shared_refs == group, ref
    assert rows["6"].shared_label == "shared with 5–7"
    assert rows["14"].shared_label == "shared with 13–16"
    assert (rows["6"].owners_from, rows["5"].owners_from, rows["15"].owners_from) == ("5", "", "")
    assert not any(rows[r].shared_refs for r in rows if not any(r in g for g in SHARED))
    # Recommendation text that runs over a page is whole.
    assert rows["7"].recommendation.endswith(
        "across the senior political and managerial leadership"
    )
    assert rows["10"].recommendation.endswith("determining budget options for 2024/25")
    assert rows["3"].lead == "Chief Executive/Corporate Leadership Team/ Performance"
    assert "/Communications & Communities" in rows["19"].lead


@pytest.mark.parametrize("source", ["from_pdf", "from_text"])
def test_every_row_has_its_dates(source: str, request) -> None:
    rows = {a.ref: a for a in request.getfixturevalue(source)}
    assert all(a.dates for a in rows.values()), [r for r, a in rows.items() if not a.dates]
    assert rows["1"].dates == ("until June 2024", "in September 2024")
    # "This action has the same timeframe as Recommendation 1."
    assert (rows["2"].dates, rows["2"].dates_from) == (rows["1"].dates, ("1",))
    for ref in ("5", "6", "7"):
        assert rows[ref].dates == ("by July 2024", "by February 2024"), ref
    for ref in ("13", "14", "15", "16"):
        assert rows[ref].dates == ("by April 2025",), ref
    # "... in relation to Recommendations 1, 2,4 and 19, in the same timeframe."
    assert rows["20"].dates_from == ("1", "2", "4", "19")
    assert set(rows["20"].dates) == {*rows["1"].dates, *rows["4"].dates, *rows["19"].dates}
    assert rows["5"].due == "by July 2024; by February 2024"


def test_the_plan_is_dated_as_printed(sample_index: Path) -> None:
    library = Library.open(sample_index)
    plan = next(r for r in library.reports.values() if BEDFORD in r.councils)
    assert plan.date == "2024-01"
    assert display_date(plan.date) == "January 2024"
    assert {c.date for c in library.chunks if BEDFORD in c.councils} == {"2024-01"}
    recs = select_recommendations(library.register, [BEDFORD])
    assert len(recs) == 20
    assert not any(r.key for r in recs), "the plan marks none of its recommendations as key"
    assert [r.label for r in recs][:2] == ["Recommendation 1", "Recommendation 2"]
    assert all(r.origin == "action plan" and r.id.split(":rec:")[1] == f"a{r.number}" for r in recs)


def test_mending_joins_only_what_the_text_says_elsewhere() -> None:
    vocabulary = Vocabulary.of(
        [
            "The Corporate plan in the borough. Corporate Leadership Team. In sight of work "
            "streams, work in teams and streams of income. Insight. Communications plan."
        ]
    )
    assert mend_words("Chief Executive/Corp orate Leadership", vocabulary) == (
        "Chief Executive/Corporate Leadership"
    )
    # Both are words: not joined, though "insight" is one too.
    assert mend_words("in sight", vocabulary) == "in sight"
    assert mend_words("work streams", vocabulary) == "work streams"
    assert mend_words("Communicatio ns & Communities", vocabulary) == (
        "Communications & Communities"
    )
    # Not a word the texts use: left alone.
    assert mend_words("Strat egy", vocabulary) == "Strat egy"
    assert mend_words("", vocabulary) == ""
