"""An ingest killed with SIGKILL at 20 points. After each kill the index answers from a
complete generation (the old library or the new one, never a mix), the next ingest
finishes, and nothing is lost, duplicated or left half-built.

The killed ingest is a real `peerchat ingest` process (hash embedder). It is killed at an
exact logged step through PEERCHAT_TEST_KILL_AT, a test-only setting that makes the process
SIGKILL itself when that step is logged ("generation_written": the new generation is on
disk but not live) or some milliseconds after it ("generation_started+10": somewhere inside
writing the store, vectors and lexical index). SIGKILL cannot be caught: no cleanup runs.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from peerchat.core.settings import Settings
from peerchat.index.answer import Assistant
from peerchat.index.build import file_hash, ingest_paths
from peerchat.index.embedding import HashEmbedder
from peerchat.index.store import Library
from peerchat.index.store.generations import PREVIOUS, build_lock, current_generation, read_manifest
from tests.council_copies import council_copies

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_REPORTS = ROOT / "data" / "reports"
PEERCHAT = str(Path(sys.executable).parent / "peerchat")
QUESTION = "What did the peer team say about Lambeth's three year financial plan?"

KILL_POINTS = (
    # At a step: the process dies as the step is logged.
    "lock_acquired",  # nothing done yet
    "file_unchanged:3",  # reading: some files checked
    "file_read:1",  # reading: the new report parsed and chunked
    "file_skipped",  # reading done
    "embedded",  # embedding cache updated, no generation folder yet
    "generation_started",  # an empty generation folder
    "generation_written",  # a complete generation, not live
    "files_synced",  # publishing: flushed to disk
    "previous_recorded",  # publishing: PREVIOUS names the live generation
    "current_staged",  # publishing: the new CURRENT written beside the old
    "generation_published",  # live; the old generations not yet pruned
    "generation_removed",  # pruning: one old generation deleted
    "ingest_finished",  # all done
    # Some milliseconds after a step: inside the work that follows it.
    "lock_acquired+20",
    "embedded+1",
    "generation_started+80",
    "generation_started+10",
    "generation_started+30",
    "generation_written+1",
    "files_synced+1",
)


def _report_ids(folder: Path) -> set[str]:
    """The ids the library must hold for the folder: each readable file's content hash."""
    return {file_hash(p) for p in folder.iterdir() if p.name != "broken.pdf"}


def _complete_library(index_dir: Path) -> Library:
    """The live generation, checked complete: manifest, store and vectors agree."""
    generation = current_generation(index_dir)
    manifest = read_manifest(generation)
    library = Library.open(index_dir)  # refuses vectors that do not match the passages
    assert (manifest.reports, manifest.passages) == (len(library.stored), len(library.chunks))
    assert manifest.pages == sum(s.report.n_pages for s in library.stored)
    assert len({c.id for c in library.chunks}) == len(library.chunks), "no passage twice"
    assert len(library.reports) == len(library.stored), "no report twice"
    return library


def _leftovers(index_dir: Path) -> list[Path]:
    """Generation folders that are neither live nor the previous one, and staged pointers."""
    keep = {current_generation(index_dir)}
    if (index_dir / PREVIOUS).is_file():
        keep.add(index_dir / (index_dir / PREVIOUS).read_text().strip())
    stale = [g for g in index_dir.glob("gen-*") if g not in keep]
    return stale + list(index_dir.glob(".CURRENT.*"))


def _killed_ingest(index_dir: Path, folder: Path, env: dict, stderr: Path) -> tuple[int, int]:
    """Run `peerchat ingest` until it kills itself; return its exit status and how many of
    its worker processes were still alive 10 s later (then killed, so none is left)."""
    with open(stderr, "w") as err:
        proc = subprocess.Popen(
            [PEERCHAT, "ingest", "-q", "--index-dir", str(index_dir), str(folder)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,  # its workers share its process group
        )
        returncode = proc.wait(timeout=120)
    deadline = time.monotonic() + 10
    while (survivors := _group_size(proc.pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    if survivors:
        os.killpg(proc.pid, signal.SIGKILL)
    return returncode, survivors


def _group_size(group: int) -> int:
    """Live processes in a process group (zombies do not count)."""
    count = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            count += 1
    return count


def _text(path: Path) -> str:
    return path.read_text() if path.exists() else ""


def _last_step(log_file: Path) -> str:
    lines = [json.loads(line) for line in log_file.read_text().splitlines() if line.strip()]
    return lines[-1]["event"] if lines else "(nothing logged)"


@pytest.mark.crash
def test_an_ingest_killed_at_20_points_never_breaks_the_index(tmp_path):
    embedder = HashEmbedder()
    folder = tmp_path / "reports"
    folder.mkdir()
    for pdf in SAMPLE_REPORTS.glob("*.pdf"):
        (folder / pdf.name).write_bytes(pdf.read_bytes())
    council_copies(folder, 2)
    (folder / "broken.pdf").write_bytes(b"not really a pdf")
    index_dir = tmp_path / "index"
    ingest_paths([folder], index_dir, embedder)
    library_ids = _report_ids(folder)
    settings = Settings(index_dir=index_dir, embedder="hash")

    landed = []
    left_behind = {}
    for round_number, point in enumerate(KILL_POINTS):
        before = library_ids
        [added] = council_copies(folder, 1, start=2 + round_number)
        if round_number % 5 == 4:  # and an edited report: re-read, not kept twice
            with open(added, "a", encoding="utf-8") as fh:
                fh.write("\n\nA paragraph added after the visit about the council's budget.\n")
        after = _report_ids(folder)
        log_file = tmp_path / f"kill-{round_number:02d}.log"
        env = {
            **os.environ,
            "PEERCHAT_EMBEDDER": "hash",
            "PEERCHAT_TEST_KILL_AT": point,
            "PEERCHAT_LOG_FILE": str(log_file),
            "PEERCHAT_LOG_LEVEL": "DEBUG",
        }
        returncode, survivors = _killed_ingest(index_dir, folder, env, tmp_path / "stderr")
        assert returncode == -signal.SIGKILL, f"{point}: not killed\n{_text(tmp_path / 'stderr')}"
        assert survivors == 0, f"{point}: {survivors} worker(s) outlived the killed ingest"
        left_behind[point] = [p.name for p in _leftovers(index_dir)]
        unpublished = [
            f"{g.name[-6:]}: {' '.join(sorted(f.name for f in g.iterdir())) or 'empty'}"
            for g in _leftovers(index_dir)
            if g.is_dir() and not (g / "manifest.json").exists()
        ]
        landed.append(f"{point} -> {_last_step(log_file)}; half-built: {unpublished or 'none'}")

        # Readers: a complete generation, with the old library or the new, never a mix.
        library = _complete_library(index_dir)
        ids = set(library.reports)
        assert ids in (before, after), f"{point}: a library that is neither old nor new"
        answer = Assistant.load(settings, embedder=embedder).answer(QUESTION)
        assert answer.found and answer.citations, point
        texts = {c.id: c.text for c in library.chunks}
        assert all(texts.get(c.chunk_id) == c.text for c in answer.citations), point

        # The next ingest finishes, with every report exactly once, and cleans up.
        summary = ingest_paths([folder], index_dir, embedder)
        assert summary.ok, f"{point}: {summary.line()}"
        library = _complete_library(index_dir)
        assert set(library.reports) == after, f"{point}: reports lost or kept twice"
        assert len(library.stored) == len(after) == len(before) + 1
        assert _leftovers(index_dir) == [], f"{point}: left behind after the next ingest"
        with build_lock(index_dir, wait=False):
            pass  # the killed process's lock died with it
        library_ids = after

    # The kills did leave what their steps promise, and it was cleared.
    assert left_behind["generation_started"] and left_behind["generation_written"]
    assert any(name.startswith(".CURRENT.") for name in left_behind["current_staged"])
    assert left_behind["lock_acquired"] == []

    # The library after 20 kills is the library a clean ingest of the folder builds.
    fresh_dir = tmp_path / "fresh"
    ingest_paths([folder], fresh_dir, embedder)
    fresh = Library.open(fresh_dir)
    final = Library.open(index_dir)
    assert set(final.reports) == set(fresh.reports) == _report_ids(folder)
    assert sorted((c.id, c.text) for c in final.chunks) == sorted(
        (c.id, c.text) for c in fresh.chunks
    )
    print("\n".join(["kill points (asked -> last step logged):", *landed]))
