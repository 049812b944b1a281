"""Score the assistant on a question file, the way the project's external scorer does.

Each line of the file: {"id", "kind", "question", "councils", "evidence", "answer"} (see
tests/data/dev_questions.jsonl). The figures: evidence_hit@k (an evidence phrase in the
text of the first k citations), aggregate_council_recall, answer_match (an answer phrase
in the answer), absent_correct (found is false), citation_markers_valid.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from peerchat.core.records import Answer

MARKER = re.compile(r"\[(\d+)\]")


@dataclass(frozen=True)
class QuestionResult:
    id: str
    kind: str
    seconds: float
    hit: bool | None
    council_recall: float | None
    missing: tuple[str, ...]
    answer_ok: bool | None
    absent_ok: bool | None
    markers_valid: bool


def normalise(text: str) -> str:
    text = (text or "").lower().replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("\u2013", "-").replace("\u2014", "-").replace("**", "")
    text = re.sub(r"-\s*\n\s*", "-", text)
    return re.sub(r"\s+", " ", text).strip()


def _contains_any(text: str, phrases: list[str]) -> bool:
    t = normalise(text)
    return any(normalise(p) in t for p in phrases)


def score_one(question: dict, answer: Answer, seconds: float, k: int = 5) -> QuestionResult:
    """How one answer fares against its question's expectations."""
    cites = answer.citations
    top = " \n ".join(c.text for c in cites[:k])
    cited = " | ".join(c.council for c in cites)
    hit = _contains_any(top, question["evidence"]) if question.get("evidence") else None
    recall, missing = None, ()
    if question["kind"] == "aggregate":
        got = [c for c in question["councils"] if normalise(c) in normalise(cited)]
        recall = len(got) / len(question["councils"]) if question["councils"] else 1.0
        missing = tuple(c for c in question["councils"] if c not in got)
    answer_ok = _contains_any(answer.text, question["answer"]) if question.get("answer") else None
    absent_ok = (answer.found is False) if question["kind"] == "absent" else None
    markers = {int(m) for m in MARKER.findall(answer.text)}
    return QuestionResult(
        question["id"],
        question["kind"],
        seconds,
        hit,
        recall,
        missing,
        answer_ok,
        absent_ok,
        markers <= {c.n for c in cites},
    )


def evaluate(
    path: Path, ask: Callable[[str], Answer], k: int = 5
) -> tuple[list[QuestionResult], dict[str, float | int | None]]:
    """Ask every question in `path`; return per-question results and the figures."""
    questions = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    results = []
    for question in questions:
        started = time.perf_counter()
        answer = ask(question["question"])
        results.append(score_one(question, answer, time.perf_counter() - started, k))

    def mean(values: list) -> float | None:
        values = [v for v in values if v is not None]
        return round(sum(values) / len(values), 3) if values else None

    seconds = sorted(r.seconds for r in results)
    figures: dict[str, float | int | None] = {
        "questions": len(results),
        f"evidence_hit@{k}": mean([r.hit for r in results]),
        "aggregate_council_recall": mean([r.council_recall for r in results]),
        "answer_match": mean([r.answer_ok for r in results]),
        "absent_correct": mean([r.absent_ok for r in results]),
        "citation_markers_valid": mean([r.markers_valid for r in results]),
        "ask_median_ms": round(statistics.median(seconds) * 1000, 1) if seconds else None,
        "ask_p95_ms": round(_percentile(seconds, 95) * 1000, 1) if seconds else None,
    }
    return results, figures


def _percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(pct / 100 * (len(sorted_values) - 1))))
    return sorted_values[index]
