"""The passages of a generation, read from its SQLite store as they are needed.

A library of thousands of reports holds hundreds of thousands of passages: they stay on
disk, and a question reads only the few it quotes or cites. Passages behave as a read-only
sequence indexed by row (the row of the dense and lexical indexes).
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from peerchat.core.errors import IndexDamaged
from peerchat.core.records import Chunk
from peerchat.index.store.sqlite import CHUNK_COLUMNS, chunk_from_row

CACHE_SIZE = 4096


class Passages:
    """Read-only, thread-safe, with a small cache of recently read passages. A damaged
    store is IndexDamaged naming it, whenever the damage is met."""

    def __init__(self, store: Path) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._cache: OrderedDict[int, Chunk] = OrderedDict()
        with self._reading():
            self._conn = sqlite3.connect(
                f"file:{store}?mode=ro&immutable=1", uri=True, check_same_thread=False
            )
            with self._lock:
                self._len = int(self._conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])

    @contextlib.contextmanager
    def _reading(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.DatabaseError as exc:
            raise IndexDamaged(self.store.parent.parent, self.store, str(exc)) from exc

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __len__(self) -> int:
        return self._len

    def __getitem__(self, row: int) -> Chunk:
        row = int(row)
        if row < 0:
            row += self._len
        with self._reading(), self._lock:
            chunk = self._cache.get(row)
            if chunk is not None:
                self._cache.move_to_end(row)
                return chunk
            found = self._conn.execute(
                f"SELECT {CHUNK_COLUMNS} FROM chunks WHERE row = ?", (row,)
            ).fetchone()
            if found is None:
                raise IndexError(row)
            chunk = chunk_from_row(found)
            self._cache[row] = chunk
            if len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
            return chunk

    def __iter__(self) -> Iterator[Chunk]:
        """Every passage in row order, read in pages (for ingest and exports)."""
        for row in self._scan(CHUNK_COLUMNS):
            yield chunk_from_row(row[1:])

    def _scan(self, columns: str, page: int = 2000) -> Iterator[tuple]:
        """(row, *columns) of every passage in row order, read a page at a time."""
        last = -1
        while True:
            with self._reading(), self._lock:
                found = self._conn.execute(
                    f"SELECT row, {columns} FROM chunks WHERE row > ? ORDER BY row LIMIT ?",
                    (last, page),
                ).fetchall()
            if not found:
                return
            yield from found
            last = found[-1][0]

    def of_report(self, report_id: str) -> list[Chunk]:
        """The passages of one report, in row order."""
        with self._reading(), self._lock:
            found = self._conn.execute(
                f"SELECT {CHUNK_COLUMNS} FROM chunks WHERE report_id = ? ORDER BY row",
                (report_id,),
            ).fetchall()
        return [chunk_from_row(r) for r in found]

    def report_ids(self) -> list[str]:
        """The report id of every passage, in row order."""
        with self._reading(), self._lock:
            return [r[0] for r in self._conn.execute("SELECT report_id FROM chunks ORDER BY row")]

    def rows_of_ids(self, ids: list[str]) -> dict[str, int]:
        """Passage id -> row, for the ids that exist."""
        out: dict[str, int] = {}
        with self._reading(), self._lock:
            for start in range(0, len(ids), 500):
                part = ids[start : start + 500]
                marks = ",".join("?" * len(part))
                out.update(
                    self._conn.execute(
                        f"SELECT id, row FROM chunks WHERE id IN ({marks})", part
                    ).fetchall()
                )
        return out

    def matching(self, pattern: re.Pattern[str]) -> np.ndarray:
        """A boolean mask of the passages whose text matches `pattern` (a full scan)."""
        mask = np.zeros(self._len, dtype=bool)
        for row, text in self._scan("text", page=5000):
            if pattern.search(text):
                mask[row] = True
        return mask
