"""The blind question sets stay honest: every phrase is in the named councils' texts, and
no question is in both a tune half and a test half."""

import json
import subprocess
import sys
from pathlib import Path

BLIND = Path(__file__).parent / "data" / "blind"
PAIRS = [
    ("tune", "test"),
    ("tune2", "test2"),
    ("tune3", "test3"),
    ("tune4", "test4"),
    ("tune5", "test5"),
    ("tune6", "test6"),
    ("tune7", "test7"),
    ("tune8", "test8"),
    ("tune9", "test9"),
    ("tune10", "test10"),
    ("tune11", "test11"),
    ("tune12", "test12"),
    ("tune13", "test13"),
    ("tune14", "test14"),
    ("tune15", "test15"),
    ("tune16", "test16"),
    ("tune17", "test17"),
    ("tune18", "test18"),
    ("tune19", "test19"),
    ("tune20", "test20"),
]


def _rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (BLIND / f"{name}.jsonl").read_text().splitlines() if line]


def test_every_phrase_occurs_in_the_named_councils_texts():
    files = [f"{name}.jsonl" for pair in PAIRS for name in pair]
    done = subprocess.run(
        [sys.executable, "check_phrases.py", *files],
        cwd=BLIND,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert done.stdout.strip().endswith(", 0 with problems")


def test_the_checker_reports_a_phrase_that_is_not_in_the_text(tmp_path):
    row = {
        "id": "x1",
        "kind": "fact",
        "question": "who leads?",
        "councils": ["Lambeth"],
        "evidence": ["a phrase no report contains anywhere"],
    }
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(row) + "\n")
    done = subprocess.run(
        [sys.executable, str(BLIND / "check_phrases.py"), str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1 and "not in the named councils' texts" in done.stdout


def test_tune_and_test_halves_share_no_question():
    for tune, test in PAIRS:
        tune_rows, test_rows = _rows(tune), _rows(test)
        assert tune_rows and test_rows
        key = lambda r: (r["question"].lower(), tuple(r.get("history") or ()))  # noqa: E731
        assert not {key(r) for r in tune_rows} & {key(r) for r in test_rows}
        assert not {r["id"] for r in tune_rows} & {r["id"] for r in test_rows}
