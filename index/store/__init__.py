"""One index generation on disk and opened read-only: the generations folder and its
manifest, the SQLite store (reports, passages, the register's tables), passage vectors
(dense), the BM25 index (lexical), the sentences' features, and `Library`, which opens them
all.

May import: `peerchat.index.embedding`, `peerchat.ingest` and `peerchat.core`.
"""

from peerchat.index.store.generations import (
    CURRENT,
    FORMAT_VERSION,
    Manifest,
    current_generation,
    read_manifest,
)
from peerchat.index.store.library import Library
from peerchat.index.store.register import Register
from peerchat.index.store.sqlite import StoredReport

__all__ = [
    "CURRENT",
    "FORMAT_VERSION",
    "Library",
    "Manifest",
    "Register",
    "StoredReport",
    "current_generation",
    "read_manifest",
]
