"""index: incremental ingest, atomic generations, damaged indexes and bad input.

These use the deterministic hash embedder: the model's judgement is not the point here.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from peerchat.core.errors import IndexIncompatible, IndexMissing
from peerchat.index.build import ingest_paths
from peerchat.index.search import Filters, search
from peerchat.index.search.hybrid import rrf
from peerchat.index.store import CURRENT, Library, current_generation

ROOT = Path(__file__).resolve().parent.parent
TEXT_EXPORTS = ROOT / "tests" / "data" / "text"


def _ingest(paths, index_dir, embedder, **kwargs):
    return ingest_paths([Path(p) for p in paths], index_dir, embedder, **kwargs)


def _folder(path: Path, *exports: str) -> Path:
    """A new folder holding copies of the named text exports."""
    path.mkdir()
    for name in exports:
        shutil.copy(TEXT_EXPORTS / name, path)
    return path


def test_ingest_twice_reports_unchanged(reports_copy, tmp_path, hash_embedder):
    index_dir = tmp_path / "index"
    first = _ingest([reports_copy], index_dir, hash_embedder)
    assert (len(first.ingested), len(first.unchanged), len(first.skipped)) == (5, 0, 0)
    assert first.line().startswith("ingested 5, unchanged 0, removed 0, skipped 0; library: 5")
    generation = current_generation(index_dir)

    second = _ingest([reports_copy], index_dir, hash_embedder)
    assert second.line().startswith("ingested 0, unchanged 5, removed 0, skipped 0")
    assert current_generation(index_dir) == generation, "nothing changed: no new generation"
    assert second.passages == first.passages and second.pages == first.pages == 50


@pytest.fixture
def hashed(monkeypatch):
    """The names of the files hashed, in order."""
    from peerchat.index.build import file_digests

    names: list[str] = []
    real = file_digests.file_hash
    monkeypatch.setattr(file_digests, "file_hash", lambda p: names.append(p.name) or real(p))
    return names


def test_unchanged_files_are_not_read_again_to_be_hashed(
    reports_copy, tmp_path, hash_embedder, hashed, monkeypatch
):
    from peerchat.index.build import file_digests

    # The files were changed long before they were hashed (not "racily" close to it).
    monkeypatch.setattr(file_digests, "RACY_NS", -(10**18))
    index_dir = tmp_path / "index"
    _ingest([reports_copy], index_dir, hash_embedder)
    assert len(hashed) == 5
    hashed.clear()
    again = _ingest([reports_copy], index_dir, hash_embedder)
    assert hashed == [] and len(again.unchanged) == 5, "size, times and inode as they were"
    # The same size and modification time, other bytes: the change time tells.
    report = sorted(reports_copy.iterdir())[0]
    stat = report.stat()
    data = bytearray(report.read_bytes())
    data[-2] = ord("X") if data[-2] != ord("X") else ord("Y")
    report.write_bytes(bytes(data))
    os.utime(report, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    edited = _ingest([reports_copy], index_dir, hash_embedder)
    assert hashed == [report.name]
    assert report.name not in edited.unchanged and len(edited.unchanged) == 4
    # A rebuild reads every file: it trusts no remembered digest.
    hashed.clear()
    _ingest([reports_copy], index_dir, hash_embedder, rebuild=True)
    assert sorted(hashed) == sorted(p.name for p in reports_copy.iterdir())


def test_a_file_hashed_as_it_changed_is_hashed_again(reports_copy, tmp_path, hash_embedder, hashed):
    # Copied and ingested within the same two seconds: an edit in that moment might not
    # show in the file's times, so the next ingest does not trust the digest.
    index_dir = tmp_path / "index"
    _ingest([reports_copy], index_dir, hash_embedder)
    hashed.clear()
    _ingest([reports_copy], index_dir, hash_embedder)
    assert len(hashed) == 5


def test_a_digests_file_that_cannot_be_written_leaves_the_index_as_it_was(
    reports_copy, tmp_path, hash_embedder, monkeypatch
):
    import sqlite3

    from peerchat.core.errors import IndexUnwritable
    from peerchat.index.build.file_digests import FileDigests

    index_dir = tmp_path / "index"
    _ingest([reports_copy], index_dir, hash_embedder)
    live = current_generation(index_dir)
    shutil.copy(TEXT_EXPORTS / "lambeth-cpc-feedback-2016.md", reports_copy)

    def refuse(self):
        with self._naming_the_file():
            raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(FileDigests, "save", refuse)
    with pytest.raises(IndexUnwritable) as raised:
        _ingest([reports_copy], index_dir, hash_embedder)
    assert raised.value.path.name == "file-digests.sqlite"
    assert current_generation(index_dir) == live, "nothing published"


def test_edited_removed_and_duplicated_files(tmp_path, hash_embedder):
    folder = tmp_path / "reports"
    folder.mkdir()
    for name in ("lambeth-cpc-feedback-2016.md", "cambridge-city-cpc-feedback-2017.md"):
        shutil.copy(TEXT_EXPORTS / name, folder / name)
    index_dir = tmp_path / "index"
    first = _ingest([folder], index_dir, hash_embedder)
    assert len(first.ingested) == 2

    # Edited: one paragraph added. Only its passages are embedded afresh.
    lambeth = folder / "lambeth-cpc-feedback-2016.md"
    lambeth.write_text(
        lambeth.read_text() + "\n\nThe peer team also admired the borough's zebra crossings.\n"
    )
    edited = _ingest([folder], index_dir, hash_embedder)
    assert (edited.ingested, edited.unchanged) == (
        ("lambeth-cpc-feedback-2016.md",),
        ("cambridge-city-cpc-feedback-2017.md",),
    )
    assert edited.reports == 2, "the edited file replaces its old version"
    assert 0 < edited.embedded < first.embedded / 4, edited.embedded
    library = Library.open(index_dir)
    hits = search(library, hash_embedder, "zebra crossings", k=1)
    assert "zebra crossings" in hits[0].chunk.text

    # Duplicated under another name: indexed once.
    shutil.copy(lambeth, folder / "copy-of-lambeth.md")
    duplicated = _ingest([folder], index_dir, hash_embedder)
    assert duplicated.skipped == (
        ("copy-of-lambeth.md", "same content as lambeth-cpc-feedback-2016.md"),
    )
    assert duplicated.reports == 2

    # Removed from the folder: removed from the index.
    (folder / "copy-of-lambeth.md").unlink()
    (folder / "cambridge-city-cpc-feedback-2017.md").unlink()
    removed = _ingest([folder], index_dir, hash_embedder)
    assert removed.removed == ("cambridge-city-cpc-feedback-2017.md",)
    library = Library.open(index_dir)
    assert library.councils == ["Lambeth London Borough Council"]
    assert all(c.report_id in library.reports for c in library.chunks)


def test_a_renamed_file_keeps_its_passages_under_the_new_name(tmp_path, hash_embedder):
    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(TEXT_EXPORTS / "lambeth-cpc-feedback-2016.md", folder / "a.md")
    index_dir = tmp_path / "index"
    _ingest([folder], index_dir, hash_embedder)
    (folder / "a.md").rename(folder / "b.md")
    summary = _ingest([folder], index_dir, hash_embedder)
    assert (summary.unchanged, summary.removed) == (("b.md",), ())
    library = Library.open(index_dir)
    assert {c.source for c in library.chunks} == {"b.md"}


def test_reports_from_other_folders_are_kept(tmp_path, hash_embedder):
    one = _folder(tmp_path / "one", "lambeth-cpc-feedback-2016.md")
    two = _folder(tmp_path / "two", "cambridge-city-cpc-feedback-2017.md")
    index_dir = tmp_path / "index"
    _ingest([one], index_dir, hash_embedder)
    summary = _ingest([two], index_dir, hash_embedder)
    assert summary.reports == 2 and summary.removed == ()


def test_bad_files_beside_a_good_report(tmp_path, hash_embedder):
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(ROOT / "data" / "reports" / "lambeth-cpc-feedback-2016.pdf", folder / "good.pdf")
    (folder / "notes.pdf").write_bytes(b"Just some notes, not a PDF.\n")
    (folder / "empty.pdf").write_bytes(b"")
    lambeth = (ROOT / "data" / "reports" / "lambeth-cpc-feedback-2016.pdf").read_bytes()
    (folder / "cut.pdf").write_bytes(lambeth[:3000])
    (folder / "minutes.docx").write_bytes(b"PK\x03\x04")
    index_dir = tmp_path / "index"
    summary = _ingest([folder], index_dir, hash_embedder)
    assert summary.ingested == ("good.pdf",)
    reasons = dict(summary.skipped)
    assert set(reasons) == {"notes.pdf", "empty.pdf", "cut.pdf", "minutes.docx"}
    assert "not a PDF" in reasons["notes.pdf"]
    assert "empty" in reasons["empty.pdf"]
    assert "damaged" in reasons["cut.pdf"] or "truncated" in reasons["cut.pdf"]
    assert "not a supported file type" in reasons["minutes.docx"]
    hits = search(Library.open(index_dir), hash_embedder, "corporate disobedience", k=3)
    assert any("corporate disobedience" in h.chunk.text for h in hits)


def test_nothing_usable_leaves_no_index(tmp_path, hash_embedder):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "notes.pdf").write_bytes(b"nope")
    summary = _ingest([folder], tmp_path / "index", hash_embedder)
    assert not summary.ok and summary.skipped
    with pytest.raises(IndexMissing):
        Library.open(tmp_path / "index")


def test_search_filters_by_council_type_and_date(reports_copy, tmp_path, hash_embedder):
    index_dir = tmp_path / "index"
    _ingest([reports_copy], index_dir, hash_embedder)
    library = Library.open(index_dir)
    only_lambeth = Filters(councils=("Lambeth London Borough Council",))
    hits = search(library, hash_embedder, "priorities", k=10, filters=only_lambeth)
    assert hits and {h.chunk.council for h in hits} == {"Lambeth London Borough Council"}
    plans = search(
        library, hash_embedder, "priorities", k=5, filters=Filters(report_types=("action plan",))
    )
    assert {h.chunk.report_type for h in plans} == {"action plan"}
    since_2018 = search(
        library, hash_embedder, "priorities", k=50, filters=Filters(date_from="2018-01-01")
    )
    assert since_2018 and all(h.chunk.date >= "2018-01-01" for h in since_2018)

    # Bedford's plan is dated "January 2024" (2024-01): a month covers its days.
    def councils(**dates) -> set[str]:
        hits = search(library, hash_embedder, "priorities", k=200, filters=Filters(**dates))
        return {h.chunk.council for h in hits}

    bedford = "Bedford Borough Council"
    assert councils(date_from="2024-01-15") == {bedford}
    assert councils(date_from="2024-01-01", date_to="2024-01-31") == {bedford}
    assert bedford in councils(date_to="2024-01-01")
    assert bedford not in councils(date_to="2023-12-31")
    assert bedford not in councils(date_from="2024-02-01")


def test_index_from_another_version_is_refused_with_the_rebuild_command(
    reports_copy, tmp_path, hash_embedder
):
    index_dir = tmp_path / "index"
    _ingest([reports_copy], index_dir, hash_embedder)
    manifest = current_generation(index_dir) / "manifest.json"
    data = json.loads(manifest.read_text())
    data["format_version"] = 999
    manifest.write_text(json.dumps(data))
    with pytest.raises(IndexIncompatible) as caught:
        Library.open(index_dir)
    assert "peerchat ingest --rebuild" in str(caught.value)
    # Ingest rebuilds it, with a note.
    summary = _ingest([reports_copy], index_dir, hash_embedder)
    assert len(summary.ingested) == 5 and "rebuilt" in summary.warnings[0]
    assert Library.open(index_dir).manifest.format_version != 999


def test_damaged_indexes_are_refused_clearly(reports_copy, tmp_path, hash_embedder):
    index_dir = tmp_path / "index"
    with pytest.raises(IndexMissing, match="peerchat ingest"):
        Library.open(index_dir)
    _ingest([reports_copy], index_dir, hash_embedder)
    (current_generation(index_dir) / "store.sqlite").write_bytes(b"garbage" * 100)
    with pytest.raises(IndexIncompatible, match="damaged"):
        Library.open(index_dir)
    (index_dir / CURRENT).write_text("gen-that-does-not-exist\n")
    with pytest.raises(IndexIncompatible, match="missing generation"):
        Library.open(index_dir)


KILLED_INGEST = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from peerchat.index.build import ingest_paths
    from peerchat.index.embedding import HashEmbedder
    from peerchat.index.store.dense import DenseIndex

    real_build = DenseIndex.build

    def slow_build(*args, **kwargs):
        Path(sys.argv[3]).write_text("writing")  # the new generation is half written now
        time.sleep(60)
        return real_build(*args, **kwargs)

    DenseIndex.build = slow_build
    ingest_paths([Path(sys.argv[1])], Path(sys.argv[2]), HashEmbedder())
    """
)


def test_kill_9_during_ingest_leaves_the_previous_index_answering(tmp_path, hash_embedder):
    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(TEXT_EXPORTS / "lambeth-cpc-feedback-2016.md", folder)
    index_dir = tmp_path / "index"
    _ingest([folder], index_dir, hash_embedder)
    live = current_generation(index_dir)

    shutil.copy(TEXT_EXPORTS / "cambridge-city-cpc-feedback-2017.md", folder)
    marker = tmp_path / "marker"
    script = tmp_path / "killed_ingest.py"
    script.write_text(KILLED_INGEST)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(folder), str(index_dir), str(marker)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, "the ingest ended before it could be killed"
            assert time.monotonic() < deadline, "the ingest never reached the write"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    half_built = [g for g in index_dir.glob("gen-*") if g != live]
    assert half_built, "the killed ingest had started a new generation"
    assert current_generation(index_dir) == live
    library = Library.open(index_dir)
    assert library.councils == ["Lambeth London Borough Council"]
    assert search(library, hash_embedder, "corporate disobedience", k=1)

    summary = _ingest([folder], index_dir, hash_embedder)
    assert summary.ingested == ("cambridge-city-cpc-feedback-2017.md",)
    assert not any(g.exists() for g in half_built), "the abandoned generation is cleaned up"


def test_a_copy_elsewhere_does_not_take_the_original_s_place(tmp_path, hash_embedder):
    one, elsewhere, two = tmp_path / "one", tmp_path / "elsewhere", tmp_path / "two"
    for folder in (one, elsewhere, two):
        folder.mkdir()
    shutil.copy(TEXT_EXPORTS / "cambridge-city-cpc-feedback-2017.md", one / "cambridge.md")
    shutil.copy(TEXT_EXPORTS / "lambeth-cpc-feedback-2016.md", two / "lambeth.md")
    index_dir = tmp_path / "index"
    _ingest([one], index_dir, hash_embedder)
    shutil.copy(one / "cambridge.md", elsewhere / "upload.md")
    copy = _ingest([elsewhere / "upload.md"], index_dir, hash_embedder)
    assert copy.skipped == (("upload.md", "same content as cambridge.md"),)
    (elsewhere / "upload.md").unlink()
    later = _ingest([two], index_dir, hash_embedder)
    assert later.removed == () and later.reports == 2
    assert {c.source for c in Library.open(index_dir).chunks} == {"cambridge.md", "lambeth.md"}


def test_an_edited_file_is_ingested_not_also_removed(tmp_path, hash_embedder):
    folder = tmp_path / "reports"
    folder.mkdir()
    report = folder / "lambeth.md"
    shutil.copy(TEXT_EXPORTS / "lambeth-cpc-feedback-2016.md", report)
    index_dir = tmp_path / "index"
    _ingest([folder], index_dir, hash_embedder)
    report.write_text(report.read_text() + "\n\nOne more paragraph about the borough.\n")
    edited = _ingest([folder], index_dir, hash_embedder)
    assert (edited.ingested, edited.removed) == (("lambeth.md",), ())
    report.unlink()
    emptied = _ingest([folder], index_dir, hash_embedder)
    assert emptied.removed == ("lambeth.md",) and emptied.ok, "removing is the change asked for"
    assert len(Library.open(index_dir).chunks) == 0


def test_a_file_written_to_while_it_is_read_is_skipped_then_read_next_time(
    tmp_path, hash_embedder, monkeypatch
):
    from peerchat.index.build import update

    folder = _folder(
        tmp_path / "reports", "lambeth-cpc-feedback-2016.md", "cambridge-city-cpc-feedback-2017.md"
    )
    changing = folder / "lambeth-cpc-feedback-2016.md"
    real = update.parse_all

    def parse_after_a_write(jobs, *args, **kwargs):
        # Checked (hashed) before this point, written to now: the read sees other bytes.
        changing.write_text(changing.read_text() + "\n\nA paragraph added meanwhile.\n")
        return real(jobs, *args, **kwargs)

    monkeypatch.setattr(update, "parse_all", parse_after_a_write)
    first = _ingest([folder], tmp_path / "index", hash_embedder)
    assert first.ingested == ("cambridge-city-cpc-feedback-2017.md",)
    assert first.skipped == ((changing.name, update.CHANGED_WHILE_READ),)
    library = Library.open(tmp_path / "index")
    assert [r.source for r in library.reports.values()] == ["cambridge-city-cpc-feedback-2017.md"]
    assert all(library.report_text(rid) for rid in library.reports)
    library.chunks.close()
    monkeypatch.setattr(update, "parse_all", real)
    second = _ingest([folder], tmp_path / "index", hash_embedder)
    assert second.ingested == (changing.name,)
    library = Library.open(tmp_path / "index")
    assert "A paragraph added meanwhile." in library.report_text(
        next(rid for rid, r in library.reports.items() if r.source == changing.name)
    )
    library.chunks.close()


def test_a_rebuild_keeps_the_reports_of_other_folders(tmp_path, hash_embedder):
    one = _folder(tmp_path / "one", "lambeth-cpc-feedback-2016.md")
    two = _folder(tmp_path / "two", "cambridge-city-cpc-feedback-2017.md")
    index_dir = tmp_path / "index"
    _ingest([one], index_dir, hash_embedder)
    _ingest([two], index_dir, hash_embedder)
    rebuilt = _ingest([one], index_dir, hash_embedder, rebuild=True)
    assert rebuilt.reports == 2, rebuilt.line()
    assert len(Library.open(index_dir).councils) == 2


def test_years_filter_is_a_set_not_a_range(reports_copy, tmp_path, hash_embedder):
    index_dir = tmp_path / "index"
    _ingest([reports_copy], index_dir, hash_embedder)
    library = Library.open(index_dir)
    hits = search(library, hash_embedder, "priorities", k=200, filters=Filters(years=(2016, 2024)))
    assert {h.chunk.date[:4] for h in hits} == {"2016", "2024"}


def test_a_passage_first_on_the_questions_words_is_not_outvoted_on_meaning():
    # Passage 0 holds the question's rare words (first lexically) and is 12th on both
    # meaning rankings; passage 1 is first on meaning and only 20th on the words.
    def scores(first: int, second: int, n: int = 40) -> np.ndarray:
        rest = iter(r for r in range(1, n + 1) if r not in (first, second))
        ranks = np.asarray([first, second, *(next(rest) for _ in range(n - 2))], dtype=float)
        return n + 1 - ranks

    dense, lexical = scores(12, 1), scores(1, 20)
    fused = rrf(dense, lexical, dense)
    assert fused[0] > fused[1]


def test_a_store_write_that_fails_closes_its_connection(tmp_path, monkeypatch):
    import sqlite3

    import numpy as np

    from peerchat.index.store import sqlite as store

    closed: list[bool] = []

    class Tracked(sqlite3.Connection):
        def close(self) -> None:
            closed.append(True)
            super().close()

    real_connect = sqlite3.connect
    monkeypatch.setattr(store.sqlite3, "connect", lambda path: real_connect(path, factory=Tracked))

    def failing_chunks():
        raise OSError("the disk went away")
        yield  # a generator

    with pytest.raises(OSError):
        store.write_store(tmp_path / "new.sqlite", [], failing_chunks())
    assert closed == [True]
    conn = store.write_store(tmp_path / "ok.sqlite", [], [])
    assert closed == [True], "a store written whole stays open for the caller's tables"
    conn.close()
    with pytest.raises(OSError):
        store.update_store(
            tmp_path / "ok.sqlite", [], np.zeros(0, dtype=np.int64), [], failing_chunks()
        )
    assert closed == [True, True, True]
