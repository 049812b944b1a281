"""Benchmarks (`make bench`): ingest cold and with the embedding cache, search and ask
latency over the dev questions with the model loaded once, and the whole dev set through
`peerchat ask --json -` including model load. Writes docs/benchmarks.md and prints it."""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from peerchat.core.settings import Settings  # noqa: E402
from peerchat.index.answer import Assistant  # noqa: E402
from peerchat.index.build import ingest_paths  # noqa: E402
from peerchat.index.embedding import MiniLMEmbedder  # noqa: E402

QUESTIONS = ROOT / "tests" / "data" / "dev_questions.jsonl"
REPORTS = ROOT / "data" / "reports"
REPEATS = 5


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def main() -> None:
    questions = [
        json.loads(line)["question"] for line in QUESTIONS.read_text().splitlines() if line.strip()
    ]
    started = time.perf_counter()
    embedder = MiniLMEmbedder()
    model_load = time.perf_counter() - started

    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp) / "index"
        started = time.perf_counter()
        cold = ingest_paths([REPORTS], index_dir, embedder)
        cold_s = time.perf_counter() - started
        # Same files, but every report re-read: only the embedding cache saves work.
        started = time.perf_counter()
        warm = ingest_paths([REPORTS], index_dir, embedder, rebuild=True)
        warm_s = time.perf_counter() - started
        started = time.perf_counter()
        ingest_paths([REPORTS], index_dir, embedder)
        unchanged_s = time.perf_counter() - started

        assistant = Assistant.load(Settings(index_dir=index_dir), embedder=embedder)
        for q in questions:  # warm up
            assistant.answer(q)
        ask_ms, search_ms = [], []
        for _ in range(REPEATS):
            for q in questions:
                t = time.perf_counter()
                assistant.answer(q)
                ask_ms.append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                assistant.search(q, k=5)
                search_ms.append((time.perf_counter() - t) * 1000)
        passages = {r.source: 0 for r in assistant.library.reports.values()}
        for chunk in assistant.library.chunks:
            passages[chunk.source] += 1

        env = {**os.environ, "PEERCHAT_INDEX_DIR": str(index_dir)}
        feed = "".join(q + "\n" for q in questions)
        peerchat = shutil.which("peerchat") or str(Path(sys.executable).parent / "peerchat")
        started = time.perf_counter()
        proc = subprocess.run(
            [peerchat, "ask", "--json", "-"], input=feed, capture_output=True, text=True, env=env
        )
        batch_s = time.perf_counter() - started
        assert proc.returncode == 0, proc.stderr[-2000:]

    lines = [
        "# Benchmarks",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.node()}: "
        f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}. Command: `make bench` (scripts/bench.py).",
        "",
        "| what | figure |",
        "| --- | --- |",
        f"| model load | {model_load:.1f} s |",
        f"| ingest of the sample corpus, cold (empty cache) | {cold_s:.1f} s ({cold.embedded} texts embedded) |",
        f"| ingest re-reading every report, embedding cache warm | {warm_s:.1f} s ({warm.embedded} embedded) |",
        f"| ingest with nothing changed | {unchanged_s:.2f} s |",
        f"| `ask` median / p95 ({len(ask_ms)} answers, model loaded) | {statistics.median(ask_ms):.0f} ms / {percentile(ask_ms, 95):.0f} ms |",
        f"| `search` median / p95 | {statistics.median(search_ms):.0f} ms / {percentile(search_ms, 95):.0f} ms |",
        f"| dev set through `peerchat ask --json -` incl. model load | {batch_s:.1f} s ({len(questions)} questions) |",
        "",
        "Passages per report: "
        + ", ".join(f"{name} {count}" for name, count in sorted(passages.items())),
        "",
    ]
    text = "\n".join(lines)
    (ROOT / "docs").mkdir(exist_ok=True)
    (ROOT / "docs" / "benchmarks.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
