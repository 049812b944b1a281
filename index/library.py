"""The live index, loaded read-only: reports, passages, dense and lexical indexes."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.dense import DenseIndex
from index.generations import Manifest, current_generation, read_manifest
from index.lexical import LexicalIndex
from index.store import StoredReport, read_chunks, read_reports, read_sentences
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
    sentence_spans: np.ndarray  # (n, 3): chunk row, start, end within the chunk text
    sentence_vectors: np.ndarray  # (n, dim), normalised
    reports: dict[str, Report] = field(init=False)
    rows_by_report: dict[str, np.ndarray] = field(init=False)
    report_ids: list[str] = field(init=False)  # report position -> id
    report_of_row: np.ndarray = field(init=False)  # chunk row -> report position

    def __post_init__(self) -> None:
        self.reports = {s.report.id: s.report for s in self.stored}
        by_report: dict[str, list[int]] = {}
        for row, chunk in enumerate(self.chunks):
            by_report.setdefault(chunk.report_id, []).append(row)
        self.rows_by_report = {rid: np.asarray(rows) for rid, rows in by_report.items()}
        position = {rid: i for i, rid in enumerate(self.reports)}
        self.report_ids = list(self.reports)
        self.report_of_row = np.asarray(
            [position[c.report_id] for c in self.chunks], dtype=np.int64
        ).reshape(-1)

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
                spans = read_sentences(conn)
            finally:
                conn.close()
            dense = DenseIndex.load(generation / "dense.faiss")
            lexical = LexicalIndex.load(generation / "lexical") if chunks else LexicalIndex.build([])
            sentence_vectors = np.load(generation / "sentences.npy")
        except (sqlite3.Error, RuntimeError, OSError, ValueError, KeyError) as exc:
            raise IndexIncompatible(index_dir, f"it is damaged ({exc})") from exc
        if dense.size != len(chunks):
            raise IndexIncompatible(
                index_dir, f"{dense.size} vectors for {len(chunks)} passages"
            )
        if len(sentence_vectors) != len(spans):
            raise IndexIncompatible(
                index_dir, f"{len(sentence_vectors)} sentence vectors for {len(spans)} sentences"
            )
        return cls(generation, manifest, stored, chunks, dense, lexical, spans, sentence_vectors)

    @property
    def councils(self) -> list[str]:
        """Every council with a report in the library, sorted."""
        return sorted({c for s in self.stored for c in s.report.councils})

    def store_path(self) -> Path:
        return self.generation / "store.sqlite"
