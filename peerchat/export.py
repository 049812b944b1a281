"""A conversation as Markdown, with every answer's sources, ready to paste into a visit brief."""

from __future__ import annotations

import re
from collections.abc import Sequence

from peerchat.core.dates import display_date
from peerchat.core.records import Answer, Citation
from peerchat.index.search import Filters

TITLE = "Peer Challenge Assistant: conversation"


def conversation_markdown(
    answers: Sequence[Answer],
    filters: Sequence[Filters | None] = (),
    title: str = TITLE,
    generated: str = "",
) -> str:
    """Each question, its answer and its numbered sources (council, report title, type,
    date, section, page, file) with the sentences the answer used, as Markdown.

    `filters[i]`, when given and active, is noted under question i. `generated` (e.g. a
    date) is printed under the title.
    """
    lines = [f"# {title}", ""]
    if generated:
        lines += [f"_Exported {generated}._", ""]
    if not answers:
        lines.append("No questions were asked.")
    for i, answer in enumerate(answers, start=1):
        lines += [f"## {i}. {_one_line(answer.question)}", ""]
        applied = filters[i - 1] if i - 1 < len(filters) else None
        if applied is not None and applied.active:
            lines += [f"_Filtered: {applied.describe()}._", ""]
        lines += [answer.text.strip() if answer.found else f"> {_one_line(answer.text)}", ""]
        lines += [f"_{notice}_" for notice in answer.notices]
        if answer.notices:
            lines.append("")
        if answer.citations:
            lines += ["**Sources**", ""]
            lines += [_source(c) for c in answer.citations]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _source(c: Citation) -> str:
    head = (
        f"{c.n}. **{c.council}**, *{c.title}* ({c.report_type}, {display_date(c.date)}), "
        f"{c.section or 'no section'}, p. {c.page} ({c.source})"
    )
    quoted = c.quotes or (_first_words(c.text),)
    return head + "".join(f"\n    > {_one_line(q)}" for q in quoted)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _first_words(text: str, limit: int = 240) -> str:
    text = _one_line(text)
    if len(text) <= limit:
        return text
    cut = re.sub(r"\s+\S*$", "", text[:limit])
    return cut + " …"
