"""Citations: a passage returned by search, numbered and carrying where it is printed."""

from __future__ import annotations

from peerchat.core.records import Chunk, Citation, Hit


def citation_for(
    chunk: Chunk, n: int, score: float, quotes: tuple[str, ...] = (), page: int | None = None
) -> Citation:
    """Citation number `n` for `chunk`; `page` is where the quoted text is printed."""
    return Citation(
        n=n,
        chunk_id=chunk.id,
        council=chunk.council,
        title=chunk.title,
        report_type=chunk.report_type,
        date=chunk.date,
        section=chunk.section,
        page=page or chunk.first_page,
        source=chunk.source,
        text=chunk.text,
        score=round(float(score), 4),
        quotes=quotes,
    )


def citations_for_hits(hits: list[Hit]) -> list[Citation]:
    """Search hits as citations numbered 1..n, best first."""
    return [citation_for(h.chunk, n, h.score) for n, h in enumerate(hits, start=1)]
