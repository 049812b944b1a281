"""The foundation every other part of peerchat stands on: the records that flow through it
(records.py), its domain errors (errors.py), the council directory (councils.py and
councils.csv), the one settings object (settings.py) and the limits on reading a file
(limits.py), the structured logs (logs.py), and small text measures shared by ingest
and index (text.py: tokens, word overlap).

May import: the standard library and third-party packages only; nothing else of peerchat
(import-linter holds this: see [tool.importlinter] in pyproject.toml).
"""
