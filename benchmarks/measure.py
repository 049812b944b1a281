"""One benchmark measurement, run in its own process so that its peak memory is its own.

    python -m benchmarks.measure ingest REPORTS_DIR INDEX_DIR
    python -m benchmarks.measure query INDEX_DIR CORPUS_DIR
    python -m benchmarks.measure ann INDEX_DIR
    python -m benchmarks.measure incremental INDEX_DIR REPORTS_DIR FILE
    python -m benchmarks.measure ivf-growth INDEX_DIR

Each prints one JSON object. `ingest` times a full ingest with the real model; `query`
times loading the index, searches and answers (single-council and cross-report), and
measures the approximate index's recall against exact search and the planted passages' recall.
"""

from __future__ import annotations

import json
import os
import random
import resource
import sys
import time
from pathlib import Path

import numpy as np

from peerchat.core.settings import Settings
from peerchat.index.answer import Assistant
from peerchat.index.build import ingest_paths
from peerchat.index.embedding import HashEmbedder, embedder_for

TOPICS = (
    ("narrow priorities", "focus on a narrower set of priorities"),
    ("member officer relationships", "build trust between members and officers"),
    ("financial planning and savings", "close the budget gap with a savings plan"),
    ("scrutiny and governance", "strengthen overview and scrutiny"),
    ("staff engagement and communication", "communicate the vision to staff"),
    ("partnership working", "work with partners on a shared vision for the place"),
    ("capacity to deliver transformation", "build capacity for the transformation programme"),
    ("performance management", "improve performance reporting"),
    ("commercial income", "develop a commercial strategy"),
    ("housing growth", "deliver more housing"),
)
WARM_UP = 3
REPEATS = 40


def _embedder():
    """MiniLM (run by the backend of PEERCHAT_EMBED_BACKEND), or with
    PEERCHAT_BENCH_EMBEDDER=hash the deterministic hash embedder: for timing the index
    writes alone, when embedding would take hours on a busy machine."""
    if os.environ.get("PEERCHAT_BENCH_EMBEDDER") == "hash":
        return HashEmbedder()
    return embedder_for(Settings.from_env())


def measure_ingest(reports: Path, index_dir: Path) -> dict:
    """A full ingest of `reports` into `index_dir` with the real model, by the backend of
    PEERCHAT_EMBED_BACKEND (or the hash embedder: `_embedder`). CPU seconds count the parse worker processes too; the load
    average beside them says how much the machine's other work may have slowed the wall
    clock."""
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    embedder = _embedder()
    loaded = time.monotonic()
    cpu_before = _cpu_s()
    stages: dict[str, float] = {}

    def progress(stage: str, done: int, total: int) -> None:
        stages.setdefault(stage, time.monotonic())

    summary = ingest_paths([reports], index_dir, embedder, progress=progress)
    finished = time.monotonic()
    cpu = _cpu_s() - cpu_before
    seconds = finished - loaded
    marks = [stages.get(s, finished) for s in ("reading", "embedding", "indexing")] + [finished]
    generation = index_dir / (index_dir / "CURRENT").read_text().strip()
    texts = summary.passages + int(len(np.load(generation / "sentence_spans.npy", mmap_mode="r")))
    return {
        "embedder": embedder.name,
        "reports": summary.reports,
        "pages": summary.pages,
        "passages": summary.passages,
        "texts": texts,
        "embedded_fresh": summary.embedded,
        "skipped": len(summary.skipped),
        "model_load_s": round(loaded - started, 2),
        "ingest_s": round(seconds, 1),
        "read_s": round(marks[1] - marks[0], 1),
        "embed_s": round(marks[2] - marks[1], 1),
        "index_build_s": round(marks[3] - marks[2], 1),
        "pages_per_s": round(summary.pages / seconds, 1),
        "cpu_s": round(cpu, 1),
        "pages_per_cpu_s": round(summary.pages / cpu, 2) if cpu else None,
        "load1": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "index_mb": round(_size(generation) / 2**20, 1),
        "caches_mb": round(
            sum(
                _size(index_dir / n)
                for n in ("embed-cache.sqlite", "parse-cache.sqlite", "file-digests.sqlite")
            )
            / 2**20,
            1,
        ),
        "approximate": (generation / "dense.ivf").exists(),
        "peak_rss_mb": _peak_rss_mb(),
    }


def measure_query(index_dir: Path, corpus: Path) -> dict:
    started = time.monotonic()
    embedder = _embedder()
    model_loaded = time.monotonic()
    assistant = Assistant.load(Settings(index_dir=index_dir), embedder)
    loaded = time.monotonic()
    library = assistant.library
    rng = random.Random(11)
    councils = library.councils
    single_search = [
        f"{rng.choice(councils)} {topic}" for topic, _ in TOPICS for _ in range(REPEATS // 10)
    ]
    cross_search = [topic for topic, _ in TOPICS] * (REPEATS // 10)
    single_ask = [
        f"What did the peer team say about {topic} at {rng.choice(councils)}?"
        for topic, _ in TOPICS
        for _ in range(REPEATS // 10)
    ]
    cross_ask = [f"Which councils were told to {aim}?" for _, aim in TOPICS] * (REPEATS // 10)
    result = {
        "model_load_s": round(model_loaded - started, 2),
        "index_load_s": round(loaded - model_loaded, 2),
        "search_single": _latency(lambda q: assistant.search(q, k=10), single_search),
        "search_cross": _latency(lambda q: assistant.search(q, k=10), cross_search),
        "ask_single": _latency(assistant.answer, single_ask),
        "ask_cross": _latency(assistant.answer, cross_ask),
    }
    result["ann_recall@10"] = _ann_recall(assistant, [t for t, _ in TOPICS], rng)
    result["planted_recall@10"], result["planted"] = _planted_recall(assistant, corpus)
    result["peak_rss_mb"] = _peak_rss_mb()
    return result


def _vectors_and_queries(index_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """The live generation's passage vectors, and 200 queries: passage vectors with a
    little noise (seeded), so that each has near neighbours but is not in the index."""
    generation = index_dir / (index_dir / "CURRENT").read_text().strip()
    vectors = np.ascontiguousarray(np.load(generation / "dense.npy"), dtype=np.float32)
    rng = np.random.default_rng(5)
    queries = vectors[rng.choice(len(vectors), 200, replace=False)]
    queries = queries + rng.normal(0, 0.04, queries.shape).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    return vectors, queries


def measure_ann(index_dir: Path) -> dict:
    """Exact search against two approximate indexes (HNSW, IVF) over the same passage
    vectors: build time, latency and recall@10 of each, for 200 queries (passage vectors
    with noise, so that each has near neighbours but is not itself in the index)."""
    import faiss

    vectors, queries = _vectors_and_queries(index_dir)
    exact_times, truth = [], []
    for q in queries:
        t = time.perf_counter()
        scores = vectors @ q
        np.argpartition(-scores, 9)[:10]
        exact_times.append((time.perf_counter() - t) * 1000)
        truth.append(scores)
    out: dict = {"passages": len(vectors), "exact": _summary(exact_times)}
    dim = vectors.shape[1]
    hnsw = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = 80
    nlist = int(4 * np.sqrt(len(vectors)))
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
    for name, index, train in (("hnsw", hnsw, False), ("ivf", ivf, True)):
        t = time.perf_counter()
        if train:
            index.train(vectors)
        index.add(vectors)
        built = time.perf_counter() - t
        for setting in (64, 128) if name == "hnsw" else (8, 32):
            if name == "hnsw":
                index.hnsw.efSearch = setting
            else:
                index.nprobe = setting
            times, recalls = _timed_recall(index, queries, truth)
            key = f"{name} {'efSearch' if name == 'hnsw' else 'nprobe'}={setting}"
            out[key] = {
                **_summary(times),
                "recall@10": round(float(np.mean(recalls)), 3),
                "build_s": round(built, 1),
            }
    return out


def measure_ivf_growth(index_dir: Path) -> dict:
    """How far an IVF index can grow without training its centroids again (what sets
    RETRAIN_GROWTH in index/store/dense.py): centroids learnt from the first 1/g of the
    passages, every passage added, recall@10 (nprobe 32, as searched) against exact search
    for 200 queries, beside an index trained on all of them."""
    import faiss

    from peerchat.index.store.dense import NPROBE

    vectors, queries = _vectors_and_queries(index_dir)
    truth = [vectors @ q for q in queries]
    dim, n = vectors.shape[1], len(vectors)
    out: dict = {"passages": n}
    for growth in (1.0, 1.5, 2.0, 3.0, 4.0):
        first = int(n / growth)
        lists = max(1, int(4 * np.sqrt(first)))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, lists, faiss.METRIC_INNER_PRODUCT)
        index.train(vectors[:first])
        index.add(vectors)
        index.nprobe = NPROBE
        times, recalls = _timed_recall(index, queries, truth)
        out[f"grown {growth}x"] = {
            "trained_on": first,
            "lists": lists,
            "recall@10": round(float(np.mean(recalls)), 3),
            **_summary(times),
        }
    return out


def _timed_recall(index, queries, truth) -> tuple[list[float], list[float]]:
    """Milliseconds and recall@10 of each query searched alone in `index`."""
    times, recalls = [], []
    for q, want in zip(queries, truth):
        t = time.perf_counter()
        _, rows = index.search(q.reshape(1, -1), 10)
        times.append((time.perf_counter() - t) * 1000)
        recalls.append(knn_recall(rows[0], want))
    return times, recalls


def _summary(times: list[float]) -> dict:
    return {
        "p50_ms": round(float(np.percentile(times, 50)), 2),
        "p95_ms": round(float(np.percentile(times, 95)), 2),
    }


def _latency(run, queries: list[str]) -> dict:
    for q in queries[:WARM_UP]:
        run(q)
    times = []
    for q in queries:
        t = time.perf_counter()
        run(q)
        times.append((time.perf_counter() - t) * 1000)
    return {
        "n": len(times),
        "p50_ms": round(float(np.percentile(times, 50)), 1),
        "p95_ms": round(float(np.percentile(times, 95)), 1),
    }


def _ann_recall(assistant: Assistant, topics: list[str], rng: random.Random) -> float | None:
    """Mean overlap of the graph's top 10 with exact search's, over topic queries and
    sentences taken from random passages; None when the index is exact."""
    dense = assistant.library.dense
    if not dense.approximate:
        return None
    chunks = assistant.library.chunks
    queries = list(topics)
    for row in rng.sample(range(len(chunks)), 190):
        words = chunks[row].text.split()
        start = rng.randrange(max(1, len(words) - 12))
        queries.append(" ".join(words[start : start + 12]))
    vectors = assistant.embedder.embed(queries)
    recalls = []
    for vector in vectors:
        approx, _ = dense.top(vector, 10)
        recalls.append(knn_recall(approx, dense.scores(vector)))
    return round(float(np.mean(recalls)), 3)


def knn_recall(rows: np.ndarray, exact: np.ndarray, k: int = 10) -> float:
    """The share of the `k` rows returned that are true `k` nearest neighbours, counted as
    ann-benchmarks counts it: a row is one when its similarity is within 1e-3 of the
    k-th best exact similarity, so that of many identical passages (the same text in
    several reports) any may be returned."""
    kth = np.partition(-exact, k - 1)[k - 1] * -1
    return float(np.sum(exact[rows[:k]] >= kth - 1e-3)) / k


def _planted_recall(assistant: Assistant, corpus: Path) -> tuple[float | None, int]:
    """Share of the planted passages (of reports in the library) found in the top 10."""
    sources = {s.report.source for s in assistant.library.stored}
    planted = [
        json.loads(line)
        for line in (corpus / "planted.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    planted = [p for p in planted if p["file"] in sources]
    if not planted:
        return None, 0
    found = 0
    for p in planted:
        name = p["text"].split(" programme")[0].split("the ")[-1]
        hits = assistant.search(p["question"], k=10)
        found += any(h.chunk.source == p["file"] and name in h.chunk.text for h in hits)
    return round(found / len(planted), 3), len(planted)


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


def _cpu_s() -> float:
    """CPU seconds used so far by this process and its finished children (parse workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure_incremental(index_dir: Path, reports: Path, extra: Path) -> dict:
    """Add one report (`extra`, copied into the library's folder `reports`) and remove it
    again, as `peerchat ingest FILE` and the app's Remove (which re-indexes the folder) do:
    seconds from the ingest call to the new generation answering a search, the model
    loaded beforehand (not counted); whether each generation was written incrementally."""
    import logging
    import shutil

    from peerchat.index.search import search
    from peerchat.index.store import Library

    embedder = _embedder()
    embedder.embed(["warm up"])
    written: list[str] = []

    class Events(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            written.append(record.getMessage())

    logging.getLogger("peerchat.ingest").addHandler(Events())
    logging.getLogger("peerchat.ingest").setLevel(logging.INFO)
    path = reports / extra.name
    shutil.copy(extra, path)
    out: dict = {"load_before": os.getloadavg()[0]}
    for step, paths in (("add", [path]), ("remove", [reports])):
        if step == "remove":
            path.unlink()
        written.clear()
        started = time.monotonic()
        summary = ingest_paths(paths, index_dir, embedder)
        library = Library.open(index_dir)
        hits = search(library, embedder, "narrow the council's priorities", k=5)
        seconds = time.monotonic() - started
        library.chunks.close()
        out[step] = {
            "seconds": round(seconds, 2),
            "incremental": any("generation_incremental" in m for m in written),
            "changed": len(summary.ingested) + len(summary.removed),
            "reports": summary.reports,
            "answered": bool(hits),
            "load_after": os.getloadavg()[0],
        }
    out["peak_rss_mb"] = _peak_rss_mb()
    return out


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "ingest":
        print(json.dumps(measure_ingest(Path(sys.argv[2]), Path(sys.argv[3]))))
        return 0
    if len(sys.argv) == 5 and sys.argv[1] == "incremental":
        paths = [Path(a) for a in sys.argv[2:]]
        print(json.dumps(measure_incremental(*paths)))
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "ivf-growth":
        print(json.dumps(measure_ivf_growth(Path(sys.argv[2]))))
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "ann":
        print(json.dumps(measure_ann(Path(sys.argv[2]))))
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "query":
        print(json.dumps(measure_query(Path(sys.argv[2]), Path(sys.argv[3]))))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
