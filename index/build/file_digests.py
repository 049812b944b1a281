"""The sha256 of each report file, remembered by what `stat` says of it.

An ingest checks every file of the folders it scans to know which are new, changed or
gone. Reading 5,000 reports to hash them takes seconds; a file whose path, size,
modification and change times and inode are as they were when it was hashed has the
digest it had then (as git's index does). A file edited since has a new change time and
is hashed again.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS file_digests (
    path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    ctime_ns INTEGER NOT NULL, inode INTEGER NOT NULL, digest TEXT NOT NULL
)
"""


def file_hash(path: Path) -> str:
    """The sha256 of the file at `path`; OSError for a symbolic link (never followed)."""
    digest = hashlib.sha256()
    with os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class FileDigests:
    """Digests of files by path, kept in a SQLite file beside the index's caches. Changes
    are written by `save` (an interrupted ingest only hashes again)."""

    def __init__(self, path: Path) -> None:
        self._conn = sqlite3.connect(path, timeout=30)
        self._conn.execute(SCHEMA)
        self._known = {
            row[0]: tuple(row[1:])
            for row in self._conn.execute(
                "SELECT path, size, mtime_ns, ctime_ns, inode, digest FROM file_digests"
            )
        }
        self._changed: dict[str, tuple] = {}

    def digest(self, path: Path) -> str:
        """The sha256 of the file at `path`, hashed only when it changed since it last
        was; OSError for a symbolic link or a file that cannot be read."""
        stat = os.stat(path, follow_symlinks=False)
        key = str(path.resolve())
        seen = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
        known = self._known.get(key)
        if known is not None and tuple(known[:4]) == seen:
            return str(known[4])
        digest = file_hash(path)
        self._known[key] = self._changed[key] = (*seen, digest)
        return digest

    def save(self) -> None:
        """Write the digests worked out since the last save."""
        if not self._changed:
            return
        with self._conn:
            self._conn.executemany(
                "INSERT OR REPLACE INTO file_digests VALUES (?,?,?,?,?,?)",
                [(path, *values) for path, values in self._changed.items()],
            )
        self._changed.clear()

    def close(self) -> None:
        self._conn.close()
