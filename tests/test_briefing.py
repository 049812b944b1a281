"""The register's CLI (recommendations, signposts, briefing) on the sample index."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from peerchat.cli import main


@pytest.fixture
def run(sample_index: Path):
    def invoke(*args: str):
        return CliRunner().invoke(main, [*args, "--index-dir", str(sample_index)])

    return invoke


def test_recommendations_csv(run) -> None:
    result = run("recommendations", "--csv")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0])[:9] == [
        "council", "report", "date", "number", "key", "section", "page", "themes", "text"
    ]  # fmt: skip
    key = Counter(r["council"] for r in rows if r["key"] == "True")
    assert key["Central Bedfordshire Council"] == 5
    assert key["Lambeth London Borough Council"] == 10
    assert key["Cambridge City Council"] == 6
    assert key["Bromsgrove District Council and Redditch Borough Council"] == 9
    assert key["Bedford Borough Council"] == 0, "the action plan marks none as key"
    further = Counter(r["council"] for r in rows if r["key"] == "False")
    assert further["Bromsgrove District Council and Redditch Borough Council"] == 22
    assert further["Lambeth London Borough Council"] == 23, "7 repeats of key ones, once"
    assert further["Bedford Borough Council"] == 20
    assert {r["date"] for r in rows if r["council"] == "Bedford Borough Council"} == {"2024-01"}
    assert all(r["themes"] and r["page"].isdigit() for r in rows)


def test_recommendations_filters_and_json(run) -> None:
    result = run("recommendations", "--council", "Lambeth", "--key-only", "--json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) == 10 and {r["council"] for r in rows} == {"Lambeth London Borough Council"}
    assert rows[0]["section"] == "2 Key recommendations" and rows[0]["page"] == 2
    result = run("recommendations", "--theme", "finance", "--json")
    assert result.exit_code == 0
    assert all("finance" in r["themes"] for r in json.loads(result.stdout))
    result = run("recommendations", "--theme", "weather")
    assert result.exit_code == 1
    assert "unknown theme 'weather'" in result.stderr and result.stdout == ""


def test_signposts(run) -> None:
    result = run("signposts")
    assert result.exit_code == 0, result.stderr
    for name in ("Adur and Worthing Councils", "Suffolk Coastal and Waveney Councils",
                 "Dorset Councils Partnership", "21st century councillor and public servant",
                 "Breckland and South Holland"):  # fmt: skip
        assert f"{name}\n" in result.stdout
    assert result.stdout.rstrip().endswith("5 signposts.")
    result = run("signposts", "--json", "--search", "digital")
    names = [s["name"] for s in json.loads(result.stdout)]
    assert names == ["Adur and Worthing Councils", "Breckland and South Holland"]


def _table(markdown: str) -> list[list[str]]:
    """The rows of the briefing's first Markdown table, as cells."""
    lines = [ln for ln in markdown.split("\n## ")[1].splitlines() if ln.startswith("| ")]
    return [[c.strip() for c in ln.strip("|").split(" | ")] for ln in lines[1:]]


def test_briefing_bedford_is_one_table(run) -> None:
    result = run("briefing", "Bedford Borough")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.startswith("# Follow-up visit briefing: Bedford Borough Council")
    assert "## Recommendations and actions (20)" in out
    rows = _table(out)
    assert len(rows) == 20
    for n, cells in enumerate(rows, 1):
        assert len(cells) == 6
        assert cells[0].startswith(f"**Recommendation {n}**: "), cells[0][:40]
        assert cells[5].startswith("\\[1\\] p. "), "each row cites its source once, by page"
        assert cells[4] != "—", f"row {n} has a due date"
    assert rows[0][2:5] == ["Mayor/ Deputy Mayor", "Chief Executive",
                            "until June 2024; in September 2024"]  # fmt: skip
    assert rows[5][1].endswith("*(shared with 5–7)*") and rows[5][2:4] == [
        "Cabinet", "Corporate Leadership Team"
    ]  # fmt: skip
    assert rows[9][2] == "Portfolio Holder for Finance, Risk and Welfare"
    # The full citation once, in the sources list, with the date as printed.
    assert out.count("bedford-borough-cpc-action-plan-2024.pdf") == 1
    assert "1. Bedford Borough Council, action plan, January 2024: " in out
    assert "No feedback report for Bedford Borough Council is in the library" in out
    assert "Recommendations 5–7 share one action" in out
    assert "Key recommendation" not in out


def test_briefing_bedford_as_word(run, tmp_path: Path) -> None:
    import docx

    target = tmp_path / "b.docx"
    result = run("briefing", "Bedford Borough", "--out", str(target))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert f"wrote the briefing for Bedford Borough Council to {target}" in result.stderr
    document = docx.Document(str(target))
    headings = [
        p.text for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))
    ]
    assert headings == [
        "Follow-up visit briefing: Bedford Borough Council",
        "Recommendations and actions (20)",
        "Findings",
        "Signposted practice (0)",
        "Sources",
    ]
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == [
        "Recommendation", "Action", "Sponsor", "Lead", "Due", "Source"
    ]  # fmt: skip
    assert len(table.rows) == 21, "a header and 20 rows"
    markdown_rows = _table(run("briefing", "Bedford Borough").stdout)
    for n, (row, md) in enumerate(zip(table.rows[1:], markdown_rows, strict=True), 1):
        cells = [c.text for c in row.cells]
        assert cells[0] == md[0].replace("**", "").replace("\\", ""), n
        assert cells[1] == md[1].replace("*(", "(").replace(")*", ")").replace("\\", ""), n
        assert cells[2:5] == [c.replace("\\", "") for c in md[2:5]], n
        assert cells[5] == md[5].replace("\\", "") and cells[5].startswith("[1] p. "), n
    # The shared action is one merged cell over rows 5-7, as in the plan.
    assert table.rows[5].cells[1]._tc is table.rows[7].cells[1]._tc
    assert table.rows[5].cells[2]._tc is not table.rows[6].cells[2]._tc
    text = "\n".join(p.text for p in document.paragraphs)
    assert "[1] Bedford Borough Council, action plan, January 2024: " in text
    footer = document.sections[0].footer.paragraphs[0]._p.xml
    assert "PAGE" in footer and "NUMPAGES" in footer, "page numbers in the footer"


def test_briefing_out_must_be_word_or_markdown(run, tmp_path: Path) -> None:
    result = run("briefing", "Bedford Borough", "--out", str(tmp_path / "b.pdf"))
    assert result.exit_code == 2
    assert "b.pdf: name a .docx (Word) or .md (Markdown) file" in result.stderr
    assert not (tmp_path / "b.pdf").exists()


def test_briefing_lambeth_says_no_action_plan(run, tmp_path: Path) -> None:
    target = tmp_path / "lambeth.md"
    result = run("briefing", "lambeth", "--out", str(target))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert "wrote the briefing for Lambeth London Borough Council" in result.stderr
    text = target.read_text(encoding="utf-8")
    assert "No action plan for Lambeth London Borough Council is in the library" in text
    assert "## Key recommendations (10)" in text
    rows = _table(text)
    assert len(rows) == 10
    assert all(r[1] == "no action recorded" and r[2:5] == ["—", "—", "—"] for r in rows)
    assert "1. Lambeth London Borough Council, feedback report, 4 October 2016: " in text
    assert "Key recommendation 1 is repeated (4.1 Understanding" in text
    assert "| priorities and vision |" in text


def test_briefing_joint_report_and_signposts(run) -> None:
    result = run("briefing", "Redditch")
    assert result.exit_code == 0, result.stderr
    assert "## Key recommendations (9)" in result.stdout
    assert "## Signposted practice (5)" in result.stdout
    assert "also make 22 further recommendations" in result.stdout
    assert "Supports: Consider the impact that digital transformation" in result.stdout
    assert 'shares the phrase "single digital strategy"' in result.stdout
    # The joint partner is not an "other council" to compare with.
    assert "of 4 |" in result.stdout


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Nowhereshire", "'Nowhereshire' is not a council peerchat knows"),
        ("Camden", "Camden London Borough Council has no report in the library"),
    ],
)
def test_briefing_unknown_council(run, name: str, message: str) -> None:
    result = run("briefing", name)
    assert result.exit_code == 2  # a usage error, as in every command
    assert result.stdout == ""
    assert message in result.stderr
