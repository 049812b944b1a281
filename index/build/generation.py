"""Writing a generation: the whole library at once (`write_full`), or from the live
generation plus the reports added since and minus those removed (`write_incremental`).

Both write the same files with the same content (the test suite builds libraries both
ways and compares them). The incremental writer never reads the passages of reports it
keeps: their sentences, vectors, flags, keys, terms and BM25 term counts are copied from
the live generation's arrays, and only what depends on the whole library (BM25 scores,
term weights, which sentences are template text, the register of the councils concerned)
is worked out again.
"""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
import time
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np

from peerchat.core.logs import event, seconds_since
from peerchat.core.memory import give_back_freed_memory
from peerchat.core.records import Chunk, Report
from peerchat.index.embedding.cache import CachedEmbedder, EmbeddingCache, embed_into
from peerchat.index.embedding.embedders import Embedder
from peerchat.index.register.extract import build_register
from peerchat.index.store import dense as dense_files
from peerchat.index.store import lexical as lexical_files
from peerchat.index.store import rowfile
from peerchat.index.store import sentences as sentence_index
from peerchat.index.store.dense import DenseIndex, pool_sentences
from peerchat.index.store.generations import (
    FORMAT_VERSION,
    Manifest,
    new_generation,
    prune,
    publish,
    write_manifest,
)
from peerchat.index.store.lexical import LexicalIndex, overlap_terms, term_counts
from peerchat.index.store.library import Library
from peerchat.index.store.passages import Passages
from peerchat.index.store.register import Register, drop_register, write_register
from peerchat.index.store.sentences import (
    OK,
    heading_keys,
    quotable,
    sentence_features,
    term_lists,
    write_sentence_features,
    write_terms,
)
from peerchat.index.store.sqlite import StoredReport, report_texts, update_store, write_store
from peerchat.ingest import PARSER_VERSION
from peerchat.ingest.sentences import sentence_spans

log = logging.getLogger("peerchat.ingest")

Progress = Callable[[str, int, int], None]

# Files a generation needs for the next one to be written from it incrementally.
INCREMENTAL_FILES = (
    sentence_index.KEYS,
    lexical_files.TERMS,
    lexical_files.COUNTS,
    lexical_files.TERMS_AT,
)


def can_write_from(library: Library) -> bool:
    """Whether a generation can be written incrementally from `library` (one written by a
    peerchat that keeps the arrays this needs)."""
    folder = library.generation
    if not all((folder / name).is_file() for name in INCREMENTAL_FILES):
        return False
    try:
        vocab = json.loads((folder / sentence_index.VOCAB).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    register = library.register
    return "df" in vocab and len(register.vectors) == len(register.recommendations)


def write_full(
    index_dir: Path,
    embedder: Embedder,
    chunk_tokens: int,
    stored: list[StoredReport],
    chunks_of: Callable[[str], Sequence[Chunk]],
    text_of: TextOf,
    progress: Progress | None,
    ann_min_passages: int,
) -> int:
    """Write and publish a generation of the whole library (`stored`, in order; the
    passages of each report by `chunks_of(report id)`, the text of a report held without
    it by `text_of(report id)`); return how many texts were embedded afresh.

    The passages and report texts are streamed into the new store a report at a time,
    then read back from it for each later step: a library's passages and texts are never
    all in memory at once."""
    started = time.monotonic()
    generation = new_generation(index_dir)
    store = generation / "store.sqlite"
    conn = write_store(
        store,
        (_with_text(s, text_of) for s in stored),
        (c for s in stored for c in _with_sources([s], list(chunks_of(s.report.id)))),
    )
    conn.close()
    chunks = Passages(store)
    cache = EmbeddingCache(index_dir / "embed-cache.sqlite", embedder)
    try:
        spans = _spans(chunks, 0)
        np.save(generation / sentence_index.SPANS, spans)
        embedded = _embed(generation, cache, embedder.dim, chunks, spans, progress, started)
        give_back_freed_memory()
        # Recommendation register (issue 6): extracted, theme-tagged, linked, same store;
        # its texts are embedded through the cache too.
        register = build_register(
            _TextsFromStore(store, [s.report for s in stored]),
            chunks.of_report,
            CachedEmbedder(cache),
        )
        give_back_freed_memory()
        if progress:
            progress("indexing", 0, 1)
        write_sentence_features(
            generation, chunks, spans, [s.report for s in stored], register.recommendations
        )
        give_back_freed_memory()
        vocab: dict[str, int] = {}
        terms, counts, at = term_counts((c.text for c in chunks), vocab)
        n = len(chunks)
    finally:
        cache.close()
        chunks.close()
    conn = sqlite3.connect(store)
    try:
        write_register(conn, register)
    finally:
        conn.close()
    _write_lexical(generation, terms, counts, at, vocab)
    del terms, counts, at
    give_back_freed_memory()
    DenseIndex.build(generation, ann_min_passages)
    _finish(generation, embedder, chunk_tokens, stored, n, progress, started)
    return embedded


def write_incremental(
    index_dir: Path,
    embedder: Embedder,
    chunk_tokens: int,
    library: Library,
    stored: list[StoredReport],
    fresh: Mapping[str, Sequence[Chunk]],
    text_of: TextOf,
    progress: Progress | None,
    ann_min_passages: int,
) -> int:
    """Write and publish a generation from the live one (`library`): `stored` is the new
    library, in order, whose reports are the live generation's (in its order) followed by
    the `fresh` ones (report id -> passages; the text of one held without it by
    `text_of(report id)`); live reports not in `stored` are removed. Return how many texts
    were embedded afresh."""
    started = time.monotonic()
    previous = library.generation
    kept_ids = [s.report.id for s in stored if s.report.id not in fresh]
    fresh_ids = [s.report.id for s in stored if s.report.id in fresh]
    kept_set = set(kept_ids)
    removed_ids = [rid for rid in library.report_ids if rid not in kept_set]
    position = {s.report.id: i for i, s in enumerate(stored)}

    # Rows: the kept passages first, in their order, then the new ones.
    old_positions = np.asarray(
        [i for i, rid in enumerate(library.report_ids) if rid in kept_set], dtype=np.int64
    )
    keep = np.isin(library.report_of_row, old_positions)
    kept_rows = np.flatnonzero(keep)
    new_row_of = np.full(len(keep), -1, dtype=np.int64)
    new_row_of[kept_rows] = np.arange(len(kept_rows))
    first_new = len(kept_rows)
    new_chunks = _with_sources(stored, [c for rid in fresh_ids for c in fresh[rid]])
    n = first_new + len(new_chunks)
    new_position = np.asarray(
        [position.get(rid, -1) for rid in library.report_ids], dtype=np.int64
    ).reshape(-1)
    report_of_row = np.concatenate(
        [
            new_position[library.report_of_row[kept_rows]],
            np.asarray([position[c.report_id] for c in new_chunks], dtype=np.int64).reshape(-1),
        ]
    )

    old_spans = np.asarray(library.sentences.spans)
    kept_sentences = np.flatnonzero(keep[old_spans[:, 0]]) if len(old_spans) else np.zeros(0, int)
    spans_kept = old_spans[kept_sentences].copy()
    spans_kept[:, 0] = new_row_of[spans_kept[:, 0]]
    spans_new = _spans(new_chunks, first_new)
    spans = np.concatenate([spans_kept, spans_new]).astype(np.int32).reshape(-1, 3)
    m_kept = len(spans_kept)

    generation = new_generation(index_dir)
    np.save(generation / sentence_index.SPANS, spans)
    store = generation / "store.sqlite"
    # Moving the kept rows' bytes (vectors, the store) is the disk's work: it is done in
    # a thread beside the BM25 index, which is the processor's.
    with ThreadPoolExecutor(max_workers=1) as side:
        copied = side.submit(
            _copy_kept,
            library,
            generation,
            (
                (dense_files.VECTORS, kept_rows, np.float32, n),
                (sentence_index.VECTORS, kept_sentences, np.float16, len(spans)),
            ),
            embedder.dim,
        )
        _write_lexical_from(library, generation, kept_rows, new_chunks)
        copied.result()
    cache = EmbeddingCache(index_dir / "embed-cache.sqlite", embedder)
    # The IVF index (read, changed and written again) is built in a thread beside the
    # store, the register and the sentence features, once the new vectors are written.
    with ThreadPoolExecutor(max_workers=1) as side:
        try:
            embedded = _embed(
                generation,
                cache,
                embedder.dim,
                new_chunks,
                spans_new,
                progress,
                started,
                first_row=first_new,
                first_sentence=m_kept,
            )
            dense = side.submit(
                DenseIndex.build,
                generation,
                ann_min_passages,
                previous=previous,
                new_row_of=new_row_of,
            )
            conn = update_store(
                store,
                removed_ids,
                new_row_of,
                [_with_text(s, text_of) for s in stored if s.report.id in fresh],
                new_chunks,
            )
            try:
                drop_register(conn)
                affected = _affected(stored, fresh_ids, [library.reports[r] for r in removed_ids])
                own_chunks: dict[str, list[Chunk]] = {}
                for c in new_chunks:
                    own_chunks.setdefault(c.report_id, []).append(c)
                for rid in kept_ids:
                    if rid in affected:
                        own_chunks[rid] = library.chunks_of(rid)
                texts = report_texts(conn, [s.report.id for s in stored if s.report.id in affected])
                part = build_register(
                    [
                        replace(s.report, text=texts[s.report.id])
                        for s in stored
                        if s.report.id in affected
                    ],
                    [
                        c
                        for s in stored
                        if s.report.id in affected
                        for c in own_chunks.get(s.report.id, [])
                    ],
                    CachedEmbedder(cache),
                )
                register = _merged_register(library.register, part, affected, kept_set, position)
                write_register(conn, register)
            finally:
                conn.close()
        finally:
            cache.close()
        if progress:
            progress("indexing", 0, 1)

        # Sentences: flags, keys and terms of the kept ones copied, of the new ones (and of
        # kept reports whose register changed) worked out; then what needs the whole library.
        flags = np.asarray(library.sentences.flags)[kept_sentences] & np.uint8(~OK & 0xFF)
        keys_kept = np.load(previous / sentence_index.KEYS, mmap_mode="r")[kept_sentences]
        new_flags, keys_new, new_terms = sentence_features(
            new_chunks, spans_new, register.recommendations, first_row=first_new
        )
        flags = np.concatenate([flags, new_flags])
        keys = np.concatenate([np.asarray(keys_kept, dtype=np.int64), keys_new])
        first = np.searchsorted(spans[:, 0], np.arange(n + 1), side="left")
        for rid in kept_ids:
            if rid not in affected or not own_chunks.get(rid):
                continue
            rows = np.flatnonzero(report_of_row == position[rid])
            lo, hi = first[rows[0]], first[rows[-1] + 1]
            flags[lo:hi] = sentence_features(
                own_chunks[rid], spans[lo:hi], register.recommendations, first_row=int(rows[0])
            )[0]
        flags |= np.where(
            quotable(
                keys, report_of_row[spans[:, 0]], heading_keys(s.report for s in stored), flags
            ),
            OK,
            0,
        ).astype(np.uint8)
        np.save(generation / sentence_index.KEYS, keys)

        vocab_data = json.loads((previous / sentence_index.VOCAB).read_text(encoding="utf-8"))
        vocab = {t: i for i, t in enumerate(vocab_data["terms"])}
        df = list(vocab_data["df"])
        for rid in removed_ids:
            for chunk in library.chunks_of(rid):
                for term in overlap_terms(chunk.text):
                    df[vocab[term]] -= 1
        for chunk in new_chunks:
            for term in overlap_terms(chunk.text):
                if term not in vocab:
                    vocab[term] = len(vocab)
                    df.append(0)
                df[vocab[term]] += 1
        alive = np.asarray(df, dtype=np.int64) > 0
        remap = np.where(alive, np.cumsum(alive) - 1, -1)
        old_ids, old_at = _ragged(
            np.load(previous / sentence_index.TERMS, mmap_mode="r"),
            np.load(previous / sentence_index.TERMS_AT, mmap_mode="r"),
            kept_sentences,
        )
        old_ids, old_at = _renumbered(old_ids, old_at, remap)
        vocab = {t: int(remap[i]) for t, i in vocab.items() if alive[i]}
        new_ids, new_at = term_lists(new_terms, vocab)
        write_terms(
            generation,
            flags,
            np.concatenate([old_ids, new_ids]),
            np.concatenate([old_at, old_at[-1] + new_at[1:]]),
            list(vocab),
            [d for d in df if d > 0],
            n,
        )
        dense.result()

    event(
        log,
        "generation_incremental",
        kept=len(kept_ids),
        added=len(fresh_ids),
        removed=len(removed_ids),
        register_reports=len(affected),
    )
    _finish(generation, embedder, chunk_tokens, stored, n, progress, started)
    return embedded


def _copy_kept(
    library: Library,
    generation: Path,
    vectors: tuple[tuple[str, np.ndarray, type, int], ...],
    dim: int,
) -> None:
    """Copy the live generation's store, and the kept rows of each vector file (name, the
    rows kept, type, the new file's rows), into `generation`: file to file (a run of rows
    at a time), never through memory (index/store/rowfile.py)."""
    previous = library.generation
    for name, rows, dtype, count in vectors:
        rowfile.create(generation / name, dtype, (count, dim))
        with (
            rowfile.RowFile(previous / name) as source,
            rowfile.RowFile(generation / name, writable=True) as out,
        ):
            out.copy_rows(source, rows)
    shutil.copyfile(library.store_path(), generation / "store.sqlite")


def _write_lexical_from(
    library: Library, generation: Path, kept_rows: np.ndarray, new_chunks: Sequence[Chunk]
) -> None:
    """The BM25 index of the new generation from the live one's term counts of the kept
    passages and those of the new ones."""
    previous = library.generation
    lex_vocab = dict(library.lexical.vocab)
    old_lex_at = np.load(previous / lexical_files.TERMS_AT, mmap_mode="r")
    terms, lex_at = _ragged(
        np.load(previous / lexical_files.TERMS, mmap_mode="r"), old_lex_at, kept_rows
    )
    counts = _ragged(
        np.load(previous / lexical_files.COUNTS, mmap_mode="r"), old_lex_at, kept_rows
    )[0]
    more_terms, more_counts, more_at = term_counts((c.text for c in new_chunks), lex_vocab)
    terms = np.concatenate([terms, more_terms])
    counts = np.concatenate([counts, more_counts])
    lex_at = np.concatenate([lex_at, lex_at[-1] + more_at[1:]])
    used = np.bincount(terms, minlength=len(lex_vocab)) > 0
    lex_remap = np.where(used, np.cumsum(used) - 1, -1)
    terms = lex_remap[terms]
    lex_vocab = {t: int(lex_remap[i]) for t, i in lex_vocab.items() if used[i]}
    _write_lexical(generation, terms, counts, lex_at, lex_vocab)


# The text of a report by its id, for reports held without it.
TextOf = Callable[[str], str]


def _with_text(stored: StoredReport, text_of: TextOf) -> StoredReport:
    """`stored` with its report's text, read by `text_of` when it is held without."""
    if stored.report.text:
        return stored
    return replace(stored, report=replace(stored.report, text=text_of(stored.report.id)))


class _TextsFromStore:
    """`reports` (held without their texts) with each text read back from the generation's
    store as it is reached, a page at a time: a library's texts are not all held at once.
    It can be read more than once (the register reads its reports twice)."""

    PAGE = 100

    def __init__(self, store: Path, reports: Sequence[Report]) -> None:
        self._store = store
        self._reports = reports

    def __iter__(self) -> Iterator[Report]:
        conn = sqlite3.connect(f"file:{self._store}?mode=ro", uri=True)
        try:
            for start in range(0, len(self._reports), self.PAGE):
                page = self._reports[start : start + self.PAGE]
                texts = report_texts(conn, [r.id for r in page])
                for report in page:
                    yield replace(report, text=texts.get(report.id, report.text))
        finally:
            conn.close()


def _with_sources(stored: Sequence[StoredReport], chunks: list[Chunk]) -> list[Chunk]:
    """A renamed file keeps its passages; their `source` must follow the report."""
    sources = {s.report.id: s.report.source for s in stored}
    return [
        c if c.source == sources[c.report_id] else replace(c, source=sources[c.report_id])
        for c in chunks
    ]


def _spans(chunks: Sequence[Chunk], first_row: int) -> np.ndarray:
    """(passage row, start, end) of every sentence, in row order (built without a tuple a
    sentence: a library has millions)."""
    flat = array("i")
    for row, chunk in enumerate(chunks, start=first_row):
        for start, end in sentence_spans(chunk.text):
            flat.extend((row, start, end))
    return np.frombuffer(flat, dtype=np.int32).copy().reshape(-1, 3)


def _embed(
    generation: Path,
    cache: EmbeddingCache,
    dim: int,
    chunks: Sequence[Chunk],
    spans: np.ndarray,
    progress: Progress | None,
    started: float,
    first_row: int = 0,
    first_sentence: int = 0,
) -> int:
    """Embed the sentences `spans` of `chunks` into the generation's sentence vectors from
    row `first_sentence` on, and pool them into its passage vectors from `first_row` on
    (both files exist when `first_sentence` or `first_row` is not 0)."""
    path_p, path_s = generation / dense_files.VECTORS, generation / sentence_index.VECTORS
    if not (first_row or first_sentence):
        rowfile.create(path_p, np.float32, (len(chunks), dim))
        rowfile.create(path_s, np.float16, (len(spans), dim))
    # Written and read back through the files, not memory maps (index/store/rowfile.py).
    passage_file = rowfile.RowFile(path_p, writable=True)
    sentence_file = rowfile.RowFile(path_s, writable=True)
    try:
        new_passages = passage_file.rows(first_row)
        new_sentences = sentence_file.rows(first_sentence)
        report = (lambda done: progress("embedding", done, len(spans))) if progress else None

        def sentence_text(i: int) -> str:
            row, start, end = spans[i]
            return chunks[row - first_row].text[start:end]

        embedded = embed_into(
            cache,
            len(spans),
            sentence_text,
            new_sentences,
            (lambda done, _: report(done)) if report else None,
        )
        # A passage's vector is the mean of its sentences' (normalised): the sentences are
        # embedded anyway, and passages cost five times their number to embed.
        owners = spans[:, 0] - first_row if len(spans) else np.zeros(0, dtype=np.int64)
        unpooled = pool_sentences(new_sentences, owners, new_passages)
        if len(unpooled):
            embedded += embed_into(
                cache,
                len(unpooled),
                lambda i: chunks[int(unpooled[i])].text,
                vectors := np.zeros((len(unpooled), dim), dtype=np.float32),
            )
            new_passages[unpooled] = vectors
        event(
            log,
            "embedded",
            texts=len(spans) + len(unpooled),
            embedded=embedded,
            seconds=seconds_since(started),
        )
    finally:
        passage_file.close()
        sentence_file.close()
    return embedded


def _ragged(values: np.ndarray, at: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The values of `rows` of a ragged array (values, offsets): (values, new offsets)."""
    starts = np.asarray(at[rows], dtype=np.int64)
    lengths = np.asarray(at[rows + 1], dtype=np.int64) - starts
    new_at = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    positions = np.repeat(starts - new_at[:-1], lengths) + np.arange(new_at[-1])
    return np.asarray(values[positions]) if len(positions) else np.asarray(values[:0]), new_at


def _renumbered(
    ids: np.ndarray, at: np.ndarray, remap: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Term ids renumbered by `remap`, dropping those it maps to -1."""
    mapped = remap[np.asarray(ids, dtype=np.int64)] if len(ids) else np.zeros(0, np.int64)
    keep = mapped >= 0
    if keep.all():
        return mapped.astype(np.int32), np.asarray(at, dtype=np.int64)
    owner = np.repeat(np.arange(len(at) - 1), np.diff(at))
    lengths = np.bincount(owner[keep], minlength=len(at) - 1)
    return mapped[keep].astype(np.int32), np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)


def _write_lexical(
    generation: Path,
    terms: np.ndarray,
    counts: np.ndarray,
    at: np.ndarray,
    vocab: dict[str, int],
) -> None:
    np.save(generation / lexical_files.TERMS, np.asarray(terms, dtype=np.int32))
    np.save(generation / lexical_files.COUNTS, np.asarray(counts, dtype=np.int32))
    np.save(generation / lexical_files.TERMS_AT, np.asarray(at, dtype=np.int64))
    lexical_dir = generation / "lexical"
    lexical_dir.mkdir()
    if len(at) > 1:
        LexicalIndex.from_counts(terms, counts, at, vocab).save(lexical_dir)


def _affected(
    stored: Sequence[StoredReport], fresh_ids: Sequence[str], removed: Sequence[Report]
) -> set[str]:
    """The reports whose register entries an addition or removal can change: the new ones
    and every report sharing a council with them or with a removed one, closed over
    shared councils (a recommendation is filtered, and an action-plan row linked, only
    within its councils)."""
    by_id = {s.report.id: s.report for s in stored}
    affected = set(fresh_ids)
    councils = {c for rid in fresh_ids for c in by_id[rid].councils}
    councils |= {c for r in removed for c in r.councils}
    grew = True
    while grew:
        grew = False
        for s in stored:
            rid = s.report.id
            if rid not in affected and councils & set(s.report.councils):
                affected.add(rid)
                councils |= set(s.report.councils)
                grew = True
    return affected


def _merged_register(
    old: Register,
    part: Register,
    affected: set[str],
    kept: set[str],
    position: dict[str, int],
) -> Register:
    """The live register's entries of unaffected reports and the rebuilt `part` of the
    affected ones, in report order (as a register of the whole library lists them)."""

    def unaffected(rid: str) -> bool:
        return rid in kept and rid not in affected

    def merged(olds, news):
        return sorted(
            [x for x in olds if unaffected(x.report_id)] + list(news),
            key=lambda x: position[x.report_id],
        )

    old_vectors = old.vectors if len(old.vectors) else None
    pairs = [
        (r, None if old_vectors is None else old_vectors[i])
        for i, r in enumerate(old.recommendations)
        if unaffected(r.report_id)
    ]
    pairs += [
        (r, part.vectors[i] if len(part.vectors) else None)
        for i, r in enumerate(part.recommendations)
    ]
    pairs.sort(key=lambda p: position[p[0].report_id])
    recs = tuple(r for r, _ in pairs)
    vectors = (
        np.vstack([v for _, v in pairs]).astype(np.float32)
        if pairs and all(v is not None for _, v in pairs)
        else np.zeros((0, 0), dtype=np.float32)
    )
    return Register(
        recs,
        tuple(merged(old.signposts, part.signposts)),
        tuple(merged(old.actions, part.actions)),
        vectors,
    )


def _finish(
    generation: Path,
    embedder: Embedder,
    chunk_tokens: int,
    stored: list[StoredReport],
    passages: int,
    progress: Progress | None,
    started: float,
) -> None:
    write_manifest(
        generation,
        Manifest(
            format_version=FORMAT_VERSION,
            embedder=embedder.name,
            dim=embedder.dim,
            chunk_tokens=chunk_tokens,
            parser_version=PARSER_VERSION,
            created=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            reports=len(stored),
            passages=passages,
            pages=sum(s.report.n_pages for s in stored),
        ),
    )
    if progress:
        progress("indexing", 1, 1)
    event(
        log,
        "generation_written",
        generation=generation.name,
        reports=len(stored),
        passages=passages,
        seconds=seconds_since(started),
    )
    publish(generation)
    prune(index_dir=generation.parent)
