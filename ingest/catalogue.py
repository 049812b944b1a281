"""catalogue.csv: per-file corrections of council, report type and date."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from peerchat.core.errors import PeerchatError

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
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")  # saved by Excel on Windows
        try:
            rows = list(csv.DictReader(io.StringIO(text, newline="")))
        except csv.Error as exc:
            raise PeerchatError(f"{path}: not a readable CSV ({exc})") from exc
        for row in rows:
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
