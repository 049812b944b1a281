"""The recommendation register's tables in a generation's store.sqlite, and the `Register`
that holds them in memory (loaded with the Library).

The register is built when a generation is written (index/register/extract.py); this module
only writes and reads it.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field, fields

import numpy as np

from peerchat.core.records import ActionRow, Recommendation, Signpost


@dataclass(frozen=True, eq=False)
class Register:
    """Every recommendation, signpost and action-plan row in one generation.

    `vectors[i]` is the normalised embedding of `recommendations[i].text` (empty when the
    register was built without an embedder); read from a store, it is read-only.
    """

    recommendations: tuple[Recommendation, ...] = ()
    signposts: tuple[Signpost, ...] = ()
    actions: tuple[ActionRow, ...] = ()
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))

    def by_id(self, rec_id: str) -> Recommendation | None:
        return next((r for r in self.recommendations if r.id == rec_id), None)

    @property
    def councils(self) -> list[str]:
        """Councils with at least one recommendation or action, sorted."""
        names = {c for r in self.recommendations for c in r.councils}
        names |= {c for a in self.actions for c in a.councils}
        return sorted(names)


REGISTER_TABLES = {
    "register_recommendations": Recommendation,
    "register_signposts": Signpost,
    "register_actions": ActionRow,
}


def write_register(conn: sqlite3.Connection, register: Register) -> None:
    """Write the register into the store (new tables; vectors as float32 blobs)."""
    with conn:
        for table, record in REGISTER_TABLES.items():
            names = [f.name for f in fields(record)]
            extra = ", vector BLOB" if record is Recommendation else ""
            conn.execute(
                f"CREATE TABLE {table} (row INTEGER PRIMARY KEY, "
                + ", ".join(f'"{n}"' for n in names)
                + extra
                + ")"
            )
        for table, items in (
            ("register_recommendations", register.recommendations),
            ("register_signposts", register.signposts),
            ("register_actions", register.actions),
        ):
            names = [f.name for f in fields(REGISTER_TABLES[table])]
            columns = [f'"{n}"' for n in names]
            vectors = table == "register_recommendations"
            if vectors:
                columns.append("vector")
            rows = []
            for row, item in enumerate(items):
                values = [row] + [_to_sql(getattr(item, n)) for n in names]
                if vectors:
                    vector = register.vectors[row] if len(register.vectors) else None
                    values.append(None if vector is None else vector.astype(np.float32).tobytes())
                rows.append(values)
            conn.executemany(
                f"INSERT INTO {table} (row, {', '.join(columns)}) "
                f"VALUES ({', '.join('?' * (len(columns) + 1))})",
                rows,
            )


def drop_register(conn: sqlite3.Connection) -> None:
    """Remove the register's tables (a store copied from another generation's, before its
    own register is written)."""
    with conn:
        for table in REGISTER_TABLES:
            conn.execute(f"DROP TABLE IF EXISTS {table}")


def read_register(conn: sqlite3.Connection) -> Register:
    """The register in a store; an empty one when the store predates it."""
    present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if not set(REGISTER_TABLES) <= present:
        return Register()
    loaded: dict[str, list] = {}
    vectors: list[bytes] = []
    for table, record in REGISTER_TABLES.items():
        names = [f.name for f in fields(record)]
        extra = ", vector" if record is Recommendation else ""
        cols = ", ".join(f'"{n}"' for n in names) + extra
        rows = conn.execute(f"SELECT {cols} FROM {table} ORDER BY row").fetchall()
        if not rows:
            loaded[table] = []
            continue
        columns = list(zip(*rows, strict=True))
        if record is Recommendation:
            vectors = [v for v in columns[-1] if v is not None]
        # The fields' columns, in order (a recommendation's vector column, last, is not one).
        values = [
            _column(f.type, column)
            for f, column in zip(fields(record), columns[: len(names)], strict=True)
        ]
        loaded[table] = [record(*row) for row in zip(*values, strict=True)]
    recs = loaded["register_recommendations"]
    matrix = (
        np.frombuffer(b"".join(vectors), dtype=np.float32).reshape(len(recs), -1)
        if vectors and len(vectors) == len(recs)
        else np.zeros((0, 0), "f4")
    )
    return Register(
        tuple(recs),
        tuple(loaded["register_signposts"]),
        tuple(loaded["register_actions"]),
        matrix,
    )


def _to_sql(value: object) -> object:
    if isinstance(value, tuple):
        return json.dumps(list(value))
    if isinstance(value, bool):
        return int(value)
    return value


def _column(type_name: object, values: tuple) -> list:
    """A column of stored values turned back into fields of type `type_name`: a tuple
    field's JSON lists are parsed in one call for the whole column (a register has tens of
    thousands of rows; a parse a value took seconds to open a large library)."""
    name = str(type_name)
    if name.startswith("tuple"):
        parsed = json.loads("[" + ",".join(v or "[]" for v in values) + "]")
        return [tuple(v) for v in parsed]
    if name == "bool":
        return [bool(v) for v in values]
    return list(values)
