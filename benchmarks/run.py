"""`make bench`: this project against the tutorial baseline on the dev questions, then the
synthetic corpus at each size; writes benchmarks/RESULTS.md (and results.json beside it).

    python -m benchmarks.run [--sizes 100,1000,5000] [--cold-sizes 100,1000]
                             [--work benchmarks/.work] [--cold-only | --scale-only]

Every measurement runs in its own process (see measure.py). Each size is ingested into a
fresh index folder; the largest may start from the embedding cache of the size before it
(`--reuse-cache-from`, on by default for 5,000 and said so in the table): the generated
reports recombine the same sections, so most of their sentences were embedded there
already. `--scale-only` measures only the synthetic corpus at `--sizes` (no dev questions,
no cold benchmark) and keeps every other figure of results.json; a size measured alone
starts from the embedding cache of its own last run, when there is one, and with
`--reuse-parse-cache` from its parse cache too (the table says so: reading time is then
not comparable, memory and the index build are).

The cold benchmark (`--cold-sizes`; `make bench-cold` runs it alone) ingests reports made
with `generate --fresh`, whose sentences are all new, into an empty index folder (nothing
cached), then the same files again into another empty folder holding only the first's
embedding cache (the cached figure), then builds the tutorial pipeline's index of the same
files (benchmarks/baseline.py). The embedding backend is PEERCHAT_EMBED_BACKEND's.
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
    parser.add_argument("--cold-sizes", default="100,1000")
    parser.add_argument(
        "--cold-only", action="store_true", help="only the cold benchmark (keeps the rest)"
    )
    parser.add_argument(
        "--scale-only",
        action="store_true",
        help="only the synthetic corpus at --sizes (keeps the rest, other sizes included)",
    )
    parser.add_argument("--work", type=Path, default=BENCH / ".work")
    parser.add_argument("--out", type=Path, default=BENCH / "RESULTS.md")
    parser.add_argument(
        "--reuse-cache-from", type=int, default=5000, help="sizes from this up reuse the cache"
    )
    parser.add_argument(
        "--reuse-parse-cache",
        action="store_true",
        help="with --scale-only: also start from the parse cache of the size's last run "
        "(the files are not read again; said so in the table)",
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
    cold_sizes = [int(s) for s in args.cold_sizes.split(",") if s]
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    saved = args.out.parent / "results.json"
    keep = args.keep or args.cold_only or args.scale_only
    results: dict = json.loads(saved.read_text()) if saved.exists() and keep else {}
    commit = git_commit()
    if args.cold_only:
        results["cold"] = cold(work, cold_sizes, commit, results.get("cold", {}), saved, results)
        args.out.write_text(render(results), encoding="utf-8")
        print(args.out.read_text(encoding="utf-8"))
        return 0
    if not args.scale_only:
        results.update(machine=machine(), started=time.strftime("%Y-%m-%d %H:%M UTC"))
        log("dev questions: this project")
        results["ours"] = ours(work)
        log("dev questions: the baseline")
        results["baseline"] = baseline(work)
    else:
        cold_sizes = []

    corpus = work / "corpus"
    if sizes:
        generate(corpus, max(sizes) + 1)  # one more: the report added to each library
    results.setdefault("sizes", {})
    previous_index: Path | None = None
    for size in sizes:
        folder = subset(corpus, size, work / f"corpus-{size}")
        index_dir = work / f"index-{size}"
        reused = False
        parse_cache = index_dir / "parse-cache.sqlite"
        carried = work / "previous-parse-cache.sqlite"
        reused_parses = args.reuse_parse_cache and args.scale_only and parse_cache.exists()
        if reused_parses:
            shutil.move(parse_cache, carried)
        if size >= args.reuse_cache_from and previous_index is None:
            # Measured alone: the embedding cache of this size's last run, if there is one.
            earlier = index_dir / "embed-cache.sqlite"
            if earlier.exists():
                previous_index = work / "previous-cache"
                shutil.rmtree(previous_index, ignore_errors=True)
                previous_index.mkdir()
                shutil.move(earlier, previous_index / "embed-cache.sqlite")
        shutil.rmtree(index_dir, ignore_errors=True)
        index_dir.mkdir(parents=True)
        if reused_parses:
            shutil.move(carried, parse_cache)
        if size >= args.reuse_cache_from and previous_index is not None:
            shutil.copy(previous_index / "embed-cache.sqlite", index_dir / "embed-cache.sqlite")
            reused = True
        log(f"{size} reports: ingest")
        ingest = measure("ingest", folder, index_dir)
        ingest["reused_cache"] = reused
        ingest["reused_parse_cache"] = bool(reused_parses)
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
    if cold_sizes:
        results["cold"] = cold(work, cold_sizes, commit, {}, saved, results)
    if args.scale_only:
        args.out.write_text(render(results), encoding="utf-8")
        print(args.out.read_text(encoding="utf-8"))
        return 0
    results["finished"] = time.strftime("%Y-%m-%d %H:%M UTC")
    (args.out.parent / "results.json").write_text(json.dumps(results, indent=2))
    args.out.write_text(render(results), encoding="utf-8")
    print(args.out.read_text(encoding="utf-8"))
    return 0


def cold(work: Path, sizes: list[int], commit: str, done: dict, saved: Path, results: dict) -> dict:
    """Cold, cached and tutorial-pipeline ingest of never-seen reports at each size (each
    size's figures are saved as soon as they are measured)."""
    corpus = work / "corpus-fresh"
    generate(corpus, max(sizes), fresh=True)
    for size in sizes:
        folder = subset(corpus, size, work / f"fresh-{size}")
        cold_dir, cached_dir = work / f"cold-index-{size}", work / f"cached-index-{size}"
        for folder_ in (cold_dir, cached_dir):
            shutil.rmtree(folder_, ignore_errors=True)
            folder_.mkdir(parents=True)
        log(f"{size} never-seen reports: cold ingest")
        row = {"cold": measure("ingest", folder, cold_dir)}
        shutil.copy(cold_dir / "embed-cache.sqlite", cached_dir / "embed-cache.sqlite")
        log(f"{size} never-seen reports: the same files with their embeddings cached")
        row["cached"] = measure("ingest", folder, cached_dir)
        log(f"{size} never-seen reports: the tutorial pipeline")
        baseline_dir = work / f"baseline-index-{size}"
        shutil.rmtree(baseline_dir, ignore_errors=True)
        out = run(
            [PYTHON, "-m", "benchmarks.baseline", "build", str(folder), str(baseline_dir)],
            os.environ,
        )
        row["baseline"] = json.loads(out.strip().splitlines()[-1])
        row["measured"] = time.strftime("%Y-%m-%d %H:%M UTC")
        row["commit"] = commit
        done[str(size)] = row
        results["cold"] = done
        saved.write_text(json.dumps(results, indent=2))
    return done


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


def generate(corpus: Path, count: int, fresh: bool = False) -> None:
    listed = corpus / "reports.jsonl"
    if listed.exists() and len(listed.read_text().splitlines()) >= count:
        return
    log(f"generating {count} {'never-seen ' if fresh else ''}reports")
    shutil.rmtree(corpus, ignore_errors=True)
    command = [PYTHON, "-m", "benchmarks.generate", str(corpus), "--count", str(count)]
    run(command + ["--seed", str(SEED)] + (["--fresh"] if fresh else []), os.environ)


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
    row(
        "embedding cache reused (the size before's, or this size's last run's)",
        lambda s: s["ingest"]["reused_cache"],
    )
    row(
        "parse cache of the last run reused (files not read again)",
        lambda s: s["ingest"].get("reused_parse_cache", False),
    )
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
    row("load average (1 min) before add", lambda s: round(s["incremental"]["load_before"], 2))
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
    lines += render_cold(r.get("cold") or {})
    lines += render_backends(BENCH / "backends.json")
    lines += [
        "",
        "Notes:",
        "",
        "- Sentences are embedded once each (through the embedding cache); a passage's "
        "vector is the normalised mean of its sentences', so passages are not embedded "
        "separately. The generated reports repeat the sample reports' sentences, so most "
        "come from the cache: the 'afresh' row is the real embedding work. Real reports "
        "repeat far less; see docs/SCALING.md for the cold-embedding rate.",
        "- A size whose ingest started from the parse cache of an earlier run (the row "
        "above says so; `--reuse-parse-cache`) did not read its files again: its reading "
        "and ingest times are not comparable with the others', its peak memory and index "
        "build are. The add and remove rows are seconds on a shared 2-core machine: the "
        "1-minute load average is beside them.",
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


def render_backends(path: Path) -> list[str]:
    """The embedding backends' speed and answer figures (benchmarks/backends.json, written
    from `make bench-embed` and the scorer's runs, with the commands and the load)."""
    if not path.exists():
        return []
    b = json.loads(path.read_text(encoding="utf-8"))

    def paragraphs(items: list[str]) -> list[str]:
        return [line for item in items for line in (item, "")]

    lines = ["", "## Embedding backends", "", *paragraphs(b["intro"])]
    batches = b["batches"]
    lines += [
        "| backend | " + " | ".join(f"batch {x}" for x in batches) + " | load (1 min) |",
        "|---" * (len(batches) + 2) + "|",
    ]
    for name, row in b["speed"].items():
        cells = [str(row["per_cpu_s"].get(x, "–")) for x in batches]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {row['load']} |")
    lines += ["", *paragraphs(b["speed_notes"])]
    figures = b["answer_figures"]
    keys = b["answer_keys"]
    lines += [
        "| backend | questions | " + " | ".join(keys) + " |",
        "|---" * (len(keys) + 2) + "|",
    ]
    for row in figures:
        lines.append(
            f"| {row['backend']} | {row['file']} | "
            + " | ".join(str(row.get(k, "–")) for k in keys)
            + " |"
        )
    lines += ["", *paragraphs(b["answer_notes"])[:-1]]
    return lines


def render_cold(cold: dict) -> list[str]:
    """The cold benchmark's table (empty when it has not run)."""
    if not cold:
        return []
    sizes = dict(sorted(cold.items(), key=lambda item: int(item[0])))
    lines = [
        "",
        "## Never-seen reports: cold and cached ingest, and the tutorial pipeline",
        "",
        "Reports made by `benchmarks/generate.py --fresh` (seed 7): as above, but every "
        "sentence is new (words swapped from the sample's vocabulary, numbers and names "
        "changed, clauses recombined), so the embedding cache hides nothing. **Cold**: an "
        "empty index folder (no embedding or parse cache). **Cached**: the same files into "
        "another empty folder that holds only the cold run's embedding cache (files are "
        "read again, nothing is embedded). **Tutorial**: `benchmarks/baseline.py build` on "
        "the same files in the same run (pypdf, 1,000-character chunks, MiniLM through "
        "`SentenceTransformer.encode` with its defaults, torch). Pages/s exclude loading the "
        "model, for all three. The machine's 2 cores are shared with other work: CPU "
        "seconds (the ingest's parse workers included) and the 1-minute load average at "
        "the start and end of each run are given beside the wall clock.",
        "",
        "| | " + " | ".join(f"{s} reports" for s in sizes) + " |",
        "|---" * (len(sizes) + 1) + "|",
    ]

    def row(label: str, get) -> None:
        cells = []
        for s in sizes.values():
            try:
                value = get(s)
            except (KeyError, TypeError, ZeroDivisionError):
                value = None
            cells.append("–" if value is None else str(value))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    row("measured (UTC), commit", lambda s: f"{s['measured']}, {s['commit']}")
    row("embedder", lambda s: s["cold"]["embedder"])
    row("pages", lambda s: s["cold"]["pages"])
    row(
        "texts / embedded afresh (cold)",
        lambda s: f"{s['cold']['texts']} / {s['cold']['embedded_fresh']}",
    )
    for key, label in (("cold", "cold"), ("cached", "cached")):
        row(
            f"{label}: ingest s (reading, embedding)",
            lambda s, k=key: f"{s[k]['ingest_s']} ({s[k]['read_s']}, {s[k]['embed_s']})",
        )
        row(f"**{label}: pages/s**", lambda s, k=key: s[k]["pages_per_s"])
        row(
            f"{label}: CPU s, pages per CPU-s",
            lambda s, k=key: f"{s[k]['cpu_s']}, {s[k]['pages_per_cpu_s']}",
        )
        row(f"{label}: load at start → end", lambda s, k=key: "{} → {}".format(*s[k]["load1"]))
        row(f"{label}: peak RSS MB", lambda s, k=key: s[k]["peak_rss_mb"])
    row(
        "tutorial: ingest s (reading)",
        lambda s: f"{s['baseline']['ingest_s']} ({s['baseline']['parse_s']})",
    )
    row("**tutorial: pages/s**", lambda s: s["baseline"]["pages_per_s"])
    row(
        "tutorial: CPU s, pages per CPU-s",
        lambda s: f"{s['baseline']['cpu_s']}, {s['baseline']['pages_per_cpu_s']}",
    )
    row("tutorial: load at start → end", lambda s: "{} → {}".format(*s["baseline"]["load1"]))
    row(
        "**cold ÷ tutorial** (pages/s; per CPU-s)",
        lambda s: "{:.2f}; {:.2f}".format(
            s["cold"]["pages_per_s"] / s["baseline"]["pages_per_s"],
            s["cold"]["pages_per_cpu_s"] / s["baseline"]["pages_per_cpu_s"],
        ),
    )
    return lines


if __name__ == "__main__":
    sys.exit(main())
