"""The live index, loaded read-only: reports, passages, dense and lexical indexes."""

from __future__ import annotations

import math
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.dense import DenseIndex
from index.generations import Manifest, current_generation, read_manifest
from index.lexical import LexicalIndex, overlap_terms
from index.register import Register, read_register
from index.store import StoredReport, read_chunks, read_reports, read_sentences
from peerchat.errors import IndexIncompatible
from peerchat.records import Chunk, Recommendation, Report


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
    register: Register = field(default_factory=Register)  # recommendations, signposts, actions
    reports: dict[str, Report] = field(init=False)
    rows_by_report: dict[str, np.ndarray] = field(init=False)
    report_ids: list[str] = field(init=False)  # report position -> id
    report_of_row: np.ndarray = field(init=False)  # chunk row -> report position
    recommendations_by_chunk: dict[str, list[Recommendation]] = field(init=False)
    term_weight: dict[str, float] = field(init=False)  # IDF of each term over passages
    sentence_terms: list[frozenset[str]] = field(init=False)
    sentence_ok: np.ndarray = field(init=False)  # False for template text and fragments
    sentence_is_recommendation: np.ndarray = field(init=False)
    sentence_has_number: np.ndarray = field(
        init=False
    )  # 1.0 where a figure is given  # 1.0 in recommendations

    def __post_init__(self) -> None:
        self.reports = {s.report.id: s.report for s in self.stored}
        by_report: dict[str, list[int]] = {}
        for row, chunk in enumerate(self.chunks):
            by_report.setdefault(chunk.report_id, []).append(row)
        self.rows_by_report = {rid: np.asarray(rows) for rid, rows in by_report.items()}
        self.recommendations_by_chunk = {}
        for rec in self.register.recommendations:
            self.recommendations_by_chunk.setdefault(rec.chunk_id, []).append(rec)
        self._index_sentences()
        position = {rid: i for i, rid in enumerate(self.reports)}
        self.report_ids = list(self.reports)
        self.report_of_row = np.asarray(
            [position[c.report_id] for c in self.chunks], dtype=np.int64
        ).reshape(-1)

    def _index_sentences(self) -> None:
        """Per-sentence terms, term weights (IDF over passages), and which sentences are
        template text (the same sentence in two or more reports, e.g. the peer challenge's
        standard scope questions) or too short to be an answer."""
        chunk_terms = [overlap_terms(c.text) for c in self.chunks]
        df: dict[str, int] = {}
        for terms in chunk_terms:
            for term in terms:
                df[term] = df.get(term, 0) + 1
        n = max(1, len(self.chunks))
        self.term_weight = {t: math.log(1 + n / d) for t, d in df.items()}
        self.sentence_terms = []
        reports_by_text: dict[str, set[str]] = {}
        keys = []
        texts = []
        for chunk_row, start, end in self.sentence_spans:
            chunk = self.chunks[chunk_row]
            text = chunk.text[start:end].rstrip()
            texts.append(text)
            self.sentence_terms.append(overlap_terms(text))
            key = _key(text)
            keys.append(key)
            reports_by_text.setdefault(key, set()).add(chunk.report_id)
        self.sentence_is_recommendation = np.asarray(
            [
                self.chunks[row].kind == "table row"
                or "recommendation" in self.chunks[row].section.lower()
                or self._states_recommendation(self.chunks[row], start, end)
                for row, start, end in self.sentence_spans
            ],
            dtype=np.float32,
        ).reshape(-1)
        self.sentence_in_signpost = np.asarray(
            ["signpost" in self.chunks[row].section.lower() for row, _, _ in self.sentence_spans],
            dtype=np.float32,
        ).reshape(-1)
        # "Dawn Baxendale – CEX, ...", "Rachel Litherland, Principal Adviser ...": a person.
        person = [bool(PERSON.match(text.lstrip("• "))) for text in texts]
        # ... and the lead-in of a list of people ("The peers ... were:").
        spans = self.sentence_spans
        for i in range(len(texts) - 1):
            if texts[i].endswith(":") and spans[i + 1, 0] == spans[i, 0] and person[i + 1]:
                person[i] = True
        self.sentence_names_person = np.asarray(person, dtype=np.float32).reshape(-1)
        self.sentence_has_number = np.asarray(
            [bool(re.search(r"\d|£|%", text)) for text in texts], dtype=np.float32
        ).reshape(-1)
        # Headings and titles name a topic but say nothing about it.
        headings = {_key(r.title) for r in self.reports.values()}
        for report in self.reports.values():
            for section in (s for s in report.sections if s.kind != "signpost"):
                # A signpost's heading names what is signposted: it stays quotable.
                headings.update(
                    {_key(section.heading), _key(f"{section.number} {section.heading}")}
                )
        # A lead-in ending with ":" may be quoted: the answer then lists what follows it.
        self.sentence_ok = np.asarray(
            [
                len(key.split()) >= 4 and len(reports_by_text[key]) < 2 and key not in headings
                for key, text in zip(keys, texts)
            ],
            dtype=bool,
        )

    def _states_recommendation(self, chunk: Chunk, start: int, end: int) -> bool:
        """Whether the sentence at start:end of `chunk` overlaps a register recommendation."""
        return any(
            rec.start < chunk.start + end and chunk.start + start < rec.end
            for rec in self.recommendations_by_chunk.get(chunk.id, ())
        )

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
                register = read_register(conn)
            finally:
                conn.close()
            dense = DenseIndex.load(generation / "dense.faiss")
            lexical = (
                LexicalIndex.load(generation / "lexical") if chunks else LexicalIndex.build([])
            )
            sentence_vectors = np.load(generation / "sentences.npy")
        except (sqlite3.Error, RuntimeError, OSError, ValueError, KeyError) as exc:
            raise IndexIncompatible(index_dir, f"it is damaged ({exc})") from exc
        if dense.size != len(chunks):
            raise IndexIncompatible(index_dir, f"{dense.size} vectors for {len(chunks)} passages")
        if len(sentence_vectors) != len(spans):
            raise IndexIncompatible(
                index_dir, f"{len(sentence_vectors)} sentence vectors for {len(spans)} sentences"
            )
        return cls(
            generation, manifest, stored, chunks, dense, lexical, spans, sentence_vectors, register
        )

    @property
    def councils(self) -> list[str]:
        """Every council with a report in the library, sorted."""
        return sorted({c for s in self.stored for c in s.report.councils})

    def store_path(self) -> Path:
        return self.generation / "store.sqlite"


PERSON = re.compile(
    r"^\W*(?:(?:Cllr|Councillor|Dr|Mr|Mrs|Ms|Sir|Dame)\.?\s+)?"
    r"[A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+){1,3}(?:\s+(?:OBE|CBE|MBE))?\s*[,–—-]\s"
)


def _key(text: str) -> str:
    """Text reduced to its lower-case words, for comparing sentences and headings."""
    return re.sub(r"[^a-z]+", " ", text.lower()).strip()
