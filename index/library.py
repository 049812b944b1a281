"""The live index, loaded read-only: reports, passages, dense and lexical indexes."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.dense import DenseIndex
from index.generations import Manifest, current_generation, read_manifest
from index.lexical import LexicalIndex
from index.store import StoredReport, read_chunks, read_reports
from peerchat.errors import IndexIncompatible
from peerchat.records import Chunk, Report


@dataclass
class Library:
    """One generation of the index in memory. Treat it as read-only: it is shared between
    the app's sessions."""

    generation: Path
    manifest: Manifest
    stored: list[StoredReport]
    chunks: list[Chunk]
    dense: DenseIndex
    lexical: LexicalIndex
    reports: dict[str, Report] = field(init=False)
    rows_by_report: dict[str, np.ndarray] = field(init=False)

    def __post_init__(self) -> None:
        self.reports = {s.report.id: s.report for s in self.stored}
        by_report: dict[str, list[int]] = {}
        for row, chunk in enumerate(self.chunks):
            by_report.setdefault(chunk.report_id, []).append(row)
        self.rows_by_report = {rid: np.asarray(rows) for rid, rows in by_report.items()}

    @classmethod
    def open(cls, index_dir: Path) -> Library:
        """Load the live generation; IndexMissing / IndexIncompatible say how to rebuild."""
        generation = current_generation(index_dir)
        manifest = read_manifest(generation)
        try:
            conn = sqlite3.connect(f"file:{generation / 'store.sqlite'}?mode=ro", uri=True)
            try:
                stored = read_reports(conn)
                chunks = read_chunks(conn)
            finally:
                conn.close()
            dense = DenseIndex.load(generation / "dense.faiss")
            lexical = LexicalIndex.load(generation / "lexical") if chunks else LexicalIndex.build([])
        except (sqlite3.Error, RuntimeError, OSError, ValueError, KeyError) as exc:
            raise IndexIncompatible(index_dir, f"it is damaged ({exc})") from exc
        if dense.size != len(chunks):
            raise IndexIncompatible(
                index_dir, f"{dense.size} vectors for {len(chunks)} passages"
            )
        return cls(generation, manifest, stored, chunks, dense, lexical)

    @property
    def councils(self) -> list[str]:
        """Every council with a report in the library, sorted."""
        return sorted({c for s in self.stored for c in s.report.councils})

    def store_path(self) -> Path:
        return self.generation / "store.sqlite"
