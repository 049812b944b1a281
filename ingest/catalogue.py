"""catalogue.csv: per-file corrections of council, report type and date."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

CATALOGUE_FILE = "catalogue.csv"


@dataclass(frozen=True)
class CatalogueEntry:
    """One row of catalogue.csv; an empty field means "keep what was detected"."""

    file: str
    council: str
    report_type: str
    date: str


class Catalogue:
    """The entries of a folder's catalogue.csv, looked up by file name."""

    def __init__(self, entries: tuple[CatalogueEntry, ...] = ()) -> None:
        self._entries = {entry.file: entry for entry in entries}

    @classmethod
    def load(cls, folder: Path) -> Catalogue:
        """Read `folder/catalogue.csv` (columns file,council,type,date); none gives an empty one."""
        path = Path(folder) / CATALOGUE_FILE
        if not path.is_file():
            return cls()
        entries = []
        with path.open(newline="", encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle):
                row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
                if not row.get("file"):
                    continue
                entries.append(
                    CatalogueEntry(
                        file=Path(row["file"]).name,
                        council=row.get("council", ""),
                        report_type=row.get("type", "") or row.get("report_type", ""),
                        date=row.get("date", ""),
                    )
                )
        return cls(tuple(entries))

    def get(self, file_name: str) -> CatalogueEntry | None:
        """The entry for a file name (or path), if any."""
        return self._entries.get(Path(file_name).name)

    def __len__(self) -> int:
        return len(self._entries)
