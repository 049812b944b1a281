"""Changing the library from the app: adding uploaded reports, removing one, re-indexing.

Each takes an `Admin` (peerchat/admin.py) and refuses without one. Uploads are treated
as hostile: a size limit, names reduced to a bare file name inside the reports folder
(never over another file), and every file read under the limits of `Settings` before it
is moved in. Nothing is lost: a bad file is named with its reason, a removed report is
moved to a holding folder beside the reports folder, and a failed ingest puts the folder
back as it was.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import sqlite3
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from peerchat.admin import Admin, require_admin
from peerchat.core import logs
from peerchat.core.errors import PeerchatError, UnreadableReport
from peerchat.core.settings import Settings
from peerchat.index.build import IngestSummary, Progress, file_hash, ingest_paths
from peerchat.index.build.file_digests import FileDigests
from peerchat.index.build.update import FILE_DIGESTS
from peerchat.index.embedding import Embedder
from peerchat.index.store import Library
from peerchat.ingest.readers import readable
from peerchat.ingest.report import read_report

MAX_NAME = 150  # characters of a saved file name


@dataclass(frozen=True)
class AddResult:
    """What became of a batch of uploaded files."""

    added: tuple[str, ...] = ()  # names as saved in the reports folder
    skipped: tuple[tuple[str, str], ...] = ()  # (file name, reason)
    summary: IngestSummary | None = None  # None when nothing was ingested


@dataclass(frozen=True)
class RemoveResult:
    """A report taken out of the library: where its file went, and the ingest after."""

    name: str
    kept_at: Path  # the file, moved to the holding folder
    summary: IngestSummary

    @property
    def removed(self) -> bool:
        """False when the same content is still in the library under another file name."""
        return self.name in self.summary.removed


def reindex(
    admin: Admin,
    settings: Settings,
    embedder: Embedder,
    progress: Progress | None = None,
    rebuild: bool = False,
) -> IngestSummary:
    """Bring the index up to date with the reports folder (as `peerchat ingest` does)."""
    require_admin(admin)
    summary = ingest_paths(
        [settings.reports_dir],
        settings.index_dir,
        embedder,
        chunk_tokens=settings.chunk_tokens,
        rebuild=rebuild,
        progress=progress,
        limits=settings.read_limits,
        workers=settings.ingest_workers,
        on_wait=(lambda: progress("waiting", 0, 0)) if progress else None,
    )
    logs.ingest_finished(summary)
    return summary


def _digests_of(paths: Sequence[Path], index_dir: Path) -> dict[str, str]:
    """Digest -> file name of the files at `paths`, hashing only those changed since an
    ingest last did (a folder of thousands of reports is not read whole for one upload)."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        digests = FileDigests(index_dir / FILE_DIGESTS)
    except (OSError, sqlite3.Error):
        # An index that cannot be written: the ingest after the upload says so; the
        # files are hashed here all the same.
        return {file_hash(p): p.name for p in paths}
    try:
        found = {digests.digest(p): p.name for p in paths}
        with contextlib.suppress(sqlite3.Error):
            digests.save()
        return found
    finally:
        digests.close()


def add_reports(
    admin: Admin,
    files: Sequence[tuple[str, bytes]],
    settings: Settings,
    embedder: Embedder,
    progress: Progress | None = None,
) -> AddResult:
    """Add uploaded `(file name, bytes)` to the library; nothing is half-added.

    Each file is checked (size, then read in full under the read limits) in a temporary
    folder; only readable ones move into `settings.reports_dir`, under a safe name that
    does not replace another file, and the index is brought up to date. If the ingest
    fails, the moved files are removed again, so the folder and the index stay as they
    were.
    """
    require_admin(admin)
    skipped: list[tuple[str, str]] = []
    moved: list[Path] = []
    folder = settings.reports_dir
    folder.mkdir(parents=True, exist_ok=True)
    existing = _digests_of(report_files(folder), settings.index_dir)
    with tempfile.TemporaryDirectory(prefix="peerchat-upload-") as tmp:
        for raw_name, data in files:
            name = safe_name(raw_name)
            if len(data) > settings.max_upload_bytes:
                skipped.append(
                    (
                        name,
                        f"{len(data) / 1024 / 1024:.1f} MB, more than the upload limit of "
                        f"{settings.max_upload_mb} MB",
                    )
                )
                continue
            path = Path(tmp) / name
            if path.exists():
                skipped.append((name, "uploaded twice in this batch"))
                continue
            path.write_bytes(data)
            digest = file_hash(path)
            if digest in existing:
                skipped.append((name, f"already in the library as {existing[digest]}"))
                continue
            try:
                read_report(path, limits=settings.read_limits)
            except UnreadableReport as exc:
                skipped.append((name, exc.reason))
                continue
            target = free_name(folder / name)
            shutil.move(str(path), target)
            moved.append(target)
            existing[digest] = target.name
        if not moved:
            return AddResult((), tuple(skipped), None)
        try:
            summary = reindex(admin, settings, embedder, progress)
        except BaseException:
            for path in moved:
                path.unlink(missing_ok=True)
            raise
    # A file the ingest still refused must not stay in the folder without being indexed.
    refused = {name for name, _ in summary.skipped}
    added = []
    for path in moved:
        if path.name in refused:
            path.unlink(missing_ok=True)
        else:
            added.append(path.name)
    return AddResult(tuple(added), tuple(skipped) + summary.skipped, summary)


def removable_files(library: Library, settings: Settings) -> list[str]:
    """The file names of the library's reports that sit in the reports folder (the ones the
    app can remove; a report ingested from elsewhere is removed where it lives)."""
    folder = settings.reports_dir.resolve()
    names = {
        Path(s.report.path).name
        for s in library.stored
        if Path(s.report.path).resolve().parent == folder and Path(s.report.path).is_file()
    }
    return sorted(names)


def remove_report(
    admin: Admin,
    name: str,
    settings: Settings,
    embedder: Embedder,
    progress: Progress | None = None,
) -> RemoveResult:
    """Take the report file `name` out of the library: move it from the reports folder to
    `settings.removed_dir` (renamed rather than replace a file there) and re-index. If the
    ingest fails the file is moved back."""
    require_admin(admin)
    folder = settings.reports_dir.resolve()
    path = folder / name
    if (
        not name
        or name != Path(name).name
        or "\x00" in name
        or name in (".", "..")
        or not path.is_file()
        or path.resolve().parent != folder
    ):
        raise PeerchatError(f"{name}: not a report file in the reports folder {folder}")
    settings.removed_dir.mkdir(parents=True, exist_ok=True)
    kept_at = free_name(settings.removed_dir / name)
    shutil.move(str(path), kept_at)
    try:
        summary = reindex(admin, settings, embedder, progress)
    except BaseException:
        shutil.move(str(kept_at), path)
        raise
    return RemoveResult(name, kept_at, summary)


def report_files(folder: Path) -> list[Path]:
    """The report files directly in `folder` (by suffix; not yet read; links are not)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if readable(p) and not p.is_symlink())


def safe_name(name: str) -> str:
    """The bare file name of an upload, safe to save in the reports folder: no folders
    (either slash), no NULs or other control characters, no leading dot (a hidden file is
    not ingested), tame characters only, and at most MAX_NAME characters with the
    extension kept."""
    base = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    base = re.sub(r"[^\w .()-]+", "_", base)
    base = re.sub(r" +", " ", base).lstrip(" .-").rstrip(" .") or "upload"
    stem, dot, suffix = base.rpartition(".")
    if not dot or len(suffix) > 10:
        stem, suffix = base, ""
    room = MAX_NAME - (len(suffix) + 1 if suffix else 0)
    stem = stem[:room].rstrip(" .") or "upload"
    return f"{stem}.{suffix}" if suffix else stem


def free_name(path: Path) -> Path:
    """`path`, or `stem-2.ext`, `stem-3.ext`... whichever does not exist yet."""
    candidate, n = path, 2
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    return candidate
