"""`make bench`: this project against the tutorial baseline on the dev questions, then the
synthetic corpus at each size; writes benchmarks/RESULTS.md (and results.json beside it).

    python -m benchmarks.run [--sizes 100,1000,5000] [--work benchmarks/.work]

Every measurement runs in its own process (see measure.py). Each size is ingested into a
fresh index folder; the largest may start from the embedding cache of the size before it
(`--reuse-cache`, on by default for 5,000 and said so in the table): the generated reports
recombine the same sections, so most of their sentences were embedded there already.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
PYTHON = sys.executable
PEERCHAT = str(Path(sys.executable).parent / "peerchat")
QUESTIONS = ROOT / "tests" / "data" / "dev_questions.jsonl"
SAMPLE = ROOT / "data" / "reports"
SEED = 7


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,5000")
    parser.add_argument("--work", type=Path, default=BENCH / ".work")
    parser.add_argument("--out", type=Path, default=BENCH / "RESULTS.md")
    parser.add_argument(
        "--reuse-cache-from", type=int, default=5000, help="sizes from this up reuse the cache"
    )
    parser.add_argument(
        "--render", action="store_true", help="only write RESULTS.md again from results.json"
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the sizes of results.json that this run does not measure",
    )
    args = parser.parse_args()
    if args.render:
        results = json.loads((args.out.parent / "results.json").read_text())
        args.out.write_text(render(results), encoding="utf-8")
        return 0
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    # Every step runs this checkout's code, even with the package installed from another.
    os.environ["PYTHONPATH"] = str(ROOT)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    saved = args.out.parent / "results.json"
    results: dict = json.loads(saved.read_text()) if saved.exists() and args.keep else {}
    results.update(machine=machine(), started=time.strftime("%Y-%m-%d %H:%M UTC"))
    commit = git_commit()

    log("dev questions: this project")
    results["ours"] = ours(work)
    log("dev questions: the baseline")
    results["baseline"] = baseline(work)

    corpus = work / "corpus"
    if sizes:
        generate(corpus, max(sizes) + 1)  # one more: the report added to each library
    results.setdefault("sizes", {})
    previous_index: Path | None = None
    for size in sizes:
        folder = subset(corpus, size, work / f"corpus-{size}")
        index_dir = work / f"index-{size}"
        shutil.rmtree(index_dir, ignore_errors=True)
        index_dir.mkdir(parents=True)
        reused = False
        if size >= args.reuse_cache_from and previous_index is not None:
            shutil.copy(previous_index / "embed-cache.sqlite", index_dir / "embed-cache.sqlite")
            reused = True
        log(f"{size} reports: ingest")
        ingest = measure("ingest", folder, index_dir)
        ingest["reused_cache"] = reused
        log(f"{size} reports: queries")
        query = measure("query", index_dir, corpus)
        log(f"{size} reports: add one report, then remove it")
        incremental = measure_incremental(index_dir, folder, report_file(corpus, size))
        results["sizes"][str(size)] = {
            "ingest": ingest,
            "query": query,
            "incremental": incremental,
            "measured": time.strftime("%Y-%m-%d %H:%M UTC"),
            "commit": commit,
        }
        if size == max(sizes):
            log(f"{size} reports: exact search against HNSW and IVF")
            results["ann"] = measure_ann(index_dir)
        previous_index = index_dir
        (args.out.parent / "results.json").write_text(json.dumps(results, indent=2))
    results["finished"] = time.strftime("%Y-%m-%d %H:%M UTC")
    (args.out.parent / "results.json").write_text(json.dumps(results, indent=2))
    args.out.write_text(render(results), encoding="utf-8")
    print(args.out.read_text(encoding="utf-8"))
    return 0


def ours(work: Path) -> dict:
    index_dir = work / "sample-index"
    shutil.rmtree(index_dir, ignore_errors=True)
    env = {**os.environ, "PEERCHAT_INDEX_DIR": str(index_dir)}
    started = time.monotonic()
    run([PEERCHAT, "ingest", str(SAMPLE), "--quiet"], env)
    ingest_s = time.monotonic() - started
    scores = score([PEERCHAT, "ask", "--json", "-"], env)
    return {"ingest_s": round(ingest_s, 1), **scores}


def baseline(work: Path) -> dict:
    index_dir = work / "baseline-index"
    shutil.rmtree(index_dir, ignore_errors=True)
    started = time.monotonic()
    run([PYTHON, "-m", "benchmarks.baseline", "build", str(SAMPLE), str(index_dir)], os.environ)
    ingest_s = time.monotonic() - started
    scores = score([PYTHON, "-m", "benchmarks.baseline", "ask", str(index_dir)], os.environ)
    return {"ingest_s": round(ingest_s, 1), **scores}


def score(command: list[str], env: dict) -> dict:
    out = run([PYTHON, "-m", "peerchat.scoring", str(QUESTIONS), "--", *command], env)
    return json.loads(out.strip().splitlines()[-1])


def generate(corpus: Path, count: int) -> None:
    listed = corpus / "reports.jsonl"
    if listed.exists() and len(listed.read_text().splitlines()) >= count:
        return
    log(f"generating {count} reports")
    shutil.rmtree(corpus, ignore_errors=True)
    run(
        [
            PYTHON,
            "-m",
            "benchmarks.generate",
            str(corpus),
            "--count",
            str(count),
            "--seed",
            str(SEED),
        ],
        os.environ,
    )


def subset(corpus: Path, size: int, folder: Path) -> Path:
    """A folder holding the first `size` generated reports (hard links)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for line in (corpus / "reports.jsonl").read_text().splitlines()[:size]:
        name = json.loads(line)["file"]
        os.link(corpus / name, folder / name)
    return folder


def report_file(corpus: Path, number: int) -> Path:
    """The generated report number `number` (0-based)."""
    line = (corpus / "reports.jsonl").read_text().splitlines()[number]
    return corpus / json.loads(line)["file"]


def measure_incremental(index_dir: Path, folder: Path, extra: Path) -> dict:
    out = run(
        [
            PYTHON,
            "-m",
            "benchmarks.measure",
            "incremental",
            str(index_dir),
            str(folder),
            str(extra),
        ],
        os.environ,
    )
    return json.loads(out.strip().splitlines()[-1])


def measure_ann(index_dir: Path) -> dict:
    out = run([PYTHON, "-m", "benchmarks.measure", "ann", str(index_dir)], os.environ)
    return json.loads(out.strip().splitlines()[-1])


def measure(kind: str, first: Path, second: Path) -> dict:
    out = run([PYTHON, "-m", "benchmarks.measure", kind, str(first), str(second)], os.environ)
    return json.loads(out.strip().splitlines()[-1])


def run(command: list[str], env) -> str:
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"failed: {' '.join(command)}")
    return proc.stdout


def git_commit() -> str:
    proc = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return proc.stdout.strip() or "?"


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        memory = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
        memory_gib = round(int(memory) / 2**20, 1)
    except OSError:
        memory_gib = 0
    return {
        "cpus": os.cpu_count(),
        "cpu": model,
        "memory_gib": memory_gib,
        "python": platform.python_version(),
        "system": platform.platform(),
    }


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def render(r: dict) -> str:
    m = r["machine"]
    lines = [
        "# Benchmark results",
        "",
        f"Written by `make bench` (`python -m benchmarks.run`), started {r['started']}, "
        f"finished {r.get('finished', '?')}, on {m['cpus']} × {m['cpu'] or 'CPU'}, "
        f"{m['memory_gib']} GiB, Python {m['python']}, no GPU. The embedding model is "
        "all-MiniLM-L6-v2 on the CPU throughout.",
        "",
        "## This project against the tutorial pipeline (dev questions, sample corpus)",
        "",
        "Both scored by the same scorer (`peerchat/scoring.py`, a copy of "
        "`../shared/eval/score.py`) on the 15 "
        "dev questions over the five sample PDFs. The baseline is `benchmarks/baseline.py`: "
        "pypdf page text, 1,000-character chunks with 200 overlapping, MiniLM, a FAISS flat "
        "index, top 4. Ingest times include loading the model.",
        "",
        "| pipeline | evidence_hit@5 | aggregate_council_recall | answer_match | "
        "absent_correct | markers valid | ingest s | all 15 questions s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, row in (("peerchat", r["ours"]), ("baseline", r["baseline"])):
        lines.append(
            f"| {name} | {row['evidence_hit@5']} | {row['aggregate_council_recall']} | "
            f"{row['answer_match']} | {row['absent_correct']} | "
            f"{row['citation_markers_valid']} | {row['ingest_s']} | {row['wall_s']} |"
        )
    lines += [
        "",
        "The query column is the whole batch through one process, model load included.",
        "",
        "## The synthetic corpus at each size",
        "",
        "Reports made by `benchmarks/generate.py` (seed 7): sections of the sample reports "
        "recombined under other councils' names, dates, types, page counts and four house "
        "styles; every tenth carries a planted passage. Latencies are with the model and "
        "index loaded, over 40 questions of each kind after 3 warm-up questions. "
        "Single-council questions name a council (the search is narrowed to its reports); "
        "cross-report ones do not.",
        "",
    ]
    sizes = dict(sorted(r["sizes"].items(), key=lambda item: int(item[0])))
    header = "| | " + " | ".join(f"{s} reports" for s in sizes) + " |"
    lines += [header, "|---" * (len(sizes) + 1) + "|"]

    def row(label: str, get) -> None:
        cells = []
        for s in sizes.values():
            try:
                value = get(s)
            except (KeyError, TypeError):
                value = "–"
            cells.append("–" if value is None else str(value))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    row("measured (UTC), commit", lambda s: f"{s.get('measured', '?')}, {s.get('commit', '?')}")
    row("pages", lambda s: s["ingest"]["pages"])
    row("passages", lambda s: s["ingest"]["passages"])
    row("texts (passages + sentences)", lambda s: s["ingest"]["texts"])
    row("sentences embedded afresh", lambda s: s["ingest"]["embedded_fresh"])
    row("embedding cache of the size before reused", lambda s: s["ingest"]["reused_cache"])
    row("ingest s (model loaded)", lambda s: s["ingest"]["ingest_s"])
    row("… reading files s", lambda s: s["ingest"]["read_s"])
    row("… embedding s", lambda s: s["ingest"]["embed_s"])
    row("… index build s (store, sentences, BM25, IVF)", lambda s: s["ingest"]["index_build_s"])
    row("**ingest pages/s**", lambda s: s["ingest"]["pages_per_s"])
    row("ingest peak RSS MB", lambda s: s["ingest"]["peak_rss_mb"])
    row("index on disk MB (one generation)", lambda s: s["ingest"]["index_mb"])
    row("caches on disk MB (embeddings, parses)", lambda s: s["ingest"]["caches_mb"])
    row("dense search", lambda s: "IVF" if s["ingest"]["approximate"] else "exact")
    row("model load s", lambda s: s["query"]["model_load_s"])
    row("index load s", lambda s: s["query"]["index_load_s"])
    for kind, label in (
        ("search_single", "search, single council"),
        ("search_cross", "search, cross-report"),
        ("ask_single", "ask, single council"),
        ("ask_cross", "ask, cross-report"),
    ):
        row(f"{label} p50 ms", lambda s, k=kind: s["query"][k]["p50_ms"])
        row(f"**{label} p95 ms**", lambda s, k=kind: s["query"][k]["p95_ms"])
    row("**ANN recall@10** (IVF vs exact)", lambda s: s["query"]["ann_recall@10"])
    row("**planted-passage recall@10**", lambda s: s["query"]["planted_recall@10"])
    row("planted passages checked", lambda s: s["query"]["planted"])
    row("query process peak RSS MB", lambda s: s["query"]["peak_rss_mb"])
    row(
        "**add one report s** (ingest FILE to answering, model loaded)",
        lambda s: s["incremental"]["add"]["seconds"],
    )
    row(
        "**remove one report s** (re-index the folder)",
        lambda s: s["incremental"]["remove"]["seconds"],
    )
    row(
        "… written incrementally (add, remove)",
        lambda s: (
            f"{s['incremental']['add']['incremental']}, {s['incremental']['remove']['incremental']}"
        ),
    )
    row("add and remove process peak RSS MB", lambda s: s["incremental"]["peak_rss_mb"])
    row("load average (1 min) before add", lambda s: s["incremental"]["load_before"])
    ann = r.get("ann")
    if ann:
        lines += [
            "",
            f"## Exact or approximate search ({ann['passages']} passages, the largest size)",
            "",
            "The passage vectors of the largest index searched for 200 queries (passage "
            "vectors with a little noise), exactly and with two FAISS approximate indexes. "
            "This is what sets `ANN_MIN_PASSAGES` in index/build/update.py.",
            "",
            "| method | build s | p50 ms | p95 ms | recall@10 |",
            "|---|---|---|---|---|",
        ]
        for name, m in ann.items():
            if isinstance(m, dict):
                lines.append(
                    f"| {name} | {m.get('build_s', '–')} | {m['p50_ms']} | {m['p95_ms']} | "
                    f"{m.get('recall@10', 1.0)} |"
                )
    lines += [
        "",
        "Notes:",
        "",
        "- Sentences are embedded once each (through the embedding cache); a passage's "
        "vector is the normalised mean of its sentences', so passages are not embedded "
        "separately. The generated reports repeat the sample reports' sentences, so most "
        "come from the cache: the 'afresh' row is the real embedding work. Real reports "
        "repeat far less; see docs/SCALING.md for the cold-embedding rate.",
        "- ANN recall@10 compares the IVF index's top 10 (nprobe 32) with exact search over the same "
        "vectors for 200 queries (10 topics and 190 phrases from random passages); '–' where "
        "the index is exact. It is counted as ann-benchmarks counts it: a returned passage "
        "is a true neighbour when its similarity is within 1e-3 of the exact 10th best, "
        "because the generated library holds many identical passages (the same paragraphs "
        "in many reports) and any of them is an equally right answer.",
        "- Planted-passage recall@10: the question about each planted programme, searched "
        "over the whole library; found when a top-10 passage is from the right file and "
        "names the programme.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
