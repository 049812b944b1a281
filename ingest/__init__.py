"""Files -> Report (metadata, pages, sections, action-plan rows) -> Chunk.

Installed as `peerchat.ingest`. `readers.py` is the one table of readable file types
(suffix -> reader); `report.py` reads one file into a Report, `chunk.py` cuts it into
passages, `register.py` finds its recommendations, signposts and action-plan rows, and
`parallel.py` reads many files in worker processes with a cache.

May import: `peerchat.core` only; it knows nothing of `peerchat.index` or the edges.
"""

# Bump when reading, cleaning, sections or chunking change: an index built by another
# version re-reads every file (embeddings still come from the cache).
PARSER_VERSION = "5"  # 5: dates at the precision printed; register fields mended and whole
