"""Score a question-answering command's replies against a question set: the project's
scorer (a copy of ../shared/eval/score.py, made a module), used by `peerchat eval`, by
`make bench` and runnable on its own:

    python -m peerchat.scoring QUESTIONS.jsonl -- .venv/bin/peerchat ask --json -

The command reads one question a line on stdin (a conversation turn: one JSON line with
the earlier questions, {"question": ..., "history": [...]}) and writes one JSON object a
line, as `peerchat ask --json -` does. Standard library only, so it can score any build
of the assistant, or another pipeline (benchmarks/baseline.py).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time

MARKER = re.compile(r"\[(\d+)\]")


def norm(text: str) -> str:
    """Text as compared: lower case, plain quotes and dashes, no bold, one space."""
    text = (text or "").lower().replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("\u2013", "-").replace("\u2014", "-").replace("**", "")
    text = re.sub(r"-\s*\n\s*", "-", text)
    return re.sub(r"\s+", " ", text).strip()


def contains_any(text: str, phrases: list[str]) -> bool:
    """Whether `text` contains any of `phrases` (both normalised)."""
    t = norm(text)
    return any(norm(p) in t for p in phrases)


def _mean(values: list) -> float | None:
    return round(sum(values) / len(values), 3) if values else None


def score(questions: list[dict], replies: list[dict], k: int) -> dict:
    """The figures of `replies` (JSON objects as `ask --json` prints them) against
    `questions`, and every question's row under "rows"."""
    rows, hits, recalls, answers, absent, valid, refused = [], [], [], [], [], [], []
    for q, r in zip(questions, replies):
        cites = r.get("citations") or []
        top = " \n ".join(c.get("text", "") for c in cites[:k])
        cited_councils = " | ".join(c.get("council") or "" for c in cites)
        row = {"id": q["id"], "kind": q["kind"]}
        if q["kind"] == "absent":
            row["absent_ok"] = r.get("found") is False
            absent.append(row["absent_ok"])
        else:  # answerable: saying "the reports do not say" here is a miss
            row["refused"] = r.get("found") is False
            refused.append(row["refused"])
        if q.get("evidence"):
            row["hit"] = contains_any(top, q["evidence"])
            hits.append(row["hit"])
        if q["kind"] == "aggregate":
            got = [c for c in q["councils"] if norm(c) in norm(cited_councils)]
            row["council_recall"] = len(got) / len(q["councils"])
            row["missing"] = [c for c in q["councils"] if c not in got]
            recalls.append(row["council_recall"])
        if q.get("answer"):
            row["answer_ok"] = contains_any(r.get("answer", ""), q["answer"])
            answers.append(row["answer_ok"])
        markers = {int(m) for m in MARKER.findall(r.get("answer", ""))}
        numbers = {c.get("n") for c in cites}
        row["markers_valid"] = markers <= numbers
        valid.append(row["markers_valid"])
        rows.append(row)
    return {
        "questions": len(questions),
        f"evidence_hit@{k}": _mean(hits),
        "aggregate_council_recall": _mean(recalls),
        "answer_match": _mean(answers),
        "absent_correct": _mean(absent),
        "false_absent": _mean(refused),
        "citation_markers_valid": _mean(valid),
        "rows": rows,
    }


def read_questions(path: str) -> list[dict]:
    """The questions of a JSON-lines file."""
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def feed(questions: list[dict]) -> str:
    """What the scored command reads on stdin: a question a line; a conversation turn goes
    as one JSON line, the earlier questions then the one scored."""
    return "".join(
        (
            json.dumps({"question": q["question"], "history": q["history"]})
            if q.get("history")
            else q["question"]
        )
        + "\n"
        for q in questions
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="%(prog)s QUESTIONS.jsonl [-k K] [--rows] [--timeout S] -- COMMAND ...",
    )
    ap.add_argument("questions")
    ap.add_argument("-k", type=int, default=5, help="evidence must be in the first k citations")
    ap.add_argument("--rows", action="store_true", help="print every question's row")
    ap.add_argument("--timeout", type=float, default=900)
    argv = sys.argv[1:] if argv is None else argv
    if "--" not in argv:
        ap.error("give the command to score after --")
    cut = argv.index("--")
    args, cmd = ap.parse_args(argv[:cut]), argv[cut + 1 :]
    if not cmd:
        ap.error("give the command to score after --")
    questions = read_questions(args.questions)
    t0 = time.monotonic()
    proc = subprocess.run(
        cmd, input=feed(questions), capture_output=True, text=True, timeout=args.timeout
    )
    wall = time.monotonic() - t0
    if proc.returncode != 0:
        print(proc.stderr[-3000:], file=sys.stderr)
        print(f"command failed with exit code {proc.returncode}")
        return 2
    replies = [
        json.loads(line) for line in proc.stdout.splitlines() if line.strip().startswith("{")
    ]
    if len(replies) != len(questions):
        print(f"expected {len(questions)} JSON lines, got {len(replies)}")
        return 2
    result = score(questions, replies, args.k)
    rows = result.pop("rows")
    if args.rows:
        for row in rows:
            print(json.dumps(row))
    result["wall_s"] = round(wall, 2)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
