"""Chunk -> embeddings + FAISS + BM25 + SQLite store; search; answers; the register.

Installed as `peerchat.index`. Five rooms and a foundation, each a subpackage whose
`__init__.py` is its front door (what the edges of peerchat may use); higher rooms may
import lower ones, never the reverse (import-linter holds it):

    build | answer     ingest into a new generation | answer questions (Assistant)
    register           recommendations, signposts, action-plan rows, themes, briefing
    search             query understanding, hybrid dense + lexical search, citations
    store              the generation on disk: SQLite store, vectors, BM25, Library
    embedding          embedders, their calibration, the embedding cache

May import: `peerchat.ingest` and `peerchat.core`; never the edges (`peerchat.cli`, `ui`,
`serve`, `manage`...). Nothing is imported here: `import peerchat.index.search` loads
only what search needs.
"""
