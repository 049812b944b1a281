"""Ingest into a new generation: find the report files, read the new and changed ones (in
worker processes, through peerchat.ingest), embed through the cache, build the register,
write every file of the generation (generation.py: from the live generation when reports
were only added or removed) and publish it in one rename (update.py).

May import: `peerchat.index.register`, `peerchat.index.search`, `peerchat.index.store`,
`peerchat.index.embedding`, `peerchat.ingest` and `peerchat.core`; not
`peerchat.index.answer`.
"""

from peerchat.index.build.file_digests import file_hash
from peerchat.index.build.update import (
    IngestSummary,
    Progress,
    find_files,
    ingest_paths,
)

__all__ = ["IngestSummary", "Progress", "file_hash", "find_files", "ingest_paths"]
