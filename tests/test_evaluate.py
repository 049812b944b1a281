"""`peerchat eval`: the project's scorer (peerchat/scoring.py) over the assistant's answers;
a row with history is asked as one conversation, earlier questions first."""

from __future__ import annotations

import json
from pathlib import Path

from peerchat.core.records import Answer, Citation
from peerchat.evaluate import evaluate
from peerchat.render import answer_dict
from peerchat.scoring import feed, score


def _citation(n: int, council: str, text: str) -> Citation:
    return Citation(
        n, f"id{n}", council, "Title", "feedback report", "2017-01-01", "1", 1, "f.pdf", text, 0.9
    )


class FakeAssistant:
    """Answers from a table; records each question with the questions of its history."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, tuple[str, ...]]] = []

    def answer(self, question: str, history=()) -> Answer:
        self.asked.append((question, tuple(t.question for t in history)))
        if "Birmingham" in question:
            return Answer(question, False, "There is no report for Birmingham.")
        council = (
            "Cambridge City Council"
            if "Cambridge" in question
            else "Lambeth London Borough Council"
        )
        return Answer(
            question,
            True,
            f"{council} was told to narrow its priorities. [1]",
            (_citation(1, council, "a narrower set of priorities"),),
            (council,),
            topic="narrow priorities",
        )


QUESTIONS = [
    {"id": "a", "kind": "single", "question": "What was Lambeth told about priorities?",
     "evidence": ["narrower set of priorities"], "answer": ["narrow its priorities"]},
    {"id": "b", "kind": "single", "question": "and Cambridge?",
     "history": ["What was Lambeth told about priorities?"], "evidence": ["narrower set"]},
    {"id": "c", "kind": "absent", "question": "What was Birmingham told?"},
    {"id": "d", "kind": "aggregate", "question": "Which councils were told to narrow priorities?",
     "councils": ["Lambeth", "Bedford"], "evidence": ["priorities"]},
]  # fmt: skip


def test_eval_scores_with_the_project_scorer_and_asks_history_first(tmp_path: Path) -> None:
    path = tmp_path / "questions.jsonl"
    path.write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS), encoding="utf-8")
    assistant = FakeAssistant()
    rows, figures = evaluate(path, assistant)  # type: ignore[arg-type]
    assert assistant.asked == [
        ("What was Lambeth told about priorities?", ()),
        ("What was Lambeth told about priorities?", ()),  # row b's history, then row b
        ("and Cambridge?", ("What was Lambeth told about priorities?",)),
        ("What was Birmingham told?", ()),
        ("Which councils were told to narrow priorities?", ()),
    ]
    replies = [answer_dict(FakeAssistant().answer(q["question"])) for q in QUESTIONS]
    expected = score(QUESTIONS, replies, 5)
    assert [{k: v for k, v in r.items() if k != "seconds"} for r in rows] == expected.pop("rows")
    assert {k: figures[k] for k in expected} == expected
    assert figures["false_absent"] == 0.0 and figures["absent_correct"] == 1.0
    assert figures["aggregate_council_recall"] == 0.5, "Bedford is never cited"
    assert all(r["seconds"] >= 0 for r in rows) and figures["ask_median_ms"] is not None


def test_the_scorer_feeds_a_conversation_turn_as_one_json_line() -> None:
    lines = feed(QUESTIONS[:2]).splitlines()
    assert lines[0] == "What was Lambeth told about priorities?"
    assert json.loads(lines[1]) == {
        "question": "and Cambridge?",
        "history": ["What was Lambeth told about priorities?"],
    }
