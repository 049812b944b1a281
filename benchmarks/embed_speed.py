"""`make bench-embed`: sentences per second of each MiniLM backend and batch size, on the
sentences an ingest of the sample reports embeds; writes benchmarks/embed_speed.json.

    python -m benchmarks.embed_speed [--backends torch,onnx,int8] [--batches 32,64,128]
                                     [--reps 3] [--cache DIR]

Each backend runs in its own process (import, load, one warm-up pass, then `--reps` timed
passes per batch size, in rotation so that contention falls on every setting alike). A
setting "char128" is sentence-transformers' own batching (by character length, 128 a
call), as peerchat embedded before it batched by token length. Both wall time and the
process's CPU time are recorded with the load average, because this machine's 2 cores are
shared: sentences per CPU-second barely move with contention, wall figures do.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "reports"


def sample_sentences() -> list[str]:
    """The sentences an ingest of the sample reports embeds, in ingest order."""
    from peerchat.ingest.chunk import chunk_report
    from peerchat.ingest.report import read_report
    from peerchat.ingest.sentences import sentence_spans

    texts = []
    for path in sorted(SAMPLE.glob("*.pdf")):
        for chunk in chunk_report(read_report(path)):
            texts.extend(chunk.text[s:e] for s, e in sentence_spans(chunk.text))
    return texts


def one_backend(backend: str, batches: list[str], reps: int, cache: Path) -> dict:
    """Measure one backend in this process."""
    import numpy as np

    texts = sample_sentences()
    started = time.monotonic()
    from peerchat.index.embedding import MiniLMEmbedder

    imported = time.monotonic() - started
    embedder = MiniLMEmbedder(backend=backend, cache_dir=cache, notify=print)
    loaded = time.monotonic() - started - imported
    lengths = embedder.token_lengths(texts)
    model = embedder._model

    def run(setting: str) -> np.ndarray:
        if setting.startswith("char"):
            return model.encode(
                texts, batch_size=int(setting[4:]), normalize_embeddings=True, convert_to_numpy=True
            )
        embedder.batch_size = int(setting)
        return embedder.embed(texts)

    run("32")  # warm-up
    rows: dict[str, list[dict]] = {b: [] for b in batches}
    for _ in range(reps):
        for setting in batches:
            load = os.getloadavg()[0]
            wall, cpu = time.perf_counter(), time.process_time()
            run(setting)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            rows[setting].append(
                {
                    "wall_s": round(wall, 3),
                    "cpu_s": round(cpu, 3),
                    "sentences_per_s": round(len(texts) / wall, 1),
                    "sentences_per_cpu_s": round(len(texts) / cpu, 1),
                    "load1": round(load, 2),
                }
            )
    return {
        "backend": backend,
        "sentences": len(texts),
        "tokens": int(lengths.sum()),
        "import_s": round(imported, 1),
        "load_s": round(loaded, 1),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "runs": rows,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default="torch,onnx,int8")
    parser.add_argument("--batches", default="32,64,128,char128")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "peerchat")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "embed_speed.json")
    parser.add_argument("--one", default="", help=argparse.SUPPRESS)  # a child process
    args = parser.parse_args()
    batches = [b for b in args.batches.split(",") if b]
    if args.one:
        print(json.dumps(one_backend(args.one, batches, args.reps, args.cache)))
        return 0
    results = []
    for backend in [b for b in args.backends.split(",") if b]:
        command = [sys.executable, "-m", "benchmarks.embed_speed", "--one", backend]
        command += ["--batches", args.batches, "--reps", str(args.reps), "--cache", str(args.cache)]
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
        if done.returncode:
            print(done.stderr, file=sys.stderr)
            return 1
        result = json.loads(done.stdout.strip().splitlines()[-1])
        results.append(result)
        for setting, runs in result["runs"].items():
            best = max(r["sentences_per_cpu_s"] for r in runs)
            walls = ", ".join(f"{r['sentences_per_s']} (load {r['load1']})" for r in runs)
            print(f"{backend:6} {setting:8} per CPU-s best {best:6.1f}; per s: {walls}")
    args.out.write_text(
        json.dumps(
            {
                "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
                "results": results,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
