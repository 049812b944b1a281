"""The SQLite store of one index generation: reports, passages and the files manifest.

A chunk's `row` is its position in the FAISS and BM25 indexes of the same generation.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import astuple, dataclass
from pathlib import Path

import numpy as np

from peerchat.core.records import Chunk, Report, Section, TableRow

SCHEMA = """
CREATE TABLE reports (
    id TEXT PRIMARY KEY, source TEXT NOT NULL, path TEXT NOT NULL, councils TEXT NOT NULL,
    report_type TEXT NOT NULL, date TEXT NOT NULL, title TEXT NOT NULL, text TEXT NOT NULL,
    page_starts TEXT NOT NULL, sections TEXT NOT NULL, rows TEXT NOT NULL,
    ingested_at TEXT NOT NULL, catalogue_key TEXT NOT NULL
);
CREATE TABLE chunks (
    row INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, report_id TEXT NOT NULL REFERENCES reports(id),
    councils TEXT NOT NULL, report_type TEXT NOT NULL, date TEXT NOT NULL, title TEXT NOT NULL,
    source TEXT NOT NULL, section TEXT NOT NULL, first_page INTEGER NOT NULL,
    last_page INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    text TEXT NOT NULL, n_tokens INTEGER NOT NULL, kind TEXT NOT NULL
);
CREATE INDEX chunks_report ON chunks(report_id);
"""

CHUNK_COLUMNS = (
    "id, report_id, councils, report_type, date, title, source, section, first_page, "
    'last_page, start, "end", text, n_tokens, kind'
)


@dataclass(frozen=True)
class StoredReport:
    """A report as the index holds it: the record plus when and how it was ingested."""

    report: Report
    ingested_at: str
    catalogue_key: str  # the catalogue override applied, "" for none


def write_store(
    path: Path,
    reports: Iterable[StoredReport],
    chunks: Iterable[Chunk],
    extra_schema: str = "",
) -> sqlite3.Connection:
    """Create a new store at `path` and return the open connection (for extra tables).
    `reports` and `chunks` are written as they come (either may be a generator: a whole
    library's passages need not be held at once)."""
    with _connection_for_writing(path) as conn:
        conn.executescript(SCHEMA + extra_schema)
        with conn:
            _insert(conn, reports, chunks, first_row=0)
    return conn


def update_store(
    path: Path,
    removed: Sequence[str],
    new_row_of: np.ndarray,
    reports: Iterable[StoredReport],
    chunks: Iterable[Chunk],
) -> sqlite3.Connection:
    """Change the store at `path`, a copy of the previous generation's: its `removed`
    reports and their passages taken out, the other passages renumbered to `new_row_of`
    (each old row's new row, -1 when removed), then `reports` and their `chunks` added
    after them. Returns the open connection (for extra tables)."""
    with _connection_for_writing(path) as conn:
        new_row_of = np.asarray(new_row_of, dtype=np.int64)
        kept = np.flatnonzero(new_row_of >= 0)
        with conn:
            for start in range(0, len(removed), 500):
                part = list(removed[start : start + 500])
                marks = ",".join("?" * len(part))
                conn.execute(f"DELETE FROM chunks WHERE report_id IN ({marks})", part)
                conn.execute(f"DELETE FROM reports WHERE id IN ({marks})", part)
            # Runs of kept rows that move down by the same amount, lowest first: each run
            # moves into rows already freed.
            shift = kept - new_row_of[kept]
            breaks = np.flatnonzero(np.diff(shift)) + 1
            for run in np.split(np.arange(len(kept)), breaks):
                if len(run) and shift[run[0]]:
                    conn.execute(
                        "UPDATE chunks SET row = row - ? WHERE row BETWEEN ? AND ?",
                        (int(shift[run[0]]), int(kept[run[0]]), int(kept[run[-1]])),
                    )
            _insert(conn, reports, chunks, first_row=len(kept))
    return conn


@contextmanager
def _connection_for_writing(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection to the store at `path`, closed if the write in the block fails (left
    open when it succeeds: the caller writes its extra tables on it)."""
    conn = sqlite3.connect(path)
    try:
        yield conn
    except BaseException:
        conn.close()  # nothing is left open on a failed write
        raise


def _insert(
    conn: sqlite3.Connection,
    reports: Iterable[StoredReport],
    chunks: Iterable[Chunk],
    first_row: int,
) -> None:
    """Add `reports` and their `chunks`, numbered from `first_row`, as they come."""
    conn.executemany(
        "INSERT INTO reports VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (_report_row(stored) for stored in reports),
    )
    conn.executemany(
        f"INSERT INTO chunks (row, {CHUNK_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        ((row, *_chunk_row(chunk)) for row, chunk in enumerate(chunks, start=first_row)),
    )


def read_reports(conn: sqlite3.Connection, with_text: bool = True) -> list[StoredReport]:
    """Every report in the store, oldest ingest first. Without `with_text`, each report's
    `text` is left empty (it stays on disk: `report_texts`)."""
    text = "text" if with_text else "''"
    rows = conn.execute(
        f"SELECT id, source, path, councils, report_type, date, title, {text}, page_starts, "
        "sections, rows, ingested_at, catalogue_key FROM reports ORDER BY ingested_at, source"
    ).fetchall()
    out = []
    for (rid, source, path, councils, rtype, date, title, text, starts, sections, table_rows,
         ingested_at, catalogue_key) in rows:  # fmt: skip
        report = Report(
            id=rid,
            source=source,
            path=path,
            councils=tuple(json.loads(councils)),
            report_type=rtype,
            date=date,
            title=title,
            text=text,
            page_starts=tuple(json.loads(starts)),
            sections=tuple(Section(*s) for s in json.loads(sections)),
            rows=tuple(
                TableRow(r[0], tuple(tuple(c) for c in r[1]), *r[2:])
                for r in json.loads(table_rows)
            ),
        )
        out.append(StoredReport(report, ingested_at, catalogue_key))
    return out


def report_texts(conn: sqlite3.Connection, ids: Sequence[str]) -> dict[str, str]:
    """The cleaned text of each report of `ids` (those in the store)."""
    out: dict[str, str] = {}
    for start in range(0, len(ids), 500):
        part = list(ids[start : start + 500])
        marks = ",".join("?" * len(part))
        out.update(conn.execute(f"SELECT id, text FROM reports WHERE id IN ({marks})", part))
    return out


def chunk_from_row(r: tuple) -> Chunk:
    """A passage from a row of `SELECT {CHUNK_COLUMNS} FROM chunks`."""
    return Chunk(
        id=r[0],
        report_id=r[1],
        councils=tuple(json.loads(r[2])),
        report_type=r[3],
        date=r[4],
        title=r[5],
        source=r[6],
        section=r[7],
        first_page=r[8],
        last_page=r[9],
        start=r[10],
        end=r[11],
        text=r[12],
        n_tokens=r[13],
        kind=r[14],
    )


def _report_row(stored: StoredReport) -> tuple:
    r = stored.report
    return (
        r.id,
        r.source,
        r.path,
        json.dumps(list(r.councils)),
        r.report_type,
        r.date,
        r.title,
        r.text,
        json.dumps(list(r.page_starts)),
        json.dumps([list(astuple(s)) for s in r.sections]),
        json.dumps(
            [
                [t.ref, [list(c) for c in t.cells], t.start, t.end, t.first_page, t.last_page]
                for t in r.rows
            ]  # fmt: skip
        ),
        stored.ingested_at,
        stored.catalogue_key,
    )


def _chunk_row(c: Chunk) -> tuple:
    return (
        c.id,
        c.report_id,
        json.dumps(list(c.councils)),
        c.report_type,
        c.date,
        c.title,
        c.source,
        c.section,
        c.first_page,
        c.last_page,
        c.start,
        c.end,
        c.text,
        c.n_tokens,
        c.kind,
    )
