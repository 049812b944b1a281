"""The command line: outputs, messages and exit codes (hash embedder, fast)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from peerchat.cli import main

ROOT = Path(__file__).resolve().parent.parent
TEXT_EXPORTS = ROOT / "tests" / "data" / "text"
CITATION_FIELDS = {"n", "council", "title", "report_type", "date", "section", "page", "source", "text", "score"}  # fmt: skip


def _ingest(runner: CliRunner, index_dir: Path, *paths: Path):
    return runner.invoke(
        main, ["ingest", "--quiet", "--index-dir", str(index_dir), *map(str, paths)]
    )


def test_ingest_prints_the_summary_and_skips_bad_files(runner, folder, tmp_path):
    (folder / "broken.pdf").write_bytes(b"not really a pdf")
    result = _ingest(runner, tmp_path / "index", folder)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ingested 2, unchanged 0, removed 0, skipped 1 (broken.pdf:")
    assert "skipped broken.pdf: not a PDF" in result.stderr
    again = _ingest(runner, tmp_path / "index", folder)
    assert again.stdout.startswith("ingested 0, unchanged 2, removed 0, skipped 1")


def test_ingest_of_nothing_usable_exits_1(runner, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a.pdf").write_bytes(b"")
    result = _ingest(runner, tmp_path / "index", bad)
    assert result.exit_code == 1
    assert "skipped a.pdf: empty file" in result.stderr
    assert "nothing usable was ingested" in result.stderr


def test_index_dir_from_the_environment(runner, folder, tmp_path, monkeypatch):
    monkeypatch.setenv("PEERCHAT_INDEX_DIR", str(tmp_path / "env-index"))
    assert runner.invoke(main, ["ingest", "-q", str(folder)]).exit_code == 0
    assert (tmp_path / "env-index" / "CURRENT").exists()


def test_search_json_has_the_citation_fields(runner, folder, tmp_path):
    _ingest(runner, tmp_path / "index", folder)
    result = runner.invoke(
        main,
        [
            "search",
            "corporate disobedience",
            "--json",
            "-k",
            "3",
            "--index-dir",
            str(tmp_path / "index"),
        ],
    )
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert len(hits) == 3 and set(hits[0]) >= CITATION_FIELDS
    assert [h["n"] for h in hits] == [1, 2, 3]
    assert "corporate disobedience" in hits[0]["text"]
    assert hits[0]["council"] == "Lambeth London Borough Council"


def test_search_council_filter(runner, folder, tmp_path):
    _ingest(runner, tmp_path / "index", folder)
    args = [
        "search",
        "priorities",
        "--json",
        "--council",
        "Bedford",
        "--index-dir",
        str(tmp_path / "index"),
    ]
    hits = json.loads(runner.invoke(main, args).stdout)
    assert hits and {h["council"] for h in hits} == {"Bedford Borough Council"}
    unknown = runner.invoke(main, [*args[:3], "--council", "Atlantis", *args[5:]])
    assert unknown.exit_code == 2 and "Atlantis" in unknown.stderr


def test_reports_lists_the_library(runner, folder, tmp_path):
    _ingest(runner, tmp_path / "index", folder)
    result = runner.invoke(main, ["reports", "--index-dir", str(tmp_path / "index")])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["council", "type", "date", "pages", "passages", "file"]
    assert any(
        line.startswith("Lambeth London Borough Council") and "2016-10-04" in line for line in lines
    )
    rows = json.loads(
        runner.invoke(main, ["reports", "--json", "--index-dir", str(tmp_path / "index")]).stdout
    )
    assert {r["type"] for r in rows} == {"feedback report", "action plan"}


def test_ask_json_reads_questions_from_stdin(runner, folder, tmp_path):
    _ingest(runner, tmp_path / "index", folder)
    questions = (
        "What did the peer team mean by corporate disobedience?\n\nWhat did Birmingham say?\n"
    )
    result = runner.invoke(
        main, ["ask", "--json", "-", "--index-dir", str(tmp_path / "index")], input=questions
    )
    assert result.exit_code == 0, result.output
    replies = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["question"] for r in replies] == [
        "What did the peer team mean by corporate disobedience?",
        "What did Birmingham say?",
    ]
    assert replies[1]["found"] is False and replies[1]["citations"] == []
    for reply in replies:
        assert {"question", "found", "answer", "citations"} <= set(reply)
        for citation in reply["citations"]:
            assert set(citation) >= CITATION_FIELDS


@pytest.mark.parametrize("command", [["search", "x"], ["ask", "x"], ["reports"]])
def test_a_missing_index_is_a_message_not_a_traceback(runner, tmp_path, command):
    result = runner.invoke(main, [*command, "--index-dir", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert "no index at" in result.stderr and "peerchat ingest" in result.stderr
    assert "Traceback" not in result.output


def test_an_index_from_another_version_names_the_rebuild_command(runner, folder, tmp_path):
    _ingest(runner, tmp_path / "index", folder)
    generation = tmp_path / "index" / (tmp_path / "index" / "CURRENT").read_text().strip()
    manifest = json.loads((generation / "manifest.json").read_text())
    manifest["format_version"] = 0
    (generation / "manifest.json").write_text(json.dumps(manifest))
    result = runner.invoke(main, ["ask", "anything", "--index-dir", str(tmp_path / "index")])
    assert result.exit_code == 1
    assert "peerchat ingest --rebuild" in result.stderr and "Traceback" not in result.output


def test_chat_resolves_a_follow_up(runner, folder, tmp_path):
    _ingest(runner, tmp_path / "index", folder)
    result = runner.invoke(
        main,
        ["chat", "--index-dir", str(tmp_path / "index")],
        input="What did Lambeth say about corporate disobedience?\nwhat did they say about budgets?\n\n",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.count("Lambeth London Borough Council") >= 2
    assert "Bedford" not in result.stdout


def test_a_bad_setting_is_named_not_a_traceback(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("PEERCHAT_SEARCH_K", "ten")
    result = runner.invoke(main, ["reports", "--index-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "PEERCHAT_SEARCH_K='ten'" in result.stderr and "Traceback" not in result.output


def test_a_catalogue_saved_by_excel_with_a_year_only_date(runner, folder, tmp_path):
    (folder / "catalogue.csv").write_bytes(
        "file,council,type,date\nlambeth-cpc-feedback-2016.md,,,2015\n".encode("cp1252")
        + "bedford-borough-cpc-action-plan-2024.txt,,,2024 – draft\n".encode("cp1252")
    )
    assert _ingest(runner, tmp_path / "index", folder).exit_code == 0
    rows = json.loads(
        runner.invoke(main, ["reports", "--json", "--index-dir", str(tmp_path / "index")]).stdout
    )
    dates = {r["file"]: r["date"] for r in rows}
    assert dates["lambeth-cpc-feedback-2016.md"] == "2015", "a year is a year"


@pytest.mark.parametrize(
    "args",
    [
        ["ask", "What about scrutiny?", "--council", "Atlantis"],
        ["ask", "--json", "What about scrutiny?", "--council", "Atlantis"],
        ["chat", "--council", "Atlantis"],
        ["search", "scrutiny", "--council", "Atlantis"],
        ["recommendations", "--council", "Atlantis"],
        ["signposts", "--council", "Atlantis"],
        ["briefing", "Atlantis"],
        # A council peerchat knows, with no report in this library.
        ["recommendations", "--council", "Camden"],
        ["briefing", "Camden"],
    ],
)
def test_an_unknown_council_is_a_usage_error_in_every_command(runner, folder, tmp_path, args):
    index_dir = tmp_path / "index"
    assert _ingest(runner, index_dir, folder).exit_code == 0
    result = runner.invoke(main, [*args, "--index-dir", str(index_dir)], input="")
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.stdout == ""
    name = "Atlantis" if "Atlantis" in args else "Camden"
    assert f"'{name}'" in result.stderr and "Usage:" in result.stderr
