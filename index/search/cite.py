"""Citations: a passage returned by search, numbered and carrying where it is printed (the
page of the sentence quoted from it, when there is one)."""

from __future__ import annotations

from peerchat.core.records import Chunk, Citation, Hit, Report


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


def quoted_page(report: Report, chunk: Chunk, quotes: tuple[str, ...]) -> int | None:
    """The page of `report` where the first of `quotes` is printed, within `chunk`'s page
    span; None when it cannot be told (no quote, a table row, a quote not in the passage)."""
    if not quotes or chunk.kind != "text":
        return None
    at = chunk.text.find(quotes[0])
    if at < 0:
        return None
    return min(max(report.page_at(chunk.start + at), chunk.first_page), chunk.last_page)
