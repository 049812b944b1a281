"""Reading many report files at once: worker processes, and a cache of what was read.

Parsing is pure CPU work in Python, so files are read in `workers` processes. What a file
gave (its report and passages) is kept in a parse cache beside the index as soon as it is
read, keyed by the file's content hash and everything else that shapes the result: an
ingest that is interrupted picks up where it stopped without reading finished files again.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from peerchat.core.councils import CouncilDirectory
from peerchat.core.errors import UnreadableReport
from peerchat.core.limits import ReadLimits
from peerchat.core.records import Chunk, Report
from peerchat.ingest import PARSER_VERSION
from peerchat.ingest.catalogue import Catalogue
from peerchat.ingest.chunk import chunk_report
from peerchat.ingest.pdf import die_with_parent
from peerchat.ingest.report import read_report


@dataclass(frozen=True)
class ParseJob:
    """One file to read."""

    path: Path
    digest: str  # sha256 of the file's content
    catalogue: Catalogue
    catalogue_key: str  # the catalogue entry applied, "" for none


@dataclass(frozen=True)
class Parsed:
    """What reading a file gave: its report and passages, or why it could not be read."""

    job: ParseJob
    report: Report | None
    chunks: tuple[Chunk, ...] = ()
    reason: str = ""  # why the file was skipped, when `report` is None


def parse_all(
    jobs: Sequence[ParseJob],
    cache_path: Path,
    councils: CouncilDirectory,
    chunk_tokens: int,
    workers: int = 0,
    done: Callable[[int, int], None] | None = None,
    limits: ReadLimits | None = None,
) -> Iterator[Parsed]:
    """Read every job's file (from the cache where it was read before), yielding results
    in the order of `jobs`. `workers` = 0 uses one process per core."""
    cache = ParseCache(cache_path, chunk_tokens)
    try:
        # A cached file is read back from the cache when its turn comes, not all at once.
        results: list[Parsed | Future | bool | None] = []
        to_read = []
        for i, job in enumerate(jobs):
            cached = cache.has(job)
            results.append(cached or None)
            if not cached:
                to_read.append(i)
        workers = workers or os.cpu_count() or 1
        pool = None
        if len(to_read) > 1 and workers > 1:
            pool = ProcessPoolExecutor(
                max_workers=min(workers, len(to_read)),
                mp_context=multiprocessing.get_context("fork"),
                initializer=die_with_parent,
            )
        try:
            for i in to_read:
                job = jobs[i]
                if pool is not None:
                    results[i] = pool.submit(parse_file, job, councils, chunk_tokens, limits)
            for i, job in enumerate(jobs):
                result = results[i]
                if isinstance(result, Future):
                    result = result.result()
                    cache.put(result)
                elif result is True:
                    result = cache.get(job)
                    if result is None:  # damaged in the cache: read again
                        result = parse_file(job, councils, chunk_tokens, limits)
                        cache.put(result)
                elif result is None:
                    result = parse_file(job, councils, chunk_tokens, limits)
                    cache.put(result)
                results[i] = None  # nothing kept twice
                if done:
                    done(i + 1, len(jobs))
                yield result
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
    finally:
        cache.close()


def parse_file(
    job: ParseJob,
    councils: CouncilDirectory,
    chunk_tokens: int,
    limits: ReadLimits | None = None,
) -> Parsed:
    """Read one file into its report and passages (in a worker process), within `limits`."""
    try:
        report = read_report(job.path, catalogue=job.catalogue, councils=councils, limits=limits)
    except UnreadableReport as exc:
        return Parsed(job, None, reason=exc.reason)
    return Parsed(job, report, tuple(chunk_report(report, max_tokens=chunk_tokens)))


class ParseCache:
    """Parsed files by content hash, catalogue entry, reader version and passage size."""

    def __init__(self, path: Path, chunk_tokens: int) -> None:
        self._chunk_tokens = chunk_tokens
        self._conn = sqlite3.connect(path, timeout=30)
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS parsed (key TEXT PRIMARY KEY, digest TEXT NOT NULL, "
            "value BLOB NOT NULL)"
        )

    def close(self) -> None:
        self._conn.close()

    def _key(self, job: ParseJob) -> str:
        return f"{job.digest}|{job.catalogue_key}|{PARSER_VERSION}|{self._chunk_tokens}"

    def has(self, job: ParseJob) -> bool:
        return (
            self._conn.execute("SELECT 1 FROM parsed WHERE key = ?", (self._key(job),)).fetchone()
            is not None
        )

    def get(self, job: ParseJob) -> Parsed | None:
        row = self._conn.execute(
            "SELECT value FROM parsed WHERE key = ?", (self._key(job),)
        ).fetchone()
        if row is None:
            return None
        try:
            report, chunks = pickle.loads(row[0])
        except Exception:  # noqa: BLE001 - a damaged entry is read again from the file
            return None
        return Parsed(job, report, chunks)

    def put(self, parsed: Parsed) -> None:
        """Keep a successfully read file (failures are tried again next time)."""
        if parsed.report is None:
            return
        value = pickle.dumps((parsed.report, parsed.chunks), protocol=pickle.HIGHEST_PROTOCOL)
        with self._conn:
            self._conn.execute(
                "INSERT OR REPLACE INTO parsed VALUES (?, ?, ?)",
                (self._key(parsed.job), parsed.job.digest, value),
            )

    def keep_only(self, digests: set[str]) -> None:
        """Forget files no longer in the library."""
        known = [r[0] for r in self._conn.execute("SELECT DISTINCT digest FROM parsed")]
        gone = [d for d in known if d not in digests]
        with self._conn:
            self._conn.executemany("DELETE FROM parsed WHERE digest = ?", [(d,) for d in gone])


class ReadPassages(Mapping[str, tuple[Chunk, ...]]):
    """The passages of the files an ingest read, by content hash, kept in the parse cache
    (where `parse_all` put them) rather than in memory: a first ingest of thousands of
    reports would otherwise hold every passage until the generation is written. Each
    look-up reads them back; `count(digest)` needs no read."""

    def __init__(self, cache_path: Path, chunk_tokens: int) -> None:
        self._cache_path = cache_path
        self._chunk_tokens = chunk_tokens
        self._jobs: dict[str, ParseJob] = {}
        self._counts: dict[str, int] = {}
        self._cache: ParseCache | None = None

    def add(self, parsed: Parsed) -> None:
        """Note a file `parse_all` read (and cached)."""
        self._jobs[parsed.job.digest] = parsed.job
        self._counts[parsed.job.digest] = len(parsed.chunks)

    def count(self, digest: str) -> int:
        return self._counts[digest]

    def __getitem__(self, digest: str) -> tuple[Chunk, ...]:
        return self._parsed(digest).chunks

    def report_text(self, digest: str) -> str:
        """The cleaned text of the report read from the file `digest` (an ingest does not
        hold the texts of the reports it read: they are read back when written)."""
        report = self._parsed(digest).report
        return report.text if report is not None else ""

    def _parsed(self, digest: str) -> Parsed:
        job = self._jobs[digest]
        if self._cache is None:
            self._cache = ParseCache(self._cache_path, self._chunk_tokens)
        parsed = self._cache.get(job)
        if parsed is None:  # the cache entry is gone or damaged: read the file again
            raise UnreadableReport(
                job.path, "its passages could not be read back from the parse cache"
            )
        return parsed

    def __iter__(self) -> Iterator[str]:
        return iter(self._jobs)

    def __len__(self) -> int:
        return len(self._jobs)

    def __contains__(self, digest: object) -> bool:
        return digest in self._jobs

    def close(self) -> None:
        if self._cache is not None:
            self._cache.close()
            self._cache = None


def forget_others(cache_path: Path, chunk_tokens: int, digests: set[str]) -> None:
    """Drop cache entries of files that are not in the library any more."""
    if not cache_path.exists():
        return
    cache = ParseCache(cache_path, chunk_tokens)
    try:
        cache.keep_only(digests)
    finally:
        cache.close()
