"""A generation written incrementally (from the live one, plus the reports added and minus
those removed) is the generation a full write of the same library gives: the same
passages, vectors, sentences and their flags and terms, BM25 scores, register and search
results. Compared two ways: against a full write from the same live generation (row for
row), and against a library built from scratch (passage by passage: its reports were
ingested at other times, so in another order).
"""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from peerchat.index.build import ingest_paths
from peerchat.index.search import search
from peerchat.index.store import Library, current_generation
from peerchat.index.store import lexical as lexical_files
from peerchat.index.store import sentences as sentence_files
from peerchat.index.store.dense import DenseIndex

TEXT = Path(__file__).resolve().parent / "data" / "text"
QUERIES = (
    "narrow the council's priorities",
    "three year financial plan and savings",
    "overview and scrutiny",
    "who leads the action on the workforce strategy",
    "signpost digital transformation",
    "Bedford",
)
# A: an action plan, the feedback report of the same council (Lambeth's rewritten as
# Bedford's), two others. B: two more, one shared with A's councils' closure, one not.
A = (
    "bedford-borough-cpc-action-plan-2024.txt",
    "bedford-cpc-feedback-2016.md",
    "cambridge-city-cpc-feedback-2017.md",
    "lambeth-cpc-feedback-2016.md",
)
# Named to sort after A's: a generation is written incrementally only when the new reports
# come after the kept ones (by ingest time to the second, then file name), and two ingests
# can fall in the same second.
B = ("z-bromsgrove-redditch-cpc-feedback-2018.txt", "z-central-bedfordshire-cpc-feedback-2017.md")


def _write(folder: Path, names: tuple[str, ...]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        if name == "bedford-cpc-feedback-2016.md":
            text = (TEXT / "lambeth-cpc-feedback-2016.md").read_text(encoding="utf-8")
            (folder / name).write_text(text.replace("Lambeth", "Bedford"), encoding="utf-8")
        else:
            shutil.copy(TEXT / name.removeprefix("z-"), folder / name)


def _ingest(paths, index_dir, embedder, caplog, **kwargs):
    """Ingest and say whether the generation was written incrementally."""
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="peerchat.ingest"):
        summary = ingest_paths(paths, index_dir, embedder, workers=1, **kwargs)
    incremental = any("generation_incremental" in r.getMessage() for r in caplog.records)
    return summary, incremental


def _canonical(index_dir: Path, embedder) -> dict:
    """Everything a generation answers with, keyed by passage, sentence and term text, not
    by row or term id (those follow the order reports were ingested in)."""
    library = Library.open(index_dir)
    generation = current_generation(index_dir)
    s = library.sentences
    terms_of_id = {i: t for t, i in s.vocab.items()}
    weights = {t: float(s.weights[i]) for t, i in s.vocab.items()}
    vocab = json.loads((generation / sentence_files.VOCAB).read_text())
    df = dict(zip(vocab["terms"], vocab["df"], strict=True))
    keys = np.load(generation / sentence_files.KEYS)
    passages = {}
    for row, chunk in enumerate(library.chunks):
        sentences = []
        for i in range(s.first[row], s.first[row + 1]):
            ids = s.term_ids[s.terms_at[i] : s.terms_at[i + 1]]
            sentences.append(
                (
                    tuple(int(x) for x in s.spans[i][1:]),
                    bytes(np.asarray(s.vectors[i]).tobytes()),
                    int(s.flags[i]),
                    int(keys[i]),
                    tuple(sorted(terms_of_id[int(t)] for t in ids)),
                )
            )
        passages[chunk.id] = (
            chunk,
            bytes(np.asarray(library.dense.vectors[row]).tobytes()),
            tuple(sentences),
        )
    ids = [c.id for c in library.chunks]
    bm25 = {
        q: dict(zip(ids, library.lexical.scores(q, len(ids)).round(5).tolist(), strict=True))
        for q in QUERIES
    }
    lex_vocab = library.lexical.vocab
    counts = {}
    at = np.load(generation / lexical_files.TERMS_AT)
    terms = np.load(generation / lexical_files.TERMS)
    tf = np.load(generation / lexical_files.COUNTS)
    term_of = {i: t for t, i in lex_vocab.items()}
    for row, cid in enumerate(ids):
        counts[cid] = sorted(
            (term_of[int(t)], int(c))
            for t, c in zip(terms[at[row] : at[row + 1]], tf[at[row] : at[row + 1]], strict=True)
        )
    register = library.register
    found = {q: search(library, embedder, q, k=10) for q in QUERIES}
    library.chunks.close()
    return {
        "reports": sorted((st.report.id, st.report.source) for st in library.stored),
        "manifest": (library.manifest.reports, library.manifest.passages, library.manifest.pages),
        "passages": passages,
        "weights": weights,
        "df": df,
        "bm25": bm25,
        "bm25 vocab": sorted(lex_vocab),
        "bm25 counts": counts,
        # In report order, which follows ingest times: compared by id.
        "recommendations": sorted(
            (
                (r, bytes(np.asarray(v).tobytes()))
                for r, v in zip(register.recommendations, register.vectors, strict=True)
            ),
            key=lambda p: p[0].id,
        ),
        "signposts": sorted(register.signposts, key=lambda x: x.id),
        "actions": sorted(register.actions, key=lambda x: x.id),
        # Search breaks ties by row (ranks for fusion: the same paragraph in two reports),
        # so a library in another order finds the same texts with slightly other scores.
        "hit texts": {q: sorted(h.chunk.text for h in hits) for q, hits in found.items()},
        "hits": {q: [(h.chunk.id, h.score) for h in hits] for q, hits in found.items()},
    }


def _assert_same(incremental: dict, full: dict, same_order: bool = False) -> None:
    assert incremental.keys() == full.keys()
    for key in full:
        if key == "hits" and not same_order:
            continue
        if key == "passages":
            assert incremental[key].keys() == full[key].keys(), "the same passages"
            for cid, value in full[key].items():
                assert incremental[key][cid] == value, f"passage {cid} differs"
        else:
            assert incremental[key] == full[key], f"{key} differs"


def _rows(index_dir: Path) -> dict[str, np.ndarray]:
    """A generation's row-ordered arrays (those whose ids do not depend on vocabularies)."""
    generation = current_generation(index_dir)
    names = ("dense.npy", sentence_files.SPANS, sentence_files.VECTORS, sentence_files.FLAGS)
    names += (sentence_files.KEYS, sentence_files.TERMS_AT, lexical_files.TERMS_AT)
    arrays = {name: np.load(generation / name) for name in names}
    arrays["chunk ids"] = np.asarray([c.id for c in Library.open(index_dir).chunks])
    return arrays


def test_adding_reports_incrementally_equals_a_full_write(tmp_path, hash_embedder, caplog):
    folder = tmp_path / "reports"
    _write(folder, A)
    _, incremental = _ingest([folder], tmp_path / "index", hash_embedder, caplog)
    assert not incremental, "the first generation is written whole"
    shutil.copytree(tmp_path / "index", tmp_path / "index-full")

    _write(folder, B)
    summary, incremental = _ingest([folder], tmp_path / "index", hash_embedder, caplog)
    assert incremental, "two new reports are added incrementally"
    assert sorted(summary.ingested) == sorted(B)
    _, incremental = _ingest(
        [folder], tmp_path / "index-full", hash_embedder, caplog, incremental=False
    )
    assert not incremental

    # Row for row, against a full write from the same live generation.
    _assert_same_generation(tmp_path / "index", tmp_path / "index-full", hash_embedder)

    # Passage by passage, against the same files ingested at once from scratch.
    scratch = tmp_path / "scratch"
    _write(scratch, A + B)
    _ingest([scratch], tmp_path / "index-scratch", hash_embedder, caplog)
    ours, theirs = (
        _canonical(tmp_path / "index", hash_embedder),
        _canonical(tmp_path / "index-scratch", hash_embedder),
    )
    # The two libraries read the same files from other folders: only paths differ.
    _assert_same(ours, theirs)


@pytest.mark.parametrize("removed", [B[:1], A[1:2], A[:1] + B[1:]])
def test_removing_reports_incrementally_equals_a_full_write(
    tmp_path, hash_embedder, caplog, removed
):
    """Removing a report from the middle of the library, the feedback report an action
    plan's rows link to, and two reports at once."""
    folder = tmp_path / "reports"
    _write(folder, A + B)
    _ingest([folder], tmp_path / "index", hash_embedder, caplog)
    for name in removed:
        (folder / name).unlink()
    summary, incremental = _ingest([folder], tmp_path / "index", hash_embedder, caplog)
    assert incremental, "removing reports is written incrementally"
    assert sorted(summary.removed) == sorted(removed)

    scratch = tmp_path / "scratch"
    _write(scratch, tuple(n for n in A + B if n not in removed))
    _ingest([scratch], tmp_path / "index-scratch", hash_embedder, caplog)
    _assert_same(
        _canonical(tmp_path / "index", hash_embedder),
        _canonical(tmp_path / "index-scratch", hash_embedder),
    )


def test_adding_and_removing_at_once_then_re_adding(tmp_path, hash_embedder, caplog):
    folder = tmp_path / "reports"
    _write(folder, A)
    _ingest([folder], tmp_path / "index", hash_embedder, caplog)
    (folder / A[0]).unlink()
    _write(folder, B)
    _, incremental = _ingest([folder], tmp_path / "index", hash_embedder, caplog)
    assert incremental
    _write(folder, A[:1])  # back again (written whole if in the same second: it sorts first)
    _ingest([folder], tmp_path / "index", hash_embedder, caplog)

    scratch = tmp_path / "scratch"
    _write(scratch, A + B)
    _ingest([scratch], tmp_path / "index-scratch", hash_embedder, caplog)
    _assert_same(
        _canonical(tmp_path / "index", hash_embedder),
        _canonical(tmp_path / "index-scratch", hash_embedder),
    )


def test_the_ivf_index_is_reused_with_its_rows_renumbered(tmp_path, hash_embedder, caplog):
    """Above the approximate-search threshold the previous IVF index is kept (not trained
    again): with every list probed it must find exactly what exact search finds."""
    folder = tmp_path / "reports"
    _write(folder, A + B[:1])
    index_dir = tmp_path / "index"
    _ingest([folder], index_dir, hash_embedder, caplog, ann_min_passages=50)
    first = current_generation(index_dir)
    trained = json.loads((first / "dense_ivf.json").read_text())["passages"]
    (folder / A[1]).unlink()  # rows after it move down
    _write(folder, B[1:])
    _, incremental = _ingest([folder], index_dir, hash_embedder, caplog, ann_min_passages=50)
    assert incremental
    generation = current_generation(index_dir)
    assert json.loads((generation / "dense_ivf.json").read_text())["passages"] == trained

    dense = DenseIndex.load(generation)
    assert dense.approximate
    dense._approximate.nprobe = dense._approximate.nlist
    assert dense._approximate.ntotal == dense.size
    exact = DenseIndex(dense.vectors)
    for row in range(0, dense.size, 7):
        query = np.asarray(dense.vectors[row])
        rows, sims = dense.top(query, 10)
        exact_rows, exact_sims = exact.top(query, 10)
        assert np.allclose(sims, exact_sims, atol=1e-5), f"row {row}"
        assert set(rows[sims > exact_sims[-1] + 1e-5]) <= set(exact_rows)


def test_report_texts_stay_on_disk_and_survive_a_full_write(tmp_path, hash_embedder, caplog):
    """The library holds report records without their text; a generation written whole
    from it (a renamed file is not an incremental change) still stores every text."""
    folder = tmp_path / "reports"
    _write(folder, A[2:])
    index_dir = tmp_path / "index"
    _ingest([folder], index_dir, hash_embedder, caplog)
    library = Library.open(index_dir)
    assert all(s.report.text == "" for s in library.stored), "no report text in memory"
    whole = library.with_texts(library.stored)
    expected = {s.report.id: s.report.text for s in whole}
    assert all(expected.values())
    assert all(library.report_text(rid) == text for rid, text in expected.items())
    library.chunks.close()

    (folder / A[2]).rename(folder / "renamed.md")
    summary, incremental = _ingest([folder], index_dir, hash_embedder, caplog)
    assert not incremental and summary.unchanged
    conn = sqlite3.connect(current_generation(index_dir) / "store.sqlite")
    stored = dict(conn.execute("SELECT id, text FROM reports"))
    conn.close()
    assert stored == expected


def test_bm25_from_term_counts_scores_exactly_as_bm25s():
    """The numpy BM25 build (which both writers use) against bm25s's own `index`."""
    import bm25s

    from peerchat.index.store.lexical import LexicalIndex, tokenize

    texts = [
        part
        for path in sorted(TEXT.iterdir())
        for part in path.read_text(encoding="utf-8").split("\n\n")
        if part.strip()
    ] + ["the and of"]  # no term left: bm25s needs a placeholder
    reference = bm25s.BM25()
    reference.index([tokenize(t) or [lexical_files.EMPTY] for t in texts], show_progress=False)
    ours = LexicalIndex.build(texts)
    for query in QUERIES + ("the council", "zzz", "housing growth"):
        expected = LexicalIndex(reference).scores(query, len(texts))
        assert np.array_equal(ours.scores(query, len(texts)), expected), query


def test_a_first_ingest_from_the_parse_cache_equals_one_that_reads_the_files(
    tmp_path, hash_embedder, caplog
):
    """A whole library written from passages read back from the parse cache (an ingest
    resumed, or the files read before) is the library written from the files: the full
    writer streams passages from the parse cache into the store and reads them back."""
    folder = tmp_path / "reports"
    _write(folder, A + B)
    _ingest([folder], tmp_path / "index", hash_embedder, caplog)
    (tmp_path / "again").mkdir()
    shutil.copy(tmp_path / "index" / "parse-cache.sqlite", tmp_path / "again")
    summary, incremental = _ingest([folder], tmp_path / "again", hash_embedder, caplog)
    assert not incremental and sorted(summary.ingested) == sorted(A + B)
    _assert_same_generation(tmp_path / "again", tmp_path / "index", hash_embedder)


def _assert_same_generation(ours_dir: Path, theirs_dir: Path, embedder) -> None:
    """The two indexes' live generations hold the same arrays, row for row, and the same
    reports, passages and register in the same order."""
    ours, theirs = _rows(ours_dir), _rows(theirs_dir)
    for name, array in theirs.items():
        assert np.array_equal(ours[name], array), f"{name} differs"
    _assert_same(_canonical(ours_dir, embedder), _canonical(theirs_dir, embedder), same_order=True)
