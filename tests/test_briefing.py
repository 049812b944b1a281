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
    assert key["Bedford Borough Council"] == 20
    further = Counter(r["council"] for r in rows if r["key"] == "False")
    assert further["Bromsgrove District Council and Redditch Borough Council"] == 22
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


def test_briefing_bedford_lists_each_recommendation_with_its_action(run) -> None:
    result = run("briefing", "Bedford Borough")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.startswith("# Follow-up visit briefing: Bedford Borough Council")
    assert "## Key recommendations (20)" in out
    items = out.split("## Key recommendations (20)")[1].split("## Signposted practice")[0]
    blocks = [b for b in items.strip().split("\n\n") if b[:1].isdigit()]
    assert len(blocks) == 20
    for n, block in enumerate(blocks, 1):
        assert block.startswith(f"{n}. "), block[:40]
        assert "   - Action: " in block and "   - Sponsor: " in block and "; lead: " in block
        assert "bedford-borough-cpc-action-plan-2024.pdf; Action plan, p." in block
    assert "Sponsor: Mayor/ Deputy Mayor; lead: Chief Executive  " in blocks[0]
    assert (
        "Sponsor: Cabinet (shared with 5); lead: Corporate Leadership Team (shared with 5)"
        in (blocks[5])
    )
    assert "No feedback report for Bedford Borough Council is in the library" in out


def test_briefing_lambeth_says_no_action_plan(run, tmp_path: Path) -> None:
    target = tmp_path / "lambeth.md"
    result = run("briefing", "lambeth", "--out", str(target))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert "wrote the briefing for Lambeth London Borough Council" in result.stderr
    text = target.read_text(encoding="utf-8")
    assert "No action plan for Lambeth London Borough Council is in the library." in text
    assert text.count("no action recorded (no action plan)") == 10
    assert "(Lambeth London Borough Council, feedback report 2016-10-04, " in text
    assert "| priorities and vision |" in text


def test_briefing_joint_report_and_signposts(run) -> None:
    result = run("briefing", "Redditch")
    assert result.exit_code == 0, result.stderr
    assert "## Key recommendations (9)" in result.stdout
    assert "## Signposted practice (5)" in result.stdout
    assert "also make 22 further recommendations" in result.stdout
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
