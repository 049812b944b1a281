"""Files from outside the library, names that would forge output, and damaged indexes
(issue 14, item 4): each is refused or reported in one line that names the file and the
fix, by the command that meets it and by `peerchat doctor` (hash embedder, fast)."""

from __future__ import annotations

import errno
import http.client
import json
import os
import re
import select
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from peerchat import doctor
from peerchat.cli import main
from peerchat.index.store import current_generation

ROOT = Path(__file__).resolve().parent.parent
TEXT = ROOT / "tests" / "data" / "text"
PEERCHAT = str(Path(sys.executable).parent / "peerchat")
QUESTION = "What did the peer team mean by corporate disobedience?"


def _ingest(runner: CliRunner, index_dir: Path, *paths: Path):
    return runner.invoke(main, ["ingest", "-q", "--index-dir", str(index_dir), *map(str, paths)])


@pytest.fixture
def built(runner, folder, tmp_path) -> Path:
    """An index of the two text exports (hash embedder)."""
    index_dir = tmp_path / "index"
    result = _ingest(runner, index_dir, folder)
    assert result.exit_code == 0, result.output
    return index_dir


def _one_line_naming(result, *words: str) -> str:
    """The error of a command that failed: one line on stderr naming each of `words`."""
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    # The structured log lines (JSON, on stderr too) aside, one line says what happened.
    lines = [line for line in result.stderr.strip().splitlines() if not line.startswith('{"ts"')]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


def _doctor(index_dir: Path, monkeypatch, folder: Path | None = None) -> dict[str, str]:
    """`peerchat doctor`'s lines by check name (the model check stubbed: not the point)."""
    monkeypatch.setattr(doctor, "_model", lambda s: doctor.Check("model", True, "not checked"))
    env = {"PEERCHAT_REPORTS_DIR": str(folder or index_dir)}
    result = CliRunner().invoke(main, ["doctor", "--index-dir", str(index_dir)], env=env)
    assert "Traceback" not in result.output
    return {line.split(":", 1)[0].split(None, 1)[1]: line for line in result.stdout.splitlines()}


# --- files from outside the library ----------------------------------------------------------


def test_links_and_files_outside_the_folder_are_not_ingested(runner, folder, tmp_path):
    secret = tmp_path / "elsewhere" / "passwd.txt"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n" * 20 + "The secret council plan.\n")
    (folder / "y.txt").symlink_to(secret)
    (folder / "sub").symlink_to(secret.parent, target_is_directory=True)
    (folder / "lambeth-again.md").symlink_to(folder / "lambeth-cpc-feedback-2016.md")
    index_dir = tmp_path / "index"
    result = _ingest(runner, index_dir, folder, folder / "y.txt")
    assert result.exit_code == 0, result.output
    skipped = sorted(line for line in result.stderr.splitlines() if line.startswith("skipped"))
    assert skipped == [
        f"skipped {folder / 'y.txt'}: a link",
        "skipped lambeth-again.md: a link",
        "skipped sub: a link",
        "skipped y.txt: a link",
    ]
    assert result.stdout.startswith("ingested 2, unchanged 0, removed 0, skipped 4")
    found = runner.invoke(main, ["search", "root:x:0:0", "--json", "--index-dir", str(index_dir)])
    assert all("root:x" not in hit["text"] for hit in json.loads(found.stdout))
    # A file the index knew, replaced by a link, is not followed either.
    (folder / "bedford-borough-cpc-action-plan-2024.txt").unlink()
    (folder / "bedford-borough-cpc-action-plan-2024.txt").symlink_to(secret)
    again = _ingest(runner, index_dir, folder)
    assert "skipped bedford-borough-cpc-action-plan-2024.txt: a link" in again.stderr
    assert "removed 1" in again.stdout


def test_names_with_line_breaks_and_escape_codes_are_printed_escaped(runner, folder, tmp_path):
    forged = "x\ningested 99, unchanged 0, removed 0, skipped 0; library: 99 reports.txt"
    (folder / forged).write_text("  \n")
    (folder / "\x1b[2Jcleared.md").write_text("")
    result = _ingest(runner, tmp_path / "index", folder)
    assert result.exit_code == 0, result.output
    assert not any(line.startswith("ingested 99") for line in result.output.splitlines())
    assert "skipped x\\ningested 99, unchanged 0" in result.stderr
    assert "skipped \\x1b[2Jcleared.md: empty file" in result.stderr
    assert "\x1b" not in result.output
    assert len(result.stdout.splitlines()) == 1


def test_a_report_with_no_council_is_named_by_its_file(runner, tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    text = (TEXT / "lambeth-cpc-feedback-2016.md").read_text(encoding="utf-8")
    nameless = re.sub(r"(?i)lambeth|london|borough", "the", text)
    (folder / "nameless.md").write_text(nameless, encoding="utf-8")
    index_dir = tmp_path / "index"
    assert _ingest(runner, index_dir, folder).exit_code == 0
    result = runner.invoke(main, ["ask", "--json", QUESTION, "--index-dir", str(index_dir)])
    reply = json.loads(result.stdout)
    assert reply["found"], reply
    assert "**council not recognised (nameless.md)**" in reply["answer"]
    assert "****" not in reply["answer"]
    assert {c["council"] for c in reply["citations"]} == {"council not recognised (nameless.md)"}


def test_a_pdf_whose_pages_are_all_the_same_is_skipped_for_that(runner, folder, tmp_path):
    from tests.pdf_maker import text_pdf

    (folder / "same.pdf").write_bytes(text_pdf(["The council should narrow its priorities."] * 4))
    result = _ingest(runner, tmp_path / "index", folder)
    assert "skipped same.pdf: all 4 pages are the same text" in result.stderr
    assert "no text layer" not in result.stderr


# --- damaged indexes: the command that meets it, and doctor ---------------------------------


def _dense(index_dir: Path) -> Path:
    return current_generation(index_dir) / "dense.npy"


def test_a_truncated_dense_file(runner, built, monkeypatch):
    os.truncate(_dense(built), 200)
    result = runner.invoke(main, ["ask", QUESTION, "--index-dir", str(built)])
    _one_line_naming(result, "dense.npy", "damaged", "peerchat ingest --rebuild")
    lines = _doctor(built, monkeypatch)
    assert lines["index"].startswith("FAIL") and "dense.npy" in lines["index"]
    assert lines["index vectors"].startswith("FAIL") and "dense.npy" in lines["index vectors"]
    assert "--rebuild" in lines["index vectors"]


def test_an_empty_dense_file(runner, built, monkeypatch):
    _dense(built).write_bytes(b"")
    result = runner.invoke(main, ["ask", QUESTION, "--index-dir", str(built)])
    _one_line_naming(result, "dense.npy", "it is empty", "peerchat ingest --rebuild")
    lines = _doctor(built, monkeypatch)
    assert "dense.npy is empty" in lines["index vectors"]


def test_damaged_sqlite_pages(runner, built, monkeypatch):
    store = current_generation(built) / "store.sqlite"
    data = bytearray(store.read_bytes())
    page = 4096
    for start in range(2 * page, len(data) - page, 3 * page):
        data[start + 8 : start + page] = os.urandom(page - 8)
    store.write_bytes(bytes(data))
    result = runner.invoke(main, ["ask", QUESTION, "--index-dir", str(built)])
    _one_line_naming(result, "store.sqlite", "peerchat ingest --rebuild")
    lines = _doctor(built, monkeypatch)
    assert lines["index store"].startswith("FAIL") and "store.sqlite" in lines["index store"]
    assert "quick_check" in lines["index store"] or "cannot be read" in lines["index store"]


def test_a_binary_current_file(runner, built, monkeypatch):
    (built / "CURRENT").write_bytes(b"\xff\xfe\x00gen\x9c\x00\x01")
    for command in (["ask", QUESTION], ["reports"], ["search", "scrutiny"]):
        result = runner.invoke(main, [*command, "--index-dir", str(built)])
        _one_line_naming(result, "CURRENT", "damaged", "peerchat ingest --rebuild")
    lines = _doctor(built, monkeypatch)
    assert lines["index"].startswith("FAIL") and "CURRENT" in lines["index"]
    # CURRENT cannot send a reader outside the index folder either.
    (built / "CURRENT").write_text("../../etc\n")
    result = runner.invoke(main, ["reports", "--index-dir", str(built)])
    _one_line_naming(result, "CURRENT", "should name a generation")


def test_all_zero_vectors(built, monkeypatch):
    path = _dense(built)
    vectors = np.load(path)
    vectors[3] = 0.0
    np.save(path, vectors)
    lines = _doctor(built, monkeypatch)
    assert lines["index vectors"].startswith("FAIL")
    assert "1 of" in lines["index vectors"] and "all zeros" in lines["index vectors"]


def test_a_healthy_index_passes_the_file_checks(built, folder, monkeypatch):
    lines = _doctor(built, monkeypatch, folder)
    assert lines["index store"].startswith("ok") and "quick_check" in lines["index store"]
    assert lines["index vectors"].startswith("ok") and "none all zeros" in lines["index vectors"]
    assert lines["index folder"].startswith("ok")


def _refuse_writes(monkeypatch, index_dir: Path, error: int) -> None:
    """The kernel's answer to writing in `index_dir`: a real chmod for an ordinary user;
    for root, whom permissions do not stop, the same error raised where a new generation
    is made and where doctor asks."""
    if error == errno.EACCES and os.geteuid() != 0:
        index_dir.chmod(0o555)
        return
    from peerchat.index.build import generation

    def refused(folder: Path) -> Path:
        raise OSError(error, os.strerror(error), str(folder / "gen-new"))

    monkeypatch.setattr(generation, "new_generation", refused)
    if error == errno.EACCES:
        real = doctor.can_write
        monkeypatch.setattr(doctor, "can_write", lambda p: p != index_dir.absolute() and real(p))


def test_a_read_only_index_folder(runner, built, folder, monkeypatch):
    (folder / "cambridge.md").write_text(
        (TEXT / "cambridge-city-cpc-feedback-2017.md").read_text(encoding="utf-8")
    )
    _refuse_writes(monkeypatch, built, errno.EACCES)
    try:
        result = _ingest(runner, built, folder)
        line = _one_line_naming(result, str(built), "fix the permissions")
        assert "no permission to write" in line
        lines = _doctor(built, monkeypatch, folder)
        assert lines["index folder"].startswith(f"FAIL  index folder: {built.absolute()}")
        assert "read-only" in lines["index folder"] and "permissions" in lines["index folder"]
        asked = runner.invoke(main, ["ask", "--json", QUESTION, "--index-dir", str(built)])
        assert asked.exit_code == 0, "reading needs no write"
    finally:
        built.chmod(0o755)


def test_a_full_disk(runner, built, folder, monkeypatch):
    (folder / "cambridge.md").write_text(
        (TEXT / "cambridge-city-cpc-feedback-2017.md").read_text(encoding="utf-8")
    )
    _refuse_writes(monkeypatch, built, errno.ENOSPC)
    result = _ingest(runner, built, folder)
    _one_line_naming(result, "the disk is full", "free space", str(built))
    assert runner.invoke(main, ["ask", QUESTION, "--index-dir", str(built)]).exit_code == 0
    checks = {c.name: c for c in doctor.run_checks(doctor.Settings(index_dir=built), 10**18)}
    assert not checks["disk"].ok and "free some space" in checks["disk"].fix


def test_a_full_disk_as_sqlite_reports_it(runner, built, folder, monkeypatch):
    import sqlite3

    from peerchat.index.build import generation

    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    (folder / "cambridge.md").write_text(
        (TEXT / "cambridge-city-cpc-feedback-2017.md").read_text(encoding="utf-8")
    )
    monkeypatch.setattr(generation, "write_store", full)
    monkeypatch.setattr(generation, "update_store", full)  # an incremental write
    result = _ingest(runner, built, folder)
    _one_line_naming(result, "the disk is full", "free space")


# --- a running server whose index is damaged under it -----------------------------------------


def _start_server(index_dir: Path, tmp_path: Path) -> tuple[subprocess.Popen, int, Path]:
    log = tmp_path / "serve.log"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PEERCHAT_")},
        "PEERCHAT_EMBEDDER": "hash",
        "PEERCHAT_LOG_FILE": str(log),
    }
    process = subprocess.Popen(
        [PEERCHAT, "serve", "--index-dir", str(index_dir), "--port", "0"],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    line = ""
    while "serving on" not in line:
        ready, _, _ = select.select([process.stderr], [], [], 120)
        assert ready, "the server never said it was serving"
        line = process.stderr.readline()
        assert line, f"the server exited: {process.wait()}"
    port = int(re.search(r":(\d+) ", line).group(1))
    return process, port, log


def _post(port: int, question: str) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", "/ask", body=json.dumps({"question": question}).encode())
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def test_a_server_survives_its_vectors_being_cut_short(built, tmp_path):
    process, port, log = _start_server(built, tmp_path)
    try:
        assert _post(port, QUESTION)[0] == 200
        os.truncate(_dense(built), 128)  # under the running server's memory map
        status, reply = _post(port, QUESTION)
        assert process.poll() is None, f"the server died ({signal.Signals(-process.poll()).name})"
        assert status == 503 and "dense.npy" in reply["error"] and "--rebuild" in reply["error"]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", "/health")
        health = conn.getresponse()
        assert health.status == 503 and "dense.npy" in json.loads(health.read())["error"]
        conn.close()
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stderr.close()
    events = [json.loads(line) for line in log.read_text().splitlines()]
    damaged = [e for e in events if e["event"] == "index_damaged"]
    assert len(damaged) == 1 and damaged[0]["file"].endswith("dense.npy")


def test_a_rebuild_after_damage_is_picked_up(runner, built, folder, tmp_path):
    process, port, _ = _start_server(built, tmp_path)
    try:
        os.truncate(_dense(built), 128)
        assert _post(port, QUESTION)[0] == 503
        assert _ingest(runner, built, folder).exit_code == 0, "the damaged index is rebuilt"
        status, reply = _post(port, QUESTION)  # the new generation is loaded for it
        assert status == 200 and reply["found"]
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(30)
        process.stderr.close()
