#!/usr/bin/env python3
# A copy of ../shared/eval/score.py (this line added), so that `make bench` runs without ../shared.
"""Score a question-answering command against a question set.

The command must read questions from standard input, one per line, and
write one JSON object per line (see README.md beside this file).
Standard library only, so it can score any build of the assistant.

    python score.py QUESTIONS.jsonl -- .venv/bin/peerchat ask --json -
"""
import argparse
import json
import re
import subprocess
import sys
import time

MARKER = re.compile(r"\[(\d+)\]")


def norm(text: str) -> str:
    text = (text or "").lower().replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("\u2013", "-").replace("\u2014", "-").replace("**", "")
    text = re.sub(r"-\s*\n\s*", "-", text)
    return re.sub(r"\s+", " ", text).strip()


def contains_any(text: str, phrases: list[str]) -> bool:
    t = norm(text)
    return any(norm(p) in t for p in phrases)


def score(questions: list[dict], replies: list[dict], k: int) -> dict:
    rows, hits, recalls, answers, absent, valid = [], [], [], [], [], []
    for q, r in zip(questions, replies):
        cites = r.get("citations") or []
        top = " \n ".join(c.get("text", "") for c in cites[:k])
        cited_councils = " | ".join(c.get("council") or "" for c in cites)
        row = {"id": q["id"], "kind": q["kind"]}
        if q["kind"] == "absent":
            row["absent_ok"] = r.get("found") is False
            absent.append(row["absent_ok"])
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
    mean = lambda xs: round(sum(xs) / len(xs), 3) if xs else None
    return {"questions": len(questions), f"evidence_hit@{k}": mean(hits),
            "aggregate_council_recall": mean(recalls), "answer_match": mean(answers),
            "absent_correct": mean(absent), "citation_markers_valid": mean(valid), "rows": rows}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                                 usage="%(prog)s QUESTIONS.jsonl [-k K] [--rows] [--timeout S] -- COMMAND ...")
    ap.add_argument("questions")
    ap.add_argument("-k", type=int, default=5, help="evidence must be in the first k citations")
    ap.add_argument("--rows", action="store_true", help="print every question's row")
    ap.add_argument("--timeout", type=float, default=900)
    argv = sys.argv[1:]
    if "--" not in argv:
        ap.error("give the command to score after --")
    cut = argv.index("--")
    args, cmd = ap.parse_args(argv[:cut]), argv[cut + 1:]
    if not cmd:
        ap.error("give the command to score after --")
    questions = [json.loads(l) for l in open(args.questions, encoding="utf-8") if l.strip()]
    feed = "".join(q["question"] + "\n" for q in questions)
    t0 = time.monotonic()
    proc = subprocess.run(cmd, input=feed, capture_output=True, text=True, timeout=args.timeout)
    wall = time.monotonic() - t0
    if proc.returncode != 0:
        print(proc.stderr[-3000:], file=sys.stderr)
        print(f"command failed with exit code {proc.returncode}")
        return 2
    replies = [json.loads(l) for l in proc.stdout.splitlines() if l.strip().startswith("{")]
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
