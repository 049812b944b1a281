"""Peer Challenge Assistant: cited answers over LGA Corporate Peer Challenge reports.

One package in layers (docs/ARCHITECTURE.md; import-linter holds them): the foundation
`peerchat.core`; `peerchat.ingest` (the ingest/ folder) on it; `peerchat.index` (index/)
on both; and the edges here in peerchat/ (cli/, ui, serve, manage, admin, doctor, render,
export...), which may import anything below them and which nothing below imports.
"""

__version__ = "0.1.0"
