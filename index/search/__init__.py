"""Finding passages: what a question asks (councils, years, report types, follow-ups:
query.py), hybrid dense + BM25 search fused by reciprocal rank under filters (hybrid.py),
and passages as numbered citations (cite.py).

May import: `peerchat.index.store`, `peerchat.index.embedding`, `peerchat.ingest` and
`peerchat.core`.
"""

from peerchat.index.search.cite import citation_for, citations_for_hits
from peerchat.index.search.hybrid import Filters, search
from peerchat.index.search.query import Query, Turn, clean_question, understand

__all__ = [
    "Filters",
    "Query",
    "Turn",
    "citation_for",
    "citations_for_hits",
    "clean_question",
    "search",
    "understand",
]
