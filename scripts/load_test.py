"""Load test (`make load`): `peerchat serve` under 20 concurrent clients for 60 s while
ingests add reports to the index it serves.

Everything runs on this machine, in a temporary folder, with the real MiniLM model:

1. index the sample corpus (data/reports) into a temporary index folder;
2. start `peerchat serve` on a free port of 127.0.0.1;
3. for 60 s, 20 clients ask the dev questions (tests/data/dev_questions.jsonl; about one
   request in four a fact question with its council as a filter), while `peerchat ingest`
   adds new reports (the sample text exports rewritten for other real councils) in
   batches of two (asking goes on past 60 s, up to 240 s, until the first ingest is live);
4. check every reply: HTTP 200, the question it answers is the one asked, each citation is
   a passage of the generation the reply names (its store is copied as soon as it goes
   live, as pruning later deletes it), with the same text, source, council and page, and
   every [n] marker has its citation. Replies to the same question and filters from the
   same generation must also be identical (a thread-safety check).

Prints the figures and writes them to docs/load-test.md; exits 1 if any check failed.
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import re
import select
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from peerchat.core.records import join_names  # noqa: E402
from tests.council_copies import council_copies  # noqa: E402

QUESTIONS = ROOT / "tests" / "data" / "dev_questions.jsonl"
REPORTS = ROOT / "data" / "reports"
OUT = ROOT / "docs" / "load-test.md"
PEERCHAT = str(Path(sys.executable).parent / "peerchat")
HOST = "127.0.0.1"
CLIENTS = 20
DURATION = 60.0  # seconds of asking
# If the first ingest has not finished by then (a busy machine), asking goes on until it
# has, and 5 s more to be answered from its generation, but never past this.
MAX_DURATION = 240.0
INGEST_AFTER = 3.0  # the first ingest starts this long into the run
BATCH = 2  # new reports per ingest (an ingest is slow on a CPU busy answering)
MAX_BATCHES = 3  # a further ingest starts only while the run has over 20 s left
SETUP_TIMEOUT = 900.0  # the first index build, model loads
MARKER = re.compile(r"\[(\d+)\]")


@dataclass(frozen=True)
class Ask:
    question: str
    filters: tuple[tuple[str, str], ...] = ()

    def body(self) -> bytes:
        return json.dumps({"question": self.question, **dict(self.filters)}).encode()


@dataclass
class Result:
    ask: Ask
    started: float  # seconds since the run began
    seconds: float
    status: int = 0
    reply: dict | None = None
    error: str = ""


@dataclass
class Ingest:
    batch: int
    started: float
    seconds: float = 0.0
    returncode: int | None = None
    line: str = ""


@dataclass
class Run:
    begun: float  # time.monotonic() when asking began
    results: list[Result] = field(default_factory=list)
    ingests: list[Ingest] = field(default_factory=list)
    published: dict[str, float] = field(default_factory=dict)  # generation -> seen live at
    lock: threading.Lock = field(default_factory=threading.Lock)

    def asking(self) -> bool:
        """Whether clients should go on asking."""
        elapsed = time.monotonic() - self.begun
        if elapsed < DURATION:
            return True
        with self.lock:
            first = self.ingests[0] if self.ingests else None
        if first is None:
            return elapsed < MAX_DURATION
        return elapsed < min(MAX_DURATION, first.started + first.seconds + 5)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))] if values else 0


def asks() -> list[Ask]:
    """Every dev question, and each one-council fact question once more with its filter."""
    rows = [json.loads(line) for line in QUESTIONS.read_text().splitlines() if line.strip()]
    plain = [Ask(r["question"]) for r in rows]
    filtered = [
        Ask(r["question"], (("council", r["councils"][0]),))
        for r in rows
        if r["kind"] == "fact" and len(r["councils"]) == 1
    ]
    mix = []
    for i, ask in enumerate(plain):  # about one request in four filtered
        mix.append(ask)
        if i % 3 == 0 and filtered:
            mix.append(filtered[(i // 3) % len(filtered)])
    return mix


def request(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, dict]:
    conn = http.client.HTTPConnection(HOST, port, timeout=300)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def start_server(index_dir: Path, log_file: Path) -> tuple[subprocess.Popen, int]:
    """`peerchat serve` on a free local port; returns the process and the port."""
    env = {**os.environ, "PEERCHAT_LOG_FILE": str(log_file)}
    proc = subprocess.Popen(
        [PEERCHAT, "serve", "--index-dir", str(index_dir), "--host", HOST, "--port", "0"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + SETUP_TIMEOUT
    assert proc.stderr is not None
    said = []
    while (left := deadline - time.monotonic()) > 0 and proc.poll() is None:
        if not select.select([proc.stderr], [], [], left)[0]:
            break
        line = proc.stderr.readline()
        said.append(line)
        found = re.search(rf"serving on http://{re.escape(HOST)}:(\d+)", line)
        if found:
            threading.Thread(target=proc.stderr.read, daemon=True).start()  # drain
            return proc, int(found.group(1))
    proc.kill()
    raise SystemExit("peerchat serve did not start:\n" + "".join(said))


def watch_generations(index_dir: Path, snapshots: Path, run: Run, begun: float, stop) -> None:
    """Copy each generation's store as soon as CURRENT names it (pruning deletes it later)."""
    while not stop.is_set():
        try:
            name = (index_dir / "CURRENT").read_text().strip()
        except OSError:
            name = ""
        if name and name not in run.published:
            shutil.copy(index_dir / name / "store.sqlite", snapshots / f"{name}.sqlite")
            with run.lock:
                run.published[name] = time.monotonic() - begun
        stop.wait(0.05)


def client(port: int, n: int, mix: list[Ask], run: Run) -> None:
    begun = run.begun
    i = n
    while run.asking():
        ask = mix[i % len(mix)]
        i += CLIENTS
        started = time.monotonic()
        result = Result(ask, started - begun, 0.0)
        try:
            result.status, result.reply = request(port, "POST", "/ask", ask.body())
        except Exception as exc:  # noqa: BLE001 - a failed request is a finding, not a crash
            result.error = f"{type(exc).__name__}: {exc}"
        result.seconds = time.monotonic() - started
        with run.lock:
            run.results.append(result)


def ingest_batches(index_dir: Path, new_reports: Path, run: Run, begun: float, stop_at: float):
    for batch in range(MAX_BATCHES):
        if batch and time.monotonic() > stop_at - 20:
            break
        folder = new_reports / f"batch-{batch + 1}"
        council_copies(folder, BATCH, start=batch * BATCH)
        record = Ingest(batch + 1, time.monotonic() - begun)
        proc = subprocess.run(
            [PEERCHAT, "ingest", "--quiet", "--index-dir", str(index_dir), str(folder)],
            capture_output=True,
            text=True,
            timeout=SETUP_TIMEOUT,
        )
        record.seconds = time.monotonic() - begun - record.started
        record.returncode, record.line = proc.returncode, proc.stdout.strip()
        with run.lock:
            run.ingests.append(record)
        if proc.returncode != 0:
            print(proc.stderr[-2000:], file=sys.stderr)
            break


def check(result: Result, snapshots: Path) -> str:
    """What is wrong with a reply ("" for nothing)."""
    reply = result.reply or {}
    if reply.get("question") != result.ask.question:
        return f"answers {reply.get('question')!r}, not the question asked"
    store = snapshots / f"{reply.get('generation')}.sqlite"
    if not store.exists():
        return f"names generation {reply.get('generation')!r}, which was never live"
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        for c in reply["citations"]:
            row = conn.execute(
                "SELECT text, source, councils, first_page, last_page FROM chunks WHERE id = ?",
                (c["chunk_id"],),
            ).fetchone()
            if row is None:
                return f"cites {c['chunk_id']}, not in {reply['generation']}"
            text, source, councils, first, last = row
            if (c["text"], c["source"]) != (text, source):
                return f"citation [{c['n']}] does not match passage {c['chunk_id']}"
            if c["council"] != join_names(tuple(json.loads(councils))):
                return f"citation [{c['n']}] names {c['council']}, the passage is not theirs"
            if not first <= c["page"] <= last:
                return f"citation [{c['n']}] page {c['page']} outside {first}-{last}"
    finally:
        conn.close()
    numbers = {c["n"] for c in reply["citations"]}
    missing = {int(m) for m in MARKER.findall(reply["answer"])} - numbers
    if missing:
        return f"markers {sorted(missing)} have no citation"
    return ""


def main() -> int:
    mix = asks()
    with tempfile.TemporaryDirectory(prefix="peerchat-load-") as tmp_name:
        tmp = Path(tmp_name)
        index_dir, snapshots, new_reports = tmp / "index", tmp / "snapshots", tmp / "new"
        snapshots.mkdir()
        serve_log = tmp / "serve.log"
        started = time.monotonic()
        built = subprocess.run(
            [PEERCHAT, "ingest", "--quiet", "--index-dir", str(index_dir), str(REPORTS)],
            capture_output=True,
            text=True,
            timeout=SETUP_TIMEOUT,
        )
        if built.returncode != 0:
            print(built.stderr, file=sys.stderr)
            return 1
        build_seconds = time.monotonic() - started
        print(f"indexed the sample corpus in {build_seconds:.1f} s: {built.stdout.strip()}")
        server, port = start_server(index_dir, serve_log)
        stop = threading.Event()
        try:
            status, health = request(port, "GET", "/health")
            assert status == 200, health
            run = Run(begun=time.monotonic())
            begun = run.begun
            deadline = begun + DURATION
            watcher = threading.Thread(
                target=watch_generations, args=(index_dir, snapshots, run, begun, stop)
            )
            watcher.start()
            clients = [
                threading.Thread(target=client, args=(port, n, mix, run)) for n in range(CLIENTS)
            ]
            for c in clients:
                c.start()
            time.sleep(INGEST_AFTER)
            ingests = threading.Thread(
                target=ingest_batches, args=(index_dir, new_reports, run, begun, deadline)
            )
            ingests.start()
            for c in clients:
                c.join()
            asking_seconds = time.monotonic() - begun
            ingests.join(SETUP_TIMEOUT)
            time.sleep(0.2)
            stop.set()
            watcher.join()
        finally:
            stop.set()
            server.terminate()
            server.wait(30)
        return report(run, snapshots, serve_log, asking_seconds, build_seconds, mix)


def report(
    run: Run, snapshots: Path, serve_log: Path, seconds: float, build_seconds: float, mix
) -> int:
    failed = [r for r in run.results if r.error or r.status != 200]
    answered = [r for r in run.results if not r.error and r.status == 200]
    wrong = [(r, why) for r in answered if (why := check(r, snapshots))]
    same: dict[tuple, set[str]] = {}
    for r in answered:
        assert r.reply is not None
        key = (r.ask, r.reply["generation"])
        cited = tuple(c["chunk_id"] for c in r.reply["citations"])
        same.setdefault(key, set()).add(json.dumps([r.reply["answer"], cited]))
    inconsistent = [key for key, variants in same.items() if len(variants) > 1]

    latencies = [r.seconds * 1000 for r in answered]
    windows = [(i.started, i.started + i.seconds) for i in run.ingests]
    during = [r.seconds * 1000 for r in answered if any(a <= r.started <= b for a, b in windows)]
    outside = [
        r.seconds * 1000 for r in answered if not any(a <= r.started <= b for a, b in windows)
    ]
    by_generation: dict[str, int] = {}
    for r in answered:
        assert r.reply is not None
        by_generation[r.reply["generation"]] = by_generation.get(r.reply["generation"], 0) + 1
    first_reply: dict[str, float] = {}
    for r in sorted(answered, key=lambda r: r.started + r.seconds):
        assert r.reply is not None
        first_reply.setdefault(r.reply["generation"], r.started + r.seconds)
    events = [json.loads(line) for line in serve_log.read_text().splitlines() if line.strip()]
    logged = sum(e["event"] == "question_answered" for e in events)
    loads = [e["generation"] for e in events if e["event"] == "generation_loaded"]
    reports = {}
    for name in run.published:
        conn = sqlite3.connect(f"file:{snapshots / name}.sqlite?mode=ro", uri=True)
        reports[name] = conn.execute("SELECT count(*) FROM reports").fetchone()[0]
        conn.close()

    cores = os.cpu_count()
    lines = [
        "# Load test",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on "
        f"{platform.node()}: {cores} cores, {platform.machine()}, Python "
        f"{platform.python_version()}. Command: `make load` (scripts/load_test.py).",
        "",
        f"{CLIENTS} clients asked {len(mix)} question variants (the dev questions, some "
        f"with a council filter) of `peerchat serve` on {HOST} for {seconds:.0f} s, while "
        f"`peerchat ingest` added reports to the same index in batches of {BATCH} "
        f"(real MiniLM model). The sample corpus took {build_seconds:.0f} s to index first.",
        "",
        "| what | figure |",
        "| --- | --- |",
        f"| requests | {len(run.results)} ({len(run.results) / seconds:.1f}/s) |",
        f"| errors (not HTTP 200, or no reply) | {len(failed)} |",
        f"| wrong answers (citation not in its generation, wrong question, bad marker) "
        f"| {len(wrong)} |",
        f"| same question, same generation, different reply | {len(inconsistent)} |",
        f"| latency p50 / p95 / max | {percentile(latencies, 50):.0f} / "
        f"{percentile(latencies, 95):.0f} / {max(latencies, default=0):.0f} ms |",
        f"| latency p50 / p95 while an ingest ran ({len(during)} requests) | "
        f"{percentile(during, 50):.0f} / {percentile(during, 95):.0f} ms |",
        f"| latency p50 / p95 otherwise ({len(outside)} requests) | "
        f"{percentile(outside, 50):.0f} / {percentile(outside, 95):.0f} ms |",
        f"| questions logged by the server (question_answered) | {logged} |",
        f"| generations loaded by the server | {len(loads)} |",
        "",
        "| ingest | started at | took | result |",
        "| --- | --- | --- | --- |",
        *[
            f"| batch {i.batch} | {i.started:.1f} s | {i.seconds:.1f} s | "
            f"exit {i.returncode}: {i.line} |"
            for i in run.ingests
        ],
        "",
        "| generation | live from | reports | replies from it | first reply from it |",
        "| --- | --- | --- | --- | --- |",
        *[
            f"| {name} | {at:.1f} s | {reports[name]} | {by_generation.get(name, 0)} | "
            + (f"{first_reply[name]:.1f} s |" if name in first_reply else "- |")
            for name, at in sorted(run.published.items(), key=lambda item: item[1])
        ],
    ]
    for result, why in wrong[:10]:
        lines.append(f"\nwrong: {result.ask.question!r}: {why}")
    for result in failed[:10]:
        lines.append(f"\nerror: {result.ask.question!r}: {result.status} {result.error}")
    text = "\n".join(lines) + "\n"
    OUT.write_text(text)
    print(text)
    new_generations = [g for g in by_generation if g != min(run.published, key=run.published.get)]
    ok = (
        not failed
        and not wrong
        and not inconsistent
        and run.ingests
        and all(i.returncode == 0 for i in run.ingests)
        and new_generations
    )
    if not new_generations:
        print("no reply came from a generation published during the run", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
