"""The sha256 of each report file, remembered by what `stat` says of it.

An ingest checks every file of the folders it scans to know which are new, changed or
gone. Reading 5,000 reports to hash them takes seconds; a file whose path, size,
modification and change times and inode are as they were when it was hashed has the
digest it had then, as git's index does. A file edited since has a new change time and is
hashed again; so is one whose change time was too close to when it was hashed to tell an
edit in the same moment apart ("racily clean" in git's words). The digests are a cache:
`ingest --rebuild` hashes every file again, and deleting `file-digests.sqlite` loses
nothing but that time.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

SCHEMA = """
CREATE TABLE IF NOT EXISTS file_digests (
    path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    ctime_ns INTEGER NOT NULL, inode INTEGER NOT NULL, hashed_ns INTEGER NOT NULL,
    digest TEXT NOT NULL
)
"""
RACY_NS = 2_000_000_000  # a change this close to the hashing may not show in the times


def file_hash(path: Path) -> str:
    """The sha256 of the file at `path`; OSError for a symbolic link (never followed)."""
    digest = hashlib.sha256()
    with os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Seen(NamedTuple):
    """What `stat` said of a file when it was hashed, and its digest."""

    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int
    hashed_ns: int
    digest: str


class FileDigests:
    """Digests of files by path, kept in a SQLite file beside the index's caches. New
    digests are written by `save`; with `trust` False (a rebuild), every file is hashed."""

    def __init__(self, path: Path, trust: bool = True) -> None:
        self.path = path
        self._known: dict[str, Seen] = {}
        self._changed: dict[str, Seen] = {}
        with self._naming_the_file():
            self._conn = sqlite3.connect(path, timeout=30)
            self._conn.execute(SCHEMA)
            if trust:
                self._known = {
                    row[0]: Seen(*row[1:])
                    for row in self._conn.execute(
                        "SELECT path, size, mtime_ns, ctime_ns, inode, hashed_ns, digest "
                        "FROM file_digests"
                    )
                }

    @contextlib.contextmanager
    def _naming_the_file(self) -> Iterator[None]:
        """SQLite's errors name no file: the index's error message is to name this one."""
        try:
            yield
        except sqlite3.Error as exc:
            exc.filename = str(self.path)  # read by index.build.update.unwritable
            raise

    def digest(self, path: Path) -> str:
        """The sha256 of the file at `path`, hashed only when it may have changed since it
        last was; OSError for a symbolic link or a file that cannot be read."""
        stat = os.stat(path, follow_symlinks=False)
        key = str(path.resolve())
        known = self._known.get(key)
        if (
            known is not None
            and (known.size, known.mtime_ns, known.ctime_ns, known.inode)
            == (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
            and known.hashed_ns - stat.st_ctime_ns > RACY_NS
        ):
            return known.digest
        hashed_ns = time.time_ns()
        digest = file_hash(path)
        seen = Seen(
            stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, hashed_ns, digest
        )
        self._known[key] = self._changed[key] = seen
        return digest

    def save(self) -> None:
        """Write the digests worked out since the last save."""
        if not self._changed:
            return
        with self._naming_the_file(), self._conn:
            self._conn.executemany(
                "INSERT OR REPLACE INTO file_digests VALUES (?,?,?,?,?,?,?)",
                [(path, *seen) for path, seen in self._changed.items()],
            )
        self._changed.clear()

    def close(self) -> None:
        """Close the file (digests not saved are lost; they are only a cache)."""
        self._conn.close()
