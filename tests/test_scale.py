"""Scale: generated reports in other house styles, the approximate (IVF) path, resumable ingests,
and the on-disk sentence features."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from benchmarks.generate import generate
from peerchat.core.settings import Settings
from peerchat.index.answer import Assistant
from peerchat.index.build import ingest_paths
from peerchat.index.store import Library
from peerchat.index.store.dense import pool_sentences
from peerchat.index.store.sentences import SentenceIndex
from peerchat.ingest import parallel
from peerchat.ingest.report import read_report

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("generated")
    generate(folder, 12, seed=3)
    return folder


def _listed(corpus: Path) -> list[dict]:
    return [json.loads(line) for line in (corpus / "reports.jsonl").read_text().splitlines()]


def test_generated_reports_are_read_from_their_content(corpus):
    """Other house styles (fonts, headers, "Page N of M", names that say nothing): the
    council, type, date and page count come from the pages, and no furniture is left."""
    for entry in _listed(corpus):
        report = read_report(corpus / entry["file"])
        assert report.councils == (entry["council"],), entry["file"]
        assert report.report_type == entry["report_type"], entry["file"]
        assert report.date == entry["date"], entry["file"]
        assert report.n_pages == entry["pages"], entry["file"]
        assert not re.search(r"Page \d+ of \d+", report.text)
        assert "LGA Corporate Peer Challenge\n" not in report.text
        assert not re.search(r"(?m)^- \d+ -$", report.text)


def test_the_generator_is_deterministic_and_a_prefix(tmp_path, corpus):
    generate(tmp_path, 5, seed=3)
    assert _listed(tmp_path) == _listed(corpus)[:5]
    for entry in _listed(tmp_path):
        assert (tmp_path / entry["file"]).read_bytes() == (corpus / entry["file"]).read_bytes()


def test_the_approximate_index_answers_like_exact_search(tmp_path, corpus, hash_embedder):
    index_dir = tmp_path / "index"
    summary = ingest_paths([corpus], index_dir, hash_embedder, ann_min_passages=10)
    assert summary.reports == 12
    library = Library.open(index_dir)
    assert library.dense.approximate
    planted = json.loads((corpus / "planted.jsonl").read_text().splitlines()[0])
    vector = hash_embedder.embed([planted["question"]])[0]
    rows, _ = library.dense.top(vector, 10)
    exact = np.argsort(-library.dense.scores(vector))[:10]
    assert len(set(rows.tolist()) & set(exact.tolist())) >= 9
    assistant = Assistant.load(Settings(index_dir=index_dir, embedder="hash"))
    hits = assistant.search(planted["question"], k=5)
    assert any(h.chunk.source == planted["file"] for h in hits)


def test_pooled_passage_vectors_are_normalised_means():
    sentences = np.asarray([[1, 0], [0, 1], [3, 4]], dtype=np.float16)
    owner = np.asarray([0, 0, 2])
    out = np.zeros((3, 2), dtype=np.float32)
    missing = pool_sentences(sentences, owner, out)
    assert missing.tolist() == [1]
    assert np.allclose(out[0], [2**-0.5, 2**-0.5]) and np.allclose(out[2], [0.6, 0.8])


def test_matched_weights_agree_with_a_plain_count(sample_index):
    library = Library.open(sample_index)
    sentences: SentenceIndex = library.sentences
    weights = sentences.term_weights({"prior", "scrut", "nonexistentterm"})
    rows = np.arange(0, len(sentences), 7)
    got = sentences.matched_weight(rows, weights)
    for i, row in enumerate(rows):
        ids = sentences.term_ids[sentences.terms_at[row] : sentences.terms_at[row + 1]]
        expected = sum(w for t, w in weights.items() if t in set(ids.tolist()))
        assert got[i] == pytest.approx(expected)
    assert got.max() > 0


def _running(script: Path) -> list[int]:
    """Processes whose command line names `script` (the ingest and anything it forked)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and str(script).encode() in (proc / "cmdline").read_bytes():
                found.append(int(proc.name))
        except OSError:
            continue
    return found


KILLED = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from peerchat.index.build import ingest_paths
    from peerchat.index.embedding import HashEmbedder
    ingest_paths([Path(sys.argv[1])], Path(sys.argv[2]), HashEmbedder(), workers=1)
    """
)


def test_an_interrupted_ingest_resumes_without_reading_finished_files_again(
    tmp_path, corpus, hash_embedder, monkeypatch
):
    index_dir = tmp_path / "index"
    script = tmp_path / "interrupted.py"
    script.write_text(KILLED)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(corpus), str(index_dir)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    cache = index_dir / "parse-cache.sqlite"
    done = 0
    deadline = time.monotonic() + 60
    while done < 4 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
        if cache.exists():
            try:
                with sqlite3.connect(cache, timeout=1) as conn:
                    done = conn.execute("SELECT COUNT(*) FROM parsed").fetchone()[0]
            except sqlite3.Error:
                pass
    assert proc.poll() is None, "the ingest finished before it could be interrupted"
    proc.kill()
    proc.wait()
    assert not (index_dir / "CURRENT").exists(), "killed before any generation was published"
    deadline = time.monotonic() + 10
    while _running(script) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(script), "the killed ingest's PDF readers die with it"
    with sqlite3.connect(cache) as conn:
        finished = conn.execute("SELECT COUNT(*) FROM parsed").fetchone()[0]
    assert 4 <= finished < 12

    read = []
    real = parallel.parse_file
    monkeypatch.setattr(
        parallel, "parse_file", lambda job, *a: read.append(job.path.name) or real(job, *a)
    )
    summary = ingest_paths([corpus], index_dir, hash_embedder, workers=1)
    assert len(read) == 12 - finished, "finished files are not read again"
    assert summary.reports == 12 and len(summary.ingested) == 12
    library = Library.open(index_dir)
    assert sorted(s.report.source for s in library.stored) == sorted(
        e["file"] for e in _listed(corpus)
    )


def test_ingest_workers_come_from_the_settings():
    from peerchat.core.errors import PeerchatError

    assert Settings.from_env({"PEERCHAT_INGEST_WORKERS": "1"}).ingest_workers == 1
    assert Settings.from_env({}).ingest_workers == 0
    with pytest.raises(PeerchatError, match="PEERCHAT_INGEST_WORKERS"):
        Settings.from_env({"PEERCHAT_INGEST_WORKERS": "-1"})
