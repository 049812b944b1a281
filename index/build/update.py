"""Incremental ingest: bring the index up to date with folders and files of reports.

Files are keyed by content hash. Unchanged files reuse their parsed report and passages
from the live generation; changed ones are re-read; files gone from a scanned folder are
removed; the same content under two names is indexed once. The result is written as a
new generation and switched in atomically (see generations.py).
"""

from __future__ import annotations

import errno
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from peerchat.core.councils import CouncilDirectory
from peerchat.core.errors import (
    IndexIncompatible,
    IndexMissing,
    IndexUnwritable,
    PeerchatError,
)
from peerchat.core.limits import ReadLimits
from peerchat.core.logs import event, seconds_since
from peerchat.core.memory import give_back_freed_memory
from peerchat.core.records import Chunk, Report
from peerchat.core.text import printable
from peerchat.index.build.file_digests import FileDigests
from peerchat.index.build.generation import can_write_from, write_full, write_incremental
from peerchat.index.embedding.embedders import Embedder
from peerchat.index.store.generations import (
    build_lock,
    current_generation,
)
from peerchat.index.store.library import Library
from peerchat.index.store.sqlite import StoredReport, report_texts
from peerchat.ingest import PARSER_VERSION
from peerchat.ingest.catalogue import Catalogue
from peerchat.ingest.parallel import ParseJob, ReadPassages, forget_others, parse_all
from peerchat.ingest.readers import UNSUPPORTED, readable

log = logging.getLogger("peerchat.ingest")

# progress(stage, done, total): stage is "checking", "reading", "embedding" or "indexing"
Progress = Callable[[str, int, int], None]

IGNORED_NAMES = {"catalogue.csv"}
PARSE_CACHE = "parse-cache.sqlite"
FILE_DIGESTS = "file-digests.sqlite"
# From this many passages on (about 3,500 reports), a generation also gets an IVF index
# for unfiltered searches. Set from the benchmark: exact search reads every passage vector
# (about 10 ms and 200 MB of memory traffic a question at 130,000 passages, growing with
# the library); IVF answered in under 1 ms with recall@10 of 0.99-1.0.
ANN_MIN_PASSAGES = 100_000


@dataclass(frozen=True)
class IngestSummary:
    ingested: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()  # (file name, reason)
    reports: int = 0
    passages: int = 0
    pages: int = 0
    embedded: int = 0  # passages embedded afresh (the rest came from the cache)
    seconds: float = 0.0
    warnings: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """Anything usable was ingested or found unchanged, or the removal of reports was
        the change asked for."""
        return bool(self.ingested or self.unchanged or self.removed)

    def line(self) -> str:
        """The one-line summary printed at the end of an ingest."""
        reasons = ""
        if self.skipped:
            reasons = (
                " ("
                + "; ".join(f"{printable(name)}: {printable(why)}" for name, why in self.skipped)
                + ")"
            )
        return (
            f"ingested {len(self.ingested)}, unchanged {len(self.unchanged)}, "
            f"removed {len(self.removed)}, skipped {len(self.skipped)}{reasons}; "
            f"library: {self.reports} reports, {self.passages} passages, {self.pages} pages"
        )


LINK = "a link"  # why a symbolic link, or a file that resolves elsewhere, is skipped
CHANGED_WHILE_READ = "it changed while it was being read: ingest again once it is written"


def find_files(paths: Iterable[Path]) -> tuple[list[Path], list[Path], list[tuple[str, str]]]:
    """Expand files and folders into (report files, scanned folders, skipped).

    Symbolic links are never followed, and a file that resolves outside the folder being
    scanned is skipped: a link in the reports folder must not put a file from elsewhere on
    the machine (say /etc/passwd) into the library, where anyone who can ask may read it.
    """
    files: list[Path] = []
    folders: list[Path] = []
    skipped: list[tuple[str, str]] = []
    for path in paths:
        path = Path(path)
        if path.is_symlink():
            skipped.append((str(path), LINK))
        elif path.is_dir():
            root = path.resolve()
            folders.append(root)
            for child in sorted(path.rglob("*")):
                if _hidden(child, path) or child.name in IGNORED_NAMES:
                    continue
                if child.is_symlink():
                    skipped.append((_shown(child, path), LINK))
                elif child.is_file():
                    if not child.resolve().is_relative_to(root):
                        skipped.append((_shown(child, path), f"{LINK}: it is outside {path}"))
                    else:
                        files.append(child)
        elif path.is_file():
            files.append(path)
        else:
            skipped.append((str(path), "no such file or folder"))
    report_files = []
    for f in files:
        if readable(f):
            report_files.append(f)
        else:
            skipped.append((f.name, UNSUPPORTED))
    return report_files, folders, skipped


def _shown(child: Path, root: Path) -> str:
    """A skipped file's name as printed: its path within the scanned folder."""
    return str(child.relative_to(root))


def _real_path(path: str) -> str:
    """`path` absolute, its folders resolved but not its final name (which may be a link)."""
    given = Path(path)
    return str(given.absolute().parent.resolve() / given.name)


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def ingest_paths(
    paths: Iterable[Path],
    index_dir: Path,
    embedder: Embedder,
    chunk_tokens: int = 300,
    rebuild: bool = False,
    progress: Progress | None = None,
    councils: CouncilDirectory | None = None,
    workers: int = 0,
    ann_min_passages: int = ANN_MIN_PASSAGES,
    limits: ReadLimits | None = None,
    wait: bool = True,
    on_wait: Callable[[], None] | None = None,
    incremental: bool = True,
) -> IngestSummary:
    """Bring the index at `index_dir` up to date with `paths` and publish a new generation.

    Unreadable files are skipped with their reason; nothing else is lost. When no file
    could be read and the library would not change, no generation is written. Files are
    read in `workers` processes (0: one per core); an interrupted ingest resumes from the
    parse and embedding caches. While another ingest holds the index, wait (calling
    `on_wait` first) or, without `wait`, raise IngestRunning. An index that cannot be
    written (permissions, a read-only or full disk) is IndexUnwritable, naming the file
    and what to do; the live generation is left as it was.

    A change that only adds and removes reports is written from the live generation
    (generation.py, `write_incremental`) unless `incremental` is False; it gives the same
    generation as writing the whole library again.
    """
    try:
        return _ingest(
            paths,
            index_dir,
            embedder,
            chunk_tokens,
            rebuild,
            progress,
            councils,
            workers,
            ann_min_passages,
            limits,
            wait,
            on_wait,
            incremental,
        )
    except (OSError, sqlite3.OperationalError) as exc:
        error = unwritable(index_dir, exc)
        if error is None:
            raise
        raise error from exc


def unwritable(index_dir: Path, exc: OSError | sqlite3.OperationalError) -> IndexUnwritable | None:
    """The error to report when writing the index at `index_dir` failed with `exc`: what
    was being written, why, and what to do (fix permissions, free space). None for an
    SQLite error that is not about writing."""
    where = Path(getattr(exc, "filename", None) or index_dir)
    number = getattr(exc, "errno", None)
    text = str(exc).lower()
    space = "free space on that disk, or set PEERCHAT_INDEX_DIR to a disk with room"
    if number in (errno.ENOSPC, errno.EDQUOT) or "disk is full" in text:
        return IndexUnwritable(where, "the disk is full", space)
    if (
        number in (errno.EACCES, errno.EPERM, errno.EROFS)
        or "readonly" in text
        or ("unable to open" in text)
    ):
        reason = "a read-only disk" if number == errno.EROFS else "no permission to write"
        return IndexUnwritable(
            where,
            reason,
            f"fix the permissions of {index_dir} (the user running peerchat must be able "
            "to write to it), or set PEERCHAT_INDEX_DIR to a folder it can write",
        )
    if not isinstance(exc, OSError):
        return None
    reason = exc.strerror or str(exc)
    return IndexUnwritable(where, reason, f"check {index_dir} and its disk, then ingest again")


def _ingest(
    paths: Iterable[Path],
    index_dir: Path,
    embedder: Embedder,
    chunk_tokens: int,
    rebuild: bool,
    progress: Progress | None,
    councils: CouncilDirectory | None,
    workers: int,
    ann_min_passages: int,
    limits: ReadLimits | None,
    wait: bool,
    on_wait: Callable[[], None] | None,
    incremental: bool,
) -> IngestSummary:
    started = time.monotonic()
    councils = councils or CouncilDirectory.load()
    files, folders, skipped = find_files(paths)
    warnings: list[str] = []
    with build_lock(index_dir, wait=wait, on_wait=on_wait):
        previous, library = _previous(index_dir, embedder, chunk_tokens, rebuild, warnings)
        # The passages of each report read now, kept in the parse cache until the
        # generation is written; the live generation's stay in its store.
        fresh = ReadPassages(index_dir / PARSE_CACHE, chunk_tokens)
        digests: FileDigests | None = None
        texts: _ReportTexts | None = None
        try:
            # A rebuild reads every file: it trusts no remembered digest either.
            digests = FileDigests(index_dir / FILE_DIGESTS, trust=not rebuild)
            # Reports of an index that cannot be reused are read again from their files, so a
            # rebuild keeps the reports of folders this ingest does not scan.
            carried = set() if previous else _report_paths(index_dir)
            listed = {str(f.resolve()) for f in files}
            files += [
                Path(p)
                for p in sorted(carried)
                if Path(p).is_file() and str(Path(p).resolve()) not in listed
            ]

            kept: dict[str, StoredReport] = {}
            ingested: list[str] = []
            unchanged: list[str] = []
            seen_paths: set[str] = set()
            queued: dict[str, Path] = {}  # digest -> the file to read
            moved = False
            now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            catalogues: dict[Path, Catalogue] = {}
            # Files the index already knows by name go first, so that a copy of one under a
            # new name is the duplicate, not the original.
            known = {str(Path(s.report.path).resolve()) for s in previous.values()}
            files.sort(key=lambda f: str(f.resolve()) not in known)
            jobs: list[ParseJob] = []
            for i, path in enumerate(files, start=1):
                if progress:
                    progress("checking", i - 1, len(files))
                resolved = str(path.resolve())
                seen_paths.add(resolved)
                if path.is_symlink():
                    skipped.append((str(path), LINK))
                    continue
                try:
                    digest = digests.digest(path)
                except OSError as exc:
                    skipped.append((path.name, f"cannot be read ({exc.strerror or exc})"))
                    continue
                if path.parent not in catalogues:
                    catalogues[path.parent] = Catalogue.load(path.parent)
                catalogue = catalogues[path.parent]
                entry = catalogue.get(path.name)
                catalogue_key = repr(entry) if entry else ""
                if digest in kept or digest in queued:
                    first = kept[digest].report.source if digest in kept else queued[digest].name
                    skipped.append((path.name, f"same content as {first}"))
                    continue
                old = previous.get(digest)
                if (
                    old is not None
                    and str(Path(old.report.path).resolve()) != resolved
                    and Path(old.report.path).exists()
                ):
                    # A copy of a report whose file is still where it was: the original keeps
                    # its place (it may be in a folder this ingest does not scan).
                    skipped.append((path.name, f"same content as {old.report.source}"))
                    continue
                if old is not None and old.catalogue_key == catalogue_key:
                    report = old.report
                    if str(Path(report.path).resolve()) != resolved:
                        report = _moved(report, path)
                        moved = True
                    kept[digest] = StoredReport(report, old.ingested_at, catalogue_key)
                    unchanged.append(path.name)
                    event(log, "file_unchanged", file=path.name)
                    continue
                queued[digest] = path
                jobs.append(ParseJob(path, digest, catalogue, catalogue_key))
            # Kept before anything is published: a digests file that cannot be written
            # stops the ingest with the index as it was.
            digests.save()
            reading = (lambda done, total: progress("reading", done, total)) if progress else None
            if reading:
                reading(0, len(jobs))
            reading_started = time.monotonic()
            for parsed in parse_all(
                jobs, index_dir / PARSE_CACHE, councils, chunk_tokens, workers, reading, limits
            ):
                path = parsed.job.path
                if parsed.report is None:
                    skipped.append((path.name, parsed.reason))
                    continue
                report = parsed.report
                if report.id != parsed.job.digest:
                    # Written to while this ingest read it: what was read is not the file
                    # that was checked. The next ingest reads it whole.
                    skipped.append((path.name, CHANGED_WHILE_READ))
                    continue
                if report.path != str(path):
                    report = _moved(report, path)  # read before under another name
                # Held without its text (read back from the parse cache when written): a
                # first ingest of thousands of reports would hold hundreds of MB of text.
                kept[parsed.job.digest] = StoredReport(
                    replace(report, text=""), now, parsed.job.catalogue_key
                )
                # Passages keep the source they were read under; the generation writer gives
                # every passage its report's current source.
                fresh.add(parsed)
                ingested.append(path.name)
                event(
                    log,
                    "file_read",
                    file=path.name,
                    pages=report.n_pages,
                    passages=len(parsed.chunks),
                )
            event(log, "files_read", files=len(jobs), seconds=seconds_since(reading_started))
            # What reading freed (the parsed reports handed over) goes back before the
            # model's working memory is added to what the process holds.
            give_back_freed_memory()
            for name, reason in skipped:
                event(log, "file_skipped", file=name, reason=reason)

            removed = []
            scanned = [str(f) + "/" for f in folders]
            for digest, old in previous.items():
                if digest in kept:
                    continue
                old_path = _real_path(old.report.path)
                # A report's file replaced by a link is gone: links are never followed.
                gone = not Path(old_path).exists() or Path(old_path).is_symlink()
                in_scan = old_path in seen_paths or any(old_path.startswith(f) for f in scanned)
                if old_path in seen_paths and not gone:
                    continue  # the same file with new content: re-ingested, not removed
                if gone or in_scan:
                    removed.append(old.report.source)
                else:  # a report from elsewhere, untouched by this ingest
                    kept[digest] = old

            texts = _ReportTexts(fresh, library)
            summary_args = dict(
                ingested=tuple(ingested),
                unchanged=tuple(unchanged),
                removed=tuple(removed),
                skipped=tuple(skipped),
                warnings=tuple(warnings),
            )
            stored = sorted(kept.values(), key=lambda s: (s.ingested_at, s.report.source))
            passages = sum(
                fresh.count(s.report.id)
                if s.report.id in fresh
                else len(library.rows_by_report.get(s.report.id, ()))
                for s in stored
            )
            pages = sum(s.report.n_pages for s in stored)
            if not ingested and not removed and not moved and previous and not rebuild:
                return IngestSummary(
                    **summary_args,
                    reports=len(stored),
                    passages=passages,
                    pages=pages,
                    seconds=time.monotonic() - started,
                )
            if not stored and not previous and not ingested:
                # Nothing usable and nothing to replace: leave no empty index behind.
                return IngestSummary(**summary_args, seconds=time.monotonic() - started)
            if (
                incremental
                and library is not None
                and not moved
                and _appends(library, stored, fresh)
                and can_write_from(library)
            ):
                embedded = write_incremental(
                    index_dir,
                    embedder,
                    chunk_tokens,
                    library,
                    stored,
                    fresh,
                    texts,
                    progress,
                    ann_min_passages,
                )
            else:
                live = library

                def chunks_of(report_id: str) -> Sequence[Chunk]:
                    """One report's passages: read now, or the live generation's."""
                    if report_id in fresh:
                        return fresh[report_id]
                    return live.chunks_of(report_id) if live is not None else ()

                embedded = write_full(
                    index_dir,
                    embedder,
                    chunk_tokens,
                    stored,
                    chunks_of,
                    texts,
                    progress,
                    ann_min_passages,
                )
            forget_others(index_dir / PARSE_CACHE, chunk_tokens, {s.report.id for s in stored})
            return IngestSummary(
                **summary_args,
                reports=len(stored),
                passages=passages,
                pages=pages,
                embedded=embedded,
                seconds=time.monotonic() - started,
            )

        finally:
            try:
                if digests is not None:
                    digests.close()
            finally:
                fresh.close()
                if texts is not None:
                    texts.close()
                if library is not None:
                    library.chunks.close()


class _ReportTexts:
    """The text of a report of the library being written, by id: read back from the parse
    cache for a report this ingest read, from the live generation's store for the others
    (an ingest holds its reports without their texts)."""

    def __init__(self, fresh: ReadPassages, library: Library | None) -> None:
        self._fresh = fresh
        self._library = library
        self._conn: sqlite3.Connection | None = None

    def __call__(self, report_id: str) -> str:
        if report_id in self._fresh:
            return self._fresh.report_text(report_id)
        if self._library is None:
            return ""
        if self._conn is None:
            self._conn = sqlite3.connect(f"file:{self._library.store_path()}?mode=ro", uri=True)
        return report_texts(self._conn, [report_id]).get(report_id, "")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()


def _previous(
    index_dir: Path, embedder: Embedder, chunk_tokens: int, rebuild: bool, warnings: list[str]
) -> tuple[dict[str, StoredReport], Library | None]:
    """The live generation's reports by id, and the generation opened, when it can be
    reused. Its passages stay on disk."""
    if rebuild:
        return {}, None
    try:
        library = Library.open(index_dir)
    except IndexMissing:
        return {}, None
    except IndexIncompatible as exc:
        warnings.append(f"the existing index could not be reused ({exc.reason}); rebuilt it")
        return {}, None
    if library.manifest.parser_version != PARSER_VERSION:
        warnings.append("the report reader has changed since the last ingest; re-read every file")
        library.chunks.close()
        return {}, None
    if library.manifest.embedder != embedder.name or library.manifest.chunk_tokens != chunk_tokens:
        warnings.append(
            f"the existing index was built with {library.manifest.embedder} and "
            f"{library.manifest.chunk_tokens}-token passages; rebuilt it"
        )
        library.chunks.close()
        return {}, None
    return {s.report.id: s for s in library.stored}, library


def _appends(library: Library, stored: list[StoredReport], fresh: Mapping[str, object]) -> bool:
    """Whether the new library is the live one's reports (some removed, none changed, in
    the same order) followed by the fresh ones: then it can be written incrementally."""
    kept = [s for s in stored if s.report.id not in fresh]
    if stored[: len(kept)] != kept:
        return False  # a fresh report sorts before a kept one
    live = [s for s in library.stored if s.report.id not in fresh]
    ids = {s.report.id for s in kept}
    return [s for s in live if s.report.id in ids] == kept


def _report_paths(index_dir: Path) -> set[str]:
    """The file paths of the live generation's reports, read without trusting the rest of
    it (its format or model may differ); empty when there is none or it is unreadable."""
    try:
        store = current_generation(index_dir) / "store.sqlite"
        conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
        try:
            return {row[0] for row in conn.execute("SELECT path FROM reports")}
        finally:
            conn.close()
    except (PeerchatError, sqlite3.Error):
        return set()


def _moved(report: Report, path: Path) -> Report:
    """The same report found under a new name."""
    return replace(report, path=str(path), source=path.name)
