"""`peerchat eval`: the assistant answers a question file in this process and the project's
scorer (peerchat/scoring.py) scores the replies, as it scores `peerchat ask --json -`.

Each line of the file: {"id", "kind", "question", "councils", "evidence", "answer"} and,
for a follow-up, "history": the earlier questions of its conversation (see
tests/data/dev_questions.jsonl). A row with history is asked as one conversation, the
earlier questions first, each answer's turn carried into the next (as `peerchat chat`
does); only the last answer is scored and timed.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import TYPE_CHECKING

from peerchat.render import answer_dict
from peerchat.scoring import read_questions, score

if TYPE_CHECKING:
    from peerchat.core.records import Answer
    from peerchat.index.answer import Assistant
    from peerchat.index.search import Turn


def ask_in_conversation(assistant: Assistant, question: dict) -> tuple[Answer, float]:
    """The answer to a question row (after its history, if any) and its seconds."""
    from peerchat.index.search import Turn

    history: list[Turn] = []
    for earlier in question.get("history") or ():
        text = earlier["question"] if isinstance(earlier, dict) else str(earlier)
        history.append(Turn.from_answer(assistant.answer(text, history)))
    started = time.perf_counter()
    answer = assistant.answer(question["question"], history)
    return answer, time.perf_counter() - started


def evaluate(
    path: Path, assistant: Assistant, k: int = 5
) -> tuple[list[dict], dict[str, float | int | None]]:
    """Ask every question in `path`; return each question's row (with its seconds) and the
    figures: the scorer's, then the median and 95th-percentile answer time."""
    questions = read_questions(str(path))
    replies = []
    seconds = []
    for question in questions:
        answer, took = ask_in_conversation(assistant, question)
        replies.append(answer_dict(answer))
        seconds.append(took)
    figures = score(questions, replies, k)
    rows = figures.pop("rows")
    for row, took in zip(rows, seconds, strict=True):
        row["seconds"] = round(took, 4)
    ordered = sorted(seconds)
    figures["ask_median_ms"] = round(statistics.median(ordered) * 1000, 1) if ordered else None
    figures["ask_p95_ms"] = round(_percentile(ordered, 95) * 1000, 1) if ordered else None
    return rows, figures


def _percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(pct / 100 * (len(sorted_values) - 1))))
    return sorted_values[index]
