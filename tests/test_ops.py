"""Running peerchat: structured logs, `peerchat doctor`, and one ingest at a time."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from peerchat.cli import main
from peerchat.index.store.generations import CURRENT, build_lock, current_generation

ROOT = Path(__file__).resolve().parent.parent
TEXT_EXPORTS = ROOT / "tests" / "data" / "text"
SAMPLE_REPORTS = ROOT / "data" / "reports"
PEERCHAT = str(Path(sys.executable).parent / "peerchat")
QUESTION = "What did the peer team mean by corporate disobedience in Lambeth?"


def _events(lines: str) -> list[dict]:
    """Every line parsed as JSON (a line that is not fails the test)."""
    return [json.loads(line) for line in lines.splitlines() if line.strip()]


# --- structured logs ---------------------------------------------------------------------


def test_ingest_and_ask_write_one_json_line_per_step(runner, folder, tmp_path, monkeypatch):
    log_file = tmp_path / "peerchat.log"
    monkeypatch.setenv("PEERCHAT_LOG_FILE", str(log_file))
    (folder / "broken.pdf").write_bytes(b"not really a pdf")
    index_dir = tmp_path / "index"
    ingested = runner.invoke(main, ["ingest", "-q", "--index-dir", str(index_dir), str(folder)])
    assert ingested.exit_code == 0, ingested.output
    assert "{" not in ingested.stdout, "logs never go to stdout"

    events = _events(log_file.read_text())
    by_name: dict[str, list[dict]] = {}
    for e in events:
        by_name.setdefault(e["event"], []).append(e)
    assert sorted(e["file"] for e in by_name["file_read"]) == [
        "bedford-borough-cpc-action-plan-2024.txt",
        "lambeth-cpc-feedback-2016.md",
    ]
    assert all(e["pages"] == 1 and e["passages"] > 0 for e in by_name["file_read"])
    [read] = by_name["files_read"]
    assert read["files"] == 3 and read["seconds"] >= 0, "two read, broken.pdf tried"
    [skipped] = by_name["file_skipped"]
    assert skipped["file"] == "broken.pdf" and "not a PDF" in skipped["reason"]
    [embedded] = by_name["embedded"]
    # A cold cache embeds every distinct text, each once (the sample repeats sentences).
    assert 0 < embedded["embedded"] <= embedded["texts"], "a cold cache embeds the texts"
    live = current_generation(index_dir).name
    assert [e["generation"] for e in by_name["generation_written"]] == [live]
    assert [e["generation"] for e in by_name["generation_published"]] == [live]
    [finished] = by_name["ingest_finished"]
    assert (finished["ingested"], finished["skipped"], finished["reports"]) == (2, 1, 2)
    assert {e["level"] for e in events} == {"info"}, "DEBUG steps stay out at INFO"
    assert all(e["ts"].endswith("Z") and e["logger"].startswith("peerchat.") for e in events)

    asked = runner.invoke(main, ["ask", "--json", QUESTION, "--index-dir", str(index_dir)])
    assert asked.exit_code == 0, asked.output
    reply = json.loads(asked.stdout)
    [answered] = [e for e in _events(log_file.read_text()) if e["event"] == "question_answered"]
    assert answered["question"] == QUESTION
    assert answered["citations"] == len(reply["citations"]) > 0
    assert answered["found"] is True and answered["generation"] == live
    assert answered["seconds"] >= 0


def test_question_text_is_not_logged_when_turned_off(runner, folder, tmp_path, monkeypatch):
    index_dir = tmp_path / "index"
    assert runner.invoke(main, ["ingest", "-q", "--index-dir", str(index_dir), str(folder)])
    monkeypatch.setenv("PEERCHAT_LOG_QUESTIONS", "0")
    asked = runner.invoke(main, ["ask", "--json", QUESTION, "--index-dir", str(index_dir)])
    assert asked.exit_code == 0, asked.output
    assert json.loads(asked.stdout)["question"] == QUESTION, "stdout is one JSON object"
    [answered] = [e for e in _events(asked.stderr) if e["event"] == "question_answered"]
    assert answered["level"] == "info" and answered["question_chars"] == len(QUESTION)
    assert "question" not in answered
    assert "disobedience" not in asked.stderr, "no part of the question reaches the log"

    monkeypatch.setenv("PEERCHAT_LOG_QUESTIONS", "1")
    asked = runner.invoke(main, ["ask", "--json", QUESTION, "--index-dir", str(index_dir)])
    [answered] = [e for e in _events(asked.stderr) if e["event"] == "question_answered"]
    assert answered["question"] == QUESTION


def test_ask_json_stdout_stays_pure_json_with_debug_logs(runner, folder, tmp_path, monkeypatch):
    index_dir = tmp_path / "index"
    assert runner.invoke(main, ["ingest", "-q", "--index-dir", str(index_dir), str(folder)])
    monkeypatch.setenv("PEERCHAT_LOG_LEVEL", "debug")
    result = runner.invoke(
        main,
        ["ask", "--json", "-", "--index-dir", str(index_dir)],
        input=f"{QUESTION}\nWhat did Bedford commit to on the corporate plan?\n",
    )
    assert result.exit_code == 0, result.output
    replies = _events(result.stdout)
    assert [r["question"] for r in replies][0] == QUESTION and len(replies) == 2
    assert all("event" not in r for r in replies)
    events = [e["event"] for e in _events(result.stderr)]
    assert events.count("question_answered") == 2 and "assistant_loaded" in events


def test_a_bad_log_setting_falls_back_to_stderr_and_says_so(runner, folder, tmp_path, monkeypatch):
    monkeypatch.setenv("PEERCHAT_LOG_LEVEL", "chatty")
    result = runner.invoke(main, ["ingest", "-q", "--index-dir", str(tmp_path / "i"), str(folder)])
    assert result.exit_code == 0
    assert "PEERCHAT_LOG_LEVEL='chatty' is not a level" in result.stderr
    assert any(
        e.get("event") == "ingest_finished" for e in _events(result.stderr.split("\n", 1)[1])
    )


# --- doctor --------------------------------------------------------------------------------


def _doctor(index_dir: Path, monkeypatch: pytest.MonkeyPatch, **env: str):
    monkeypatch.setenv("PEERCHAT_REPORTS_DIR", str(SAMPLE_REPORTS))
    monkeypatch.setenv("PEERCHAT_LOG_LEVEL", "WARNING")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(main, ["doctor", "--index-dir", str(index_dir)])
    lines = {line.split(":", 1)[0].split(None, 1)[1]: line for line in result.stdout.splitlines()}
    return result, lines


def test_doctor_passes_on_a_working_setup(sample_index, monkeypatch):
    result, lines = _doctor(sample_index, monkeypatch)
    assert result.exit_code == 0, result.output
    assert all(line.startswith("ok ") for line in lines.values()), result.stdout
    assert {"python", "package torch", "package faiss-cpu", "tokenizer", "model", "index"} <= set(
        lines
    )
    assert "loads offline and embeds a sentence (384 dims" in lines["model"]
    assert "5 reports" in lines["index"] and "all-MiniLM-L6-v2" in lines["index"]
    assert "5 report files" in lines["reports"] and "GB free" in lines["disk"]
    assert result.stderr.strip() == "all checks passed"


def test_doctor_names_a_missing_index(tmp_path, monkeypatch):
    result, lines = _doctor(tmp_path / "no-index", monkeypatch)
    assert result.exit_code == 1
    assert lines["index"].startswith(f"FAIL  index: no index at {tmp_path / 'no-index'}")
    assert "build it with `peerchat ingest --index-dir" in lines["index"]
    assert lines["model"].startswith("ok "), "only the index fails"
    assert [name for name, line in lines.items() if line.startswith("FAIL")] == ["index"]
    assert result.stderr.strip() == f"1 of {len(lines)} checks failed"


def test_doctor_names_a_model_that_cannot_load(sample_index, tmp_path, monkeypatch):
    broken = tmp_path / "model"
    broken.mkdir()
    (broken / "config.json").write_text("{}")
    result, lines = _doctor(sample_index, monkeypatch, PEERCHAT_MODEL_PATH=str(broken))
    assert result.exit_code == 1
    assert lines["model"].startswith(f"FAIL  model: the embedding model at {broken} cannot be")
    assert "PEERCHAT_MODEL_PATH" in lines["model"], "it says what to do"
    assert lines["index"].startswith("ok ")

    result, lines = _doctor(sample_index, monkeypatch, PEERCHAT_MODEL_PATH=str(tmp_path / "gone"))
    assert result.exit_code == 1
    assert lines["model"].startswith(f"FAIL  model: the model folder {tmp_path / 'gone'} does not")


def test_doctor_json_and_an_index_built_with_another_embedder(runner, folder, tmp_path):
    index_dir = tmp_path / "index"
    assert runner.invoke(main, ["ingest", "-q", "--index-dir", str(index_dir), str(folder)])
    env = {"PEERCHAT_EMBEDDER": "minilm", "PEERCHAT_REPORTS_DIR": str(folder)}
    result = runner.invoke(main, ["doctor", "--json", "--index-dir", str(index_dir)], env=env)
    assert result.exit_code == 1
    checks = {c["name"]: c for c in json.loads(result.stdout)}
    assert checks["index"]["ok"] is False
    assert "built with hash-bow-256, the settings use all-MiniLM-L6-v2" in checks["index"]["detail"]
    assert "--rebuild" in checks["index"]["fix"]
    assert checks["reports"]["ok"] and checks["reports"]["detail"].startswith("2 report files")


# --- one ingest at a time ------------------------------------------------------------------


def test_a_second_ingest_with_no_wait_fails_at_once(runner, folder, tmp_path):
    index_dir = tmp_path / "index"
    with build_lock(index_dir):
        result = runner.invoke(
            main, ["ingest", "-q", "--no-wait", "--index-dir", str(index_dir), str(folder)]
        )
    assert result.exit_code == 1
    assert f"another ingest is updating {index_dir}" in result.stderr
    assert not (index_dir / CURRENT).exists(), "it did nothing"


def test_a_second_ingest_says_it_waits_then_runs(folder, tmp_path):
    index_dir = tmp_path / "index"
    env = {**os.environ, "PEERCHAT_EMBEDDER": "hash", "PEERCHAT_LOG_LEVEL": "WARNING"}
    with build_lock(index_dir):
        proc = subprocess.Popen(
            [PEERCHAT, "ingest", "-q", "--index-dir", str(index_dir), str(folder)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            ready, _, _ = select.select([proc.stderr], [], [], 60)
            assert ready, "the second ingest said nothing within a minute"
            assert proc.stderr.readline().strip() == "waiting for another ingest to finish…"
            assert proc.poll() is None, "it waits while the lock is held"
            assert not (index_dir / CURRENT).exists()
        except BaseException:
            proc.kill()
            raise
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert out.startswith("ingested 2, unchanged 0")
    assert current_generation(index_dir).is_dir()
