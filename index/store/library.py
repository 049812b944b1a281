"""The live index, opened read-only: reports, passages, dense and lexical indexes."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from peerchat.core.errors import IndexDamaged
from peerchat.core.records import ActionRow, Chunk, Recommendation, Report
from peerchat.index.store.dense import DenseIndex
from peerchat.index.store.generations import Manifest, current_generation, read_manifest
from peerchat.index.store.lexical import LexicalIndex
from peerchat.index.store.mapped import MappedFiles
from peerchat.index.store.passages import Passages
from peerchat.index.store.register import Register, read_register
from peerchat.index.store.sentences import SentenceIndex
from peerchat.index.store.sqlite import StoredReport, read_reports, report_texts


@dataclass
class Library:
    """One generation of the index, opened read-only: report records (without their text)
    and the register in memory; report texts, passages, vectors and sentences on disk
    (SQLite, memory-mapped arrays). Shared between the app's sessions and a server's
    threads.

    A report's `text` is empty here: nothing that answers a question reads it, and at
    thousands of reports it would be hundreds of megabytes. `with_texts` gives reports
    whole (for writing the next generation)."""

    generation: Path
    manifest: Manifest
    stored: list[StoredReport]
    chunks: Passages
    dense: DenseIndex
    lexical: LexicalIndex
    sentences: SentenceIndex
    register: Register = field(default_factory=Register)  # recommendations, signposts, actions
    reports: dict[str, Report] = field(init=False)
    rows_by_report: dict[str, np.ndarray] = field(init=False)
    report_ids: list[str] = field(init=False)  # report position -> id
    report_of_row: np.ndarray = field(init=False)  # passage row -> report position
    recommendations_by_chunk: dict[str, list[Recommendation]] = field(init=False)
    actions_by_chunk: dict[str, list[ActionRow]] = field(init=False)  # action-plan rows
    recommendation_rows: np.ndarray = field(init=False)  # register recommendation -> row
    mapped: MappedFiles = field(init=False, repr=False)  # the memory-mapped files, watched
    # A joint report is known by the council it names first ("the Bromsgrove report"):
    # each council it names after that -> the report's other councils ("Redditch Borough
    # Council" -> {"Bromsgrove District Council"}).
    partners: dict[str, frozenset[str]] = field(init=False)
    joint: tuple[tuple[str, ...], ...] = field(init=False)  # each joint report's councils

    def __post_init__(self) -> None:
        self.mapped = MappedFiles(self.generation.parent)
        self.reports = {s.report.id: s.report for s in self.stored}
        # Asked several times a question; worked out once (the library is read-only).
        self._councils = tuple(sorted({c for s in self.stored for c in s.report.councils}))
        # The councils of each joint report, as it names them ("B&R" in a question).
        self.joint = tuple(
            sorted({tuple(s.report.councils) for s in self.stored if len(s.report.councils) > 1})
        )
        partners: dict[str, set[str]] = {}
        for councils in self.joint:
            for council in councils[1:]:
                partners.setdefault(council, set()).update(set(councils) - {council})
        self.partners = {c: frozenset(others) for c, others in partners.items()}
        self.report_ids = list(self.reports)
        position = {rid: i for i, rid in enumerate(self.report_ids)}
        self.report_of_row = np.asarray(
            [position[rid] for rid in self.chunks.report_ids()], dtype=np.int64
        ).reshape(-1)
        order = np.argsort(self.report_of_row, kind="stable")
        bounds = np.searchsorted(self.report_of_row[order], np.arange(len(self.report_ids) + 1))
        self.rows_by_report = {
            rid: order[bounds[i] : bounds[i + 1]]
            for i, rid in enumerate(self.report_ids)
            if bounds[i + 1] > bounds[i]
        }
        self.recommendations_by_chunk = {}
        for rec in self.register.recommendations:
            self.recommendations_by_chunk.setdefault(rec.chunk_id, []).append(rec)
        self.actions_by_chunk = {}
        for action in self.register.actions:
            self.actions_by_chunk.setdefault(action.chunk_id, []).append(action)
        row_of = self.chunks.rows_of_ids(list(self.recommendations_by_chunk))
        self.recommendation_rows = np.asarray(
            [row_of.get(rec.chunk_id, -1) for rec in self.register.recommendations],
            dtype=np.int64,
        ).reshape(-1)

    @classmethod
    def open(cls, index_dir: Path) -> Library:
        """Load the live generation; IndexMissing / IndexIncompatible say how to rebuild,
        and IndexDamaged names a file that cannot be read."""
        generation = current_generation(index_dir)
        manifest = read_manifest(generation)
        store = generation / "store.sqlite"
        if not store.is_file():
            raise IndexDamaged(index_dir, store, "it is missing")
        try:
            conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
            try:
                stored = read_reports(conn, with_text=False)
                register = read_register(conn)
            finally:
                conn.close()
        except (sqlite3.Error, ValueError, KeyError, TypeError) as exc:
            raise IndexDamaged(index_dir, store, str(exc)) from exc
        mapped = MappedFiles(index_dir)
        chunks = Passages(store)
        dense = DenseIndex.load(generation, mapped)
        lexical_dir = generation / "lexical"
        if len(chunks):
            for path in sorted(lexical_dir.glob("*.npy")):
                mapped.watch(path)  # checked and watched; bm25s maps it itself
            try:
                lexical = LexicalIndex.load(lexical_dir)
            except (RuntimeError, OSError, ValueError, KeyError) as exc:
                raise IndexDamaged(index_dir, lexical_dir, str(exc)) from exc
        else:
            lexical = LexicalIndex.build([])
        sentences = SentenceIndex.load(generation, len(chunks), mapped)
        if dense.vectors.ndim != 2 or dense.size != len(chunks):
            raise IndexDamaged(
                index_dir,
                generation / "dense.npy",
                f"{dense.size} vectors for {len(chunks)} passages",
            )
        if len(sentences.vectors) != len(sentences.spans):
            raise IndexDamaged(
                index_dir,
                generation / "sentences.npy",
                f"{len(sentences.vectors)} sentence vectors for {len(sentences.spans)} sentences",
            )
        library = cls(generation, manifest, stored, chunks, dense, lexical, sentences, register)
        library.mapped = mapped
        return library

    def check(self) -> None:
        """IndexDamaged when a file this library memory-maps was cut short or grew after it
        was opened (reading it would kill the process): call before reading it."""
        self.mapped.check()

    def release(self, above_mb: float = 0) -> bool:
        """Let go of the memory-mapped pages questions read once they pass `above_mb`
        (MappedFiles.release): call once a question is answered."""
        return self.mapped.release(above_mb)

    def with_texts(self, stored: Sequence[StoredReport]) -> list[StoredReport]:
        """`stored` with the text of each of this library's reports (those read without
        it) read back from disk."""
        wanted = [s.report.id for s in stored if s.report.id in self.reports and not s.report.text]
        conn = sqlite3.connect(f"file:{self.store_path()}?mode=ro", uri=True)
        try:
            texts = report_texts(conn, wanted)
        finally:
            conn.close()
        return [
            replace(s, report=replace(s.report, text=texts[s.report.id]))
            if s.report.id in texts
            else s
            for s in stored
        ]

    def report_text(self, report_id: str) -> str:
        """The cleaned text of one report, read from disk ("" for an unknown id)."""
        conn = sqlite3.connect(f"file:{self.store_path()}?mode=ro", uri=True)
        try:
            return report_texts(conn, [report_id]).get(report_id, "")
        finally:
            conn.close()

    def chunks_of(self, report_id: str) -> list[Chunk]:
        """The passages of one report, in reading order."""
        return [self.chunks[int(r)] for r in self.rows_by_report.get(report_id, ())]

    def chunks_by_id(self, ids: list[str]) -> dict[str, Chunk]:
        """The passages with these ids (those that exist)."""
        return {cid: self.chunks[row] for cid, row in self.chunks.rows_of_ids(ids).items()}

    def sentence_text(self, row: int) -> str:
        chunk_row, start, end = self.sentences.spans[row]
        return self.chunks[int(chunk_row)].text[int(start) : int(end)]

    @property
    def councils(self) -> list[str]:
        """Every council with a report in the library, sorted (a new list each call)."""
        return list(self._councils)

    def store_path(self) -> Path:
        return self.generation / "store.sqlite"
