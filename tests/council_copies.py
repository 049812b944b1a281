"""More reports than the sample has: each sample text export rewritten for other real
councils of the same kind (from peerchat/core/councils.csv), e.g. the Lambeth feedback report as
Barnet's. Used by the crash tests and `make load` (scripts/load_test.py)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEXT_EXPORTS = ROOT / "tests" / "data" / "text"
COUNCILS_CSV = ROOT / "peerchat" / "core" / "councils.csv"

# Each sample text export and the councils it is about (full names as in councils.csv).
TEMPLATES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("lambeth-cpc-feedback-2016.md", ("Lambeth London Borough Council",)),
    ("cambridge-city-cpc-feedback-2017.md", ("Cambridge City Council",)),
    ("central-bedfordshire-cpc-feedback-2017.md", ("Central Bedfordshire Council",)),
    ("bedford-borough-cpc-action-plan-2024.txt", ("Bedford Borough Council",)),
    (
        "bromsgrove-redditch-cpc-feedback-2018.txt",
        ("Bromsgrove District Council", "Redditch Borough Council"),
    ),
)


def _rows() -> list[dict[str, str]]:
    with open(COUNCILS_CSV, encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["status"] == "current"]


def _stand_ins(name: str, text: str, rows: list[dict[str, str]]) -> list[str]:
    """Short names of councils that can stand in for `name`: same kind, and the same form
    of full name ("X City Council" for "Cambridge City Council"), not mentioned in `text`."""
    original = next(r for r in rows if r["name"] == name)
    short = original["short"]
    return [
        r["short"]
        for r in rows
        if r["kind"] == original["kind"]
        and r["name"] == name.replace(short, r["short"])
        and r["name"] != name
        and r["short"] not in text
    ]


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def council_copies(folder: Path, count: int, start: int = 0) -> list[Path]:
    """Write reports number `start` .. `start + count - 1` into `folder` (created); the
    same number always gives the same file. Returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = _rows()
    written = []
    for number in range(start, start + count):
        file_name, names = TEMPLATES[number % len(TEMPLATES)]
        text = (TEXT_EXPORTS / file_name).read_text(encoding="utf-8")
        new_name = file_name
        for name in names:
            original = next(r["short"] for r in rows if r["name"] == name)
            stand_in = _stand_ins(name, text, rows)[number // len(TEMPLATES)]
            text = re.sub(rf"\b{re.escape(original)}\b", stand_in, text)
            new_name = new_name.replace(_slug(original), _slug(stand_in))
        path = folder / new_name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
