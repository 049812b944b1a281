"""Answers written by a language model, every sentence tied to a passage it was given.

1. Retrieval is the extractive answerer's: `answer_question` picks the passages (and says
   when nothing clears the relevance floor: then its answer is returned, with no model
   call). A single-report question also gets the next best passages of the same reports.
2. The passages go into the prompt best first, numbered as the model must cite them, set
   apart as data inside <passages>, until `settings.llm_context_tokens` (the whole prompt,
   counted with tiktoken) is used; a passage that does not fit is cut at a sentence
   boundary or left out. Sentences of a passage that read as instructions to an AI are
   withheld from the model.
3. The model's reply goes through `peerchat.index.answer.guard.Guard`; citations are renumbered in order
   of use, followed by the passages given but not used.
4. A model that fails, times out, refuses or writes nothing the guard lets through gives
   way to the extractive answer, with a notice saying so.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from time import monotonic
from typing import TYPE_CHECKING

from peerchat.core.dates import display_date
from peerchat.core.errors import LLMError
from peerchat.core.records import Answer, Citation
from peerchat.core.text import ADDRESSED_TO_AI, count_tokens
from peerchat.index.answer.extractive import answer_question
from peerchat.index.answer.guard import Guard, OutOfTime, Source
from peerchat.index.answer.llm import ChatClient, Message
from peerchat.index.answer.prompts import load_prompt
from peerchat.index.answer.structured import row_text
from peerchat.index.search.cite import citations_for_hits, quoted_page
from peerchat.index.search.hybrid import Filters
from peerchat.index.search.query import Turn
from peerchat.ingest.sentences import sentence_spans

if TYPE_CHECKING:
    from peerchat.index.answer.assistant import Assistant

MAX_PASSAGES = 8
ANSWER_TOKENS = 600  # asked of the model; the prompt budget does not include them
REWRITE_TOKENS = 80
TEMPERATURE = 0.1
MIN_TRIMMED_TOKENS = 30  # a cut passage shorter than this is left out
# Text in a report that addresses an AI model rather than a reader (one definition,
# shared with the extractive answer).
INSTRUCTION_LIKE = ADDRESSED_TO_AI
REFUSAL = re.compile(
    r"^\W*(the reports do not say|i('m| am) sorry|i cannot|i can't|i am unable|"
    r"as an ai|i do not have)",
    re.IGNORECASE,
)
WITHHELD = "[text addressed to an AI model withheld]"


class ModelFailed(LLMError):
    """The model answered, but nothing of its reply can be used: `reason` says why."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"the language model's answer cannot be used: {reason}")


@dataclass(frozen=True)
class Given:
    """A passage put in the prompt: its citation and the text the model saw."""

    citation: Citation
    text: str


@dataclass(frozen=True)
class Prepared:
    """Everything the model call needs, and the extractive answer to fall back on."""

    extractive: Answer
    messages: list[Message]
    given: dict[int, Given]  # number in the prompt -> passage
    instructions: str
    notices: tuple[str, ...]


def answer_with_llm(
    assistant: Assistant,
    question: str,
    history: list[Turn] | tuple[Turn, ...] = (),
    filters: Filters | None = None,
) -> Answer:
    """The model's guarded answer to `question` (see the module docstring)."""
    *_, result = _run(assistant, question, history, filters, stream=False)
    assert isinstance(result, Answer)
    return result


def stream_with_llm(
    assistant: Assistant,
    question: str,
    history: list[Turn] | tuple[Turn, ...] = (),
    filters: Filters | None = None,
) -> Iterator[str | Answer]:
    """Guarded sentences as the model writes them, then the final `Answer`.

    Only text the guard let through is yielded. If the model fails part-way, the final
    Answer is the extractive one (with a notice) and differs from the pieces.
    """
    yield from _run(assistant, question, history, filters, stream=True)


def _run(
    assistant: Assistant,
    question: str,
    history: list[Turn] | tuple[Turn, ...],
    filters: Filters | None,
    stream: bool,
) -> Iterator[str | Answer]:
    extractive = answer_question(
        assistant.library, assistant.embedder, assistant.councils, question, history, filters
    )
    if not extractive.found or not extractive.citations:
        yield extractive.text
        yield extractive
        return
    with ChatClient.from_settings(assistant.settings) as client:
        shown = False
        try:
            asked = _standalone(client, question, history)
            prepared = _prepare(assistant, extractive, asked, filters)
            # The time limit covers the model's answer and the guard's reading of it.
            limit = assistant.settings.llm_timeout
            guard = Guard(
                _sources(assistant, prepared),
                assistant.embedder,
                prepared.instructions,
                question=asked,
                councils=assistant.councils,
                deadline=monotonic() + limit,
                time_limit=limit,
                clock=monotonic,
            )
            raw: list[str] = []
            params = {"max_tokens": ANSWER_TOKENS, "temperature": TEMPERATURE}
            pieces = (
                client.stream(prepared.messages, **params)
                if stream
                else iter([client.complete(prepared.messages, **params)])
            )
            try:
                for piece in pieces:
                    raw.append(piece)
                    out = guard.feed(piece)
                    if out:
                        shown = True
                        yield out
                    if guard.full:
                        break  # read no more of an overlong reply
                    if monotonic() > guard.deadline:
                        raise OutOfTime(limit)
            finally:
                close = getattr(pieces, "close", None)
                if close is not None:
                    close()
            out = guard.close()
            if out:
                shown = True
                yield out
            if not guard.kept:
                raise ModelFailed(_unusable(raw))
        except LLMError as exc:
            answer = _fallback(extractive, exc)
            if not shown:
                yield answer.text
            yield answer
            return
    yield _final(assistant, prepared, guard)


def _sources(assistant: Assistant, prepared: Prepared) -> list[Source]:
    """The passages given to the model as the guard checks against them: text, the
    councils they are about, and their section, title and date."""
    chunks = assistant.library.chunks_by_id([g.citation.chunk_id for g in prepared.given.values()])
    sources = []
    for n, given in prepared.given.items():
        c = given.citation
        chunk = chunks.get(c.chunk_id)
        councils = chunk.councils if chunk is not None else ()
        sources.append(
            Source(
                n,
                given.text,
                c.council if councils else "",
                councils,
                f"{c.section} {c.title} {c.date}",
            )
        )
    return sources


def _standalone(client: ChatClient, question: str, history: list[Turn] | tuple[Turn, ...]) -> str:
    """A follow-up rewritten by the model as a standalone question (retrieval has already
    resolved it; this is the question the model is shown). The question as asked when
    there is no history or the rewrite is unusable."""
    if not history:
        return question
    lines = []
    for turn in history[-3:]:
        about = f" (about {', '.join(turn.councils)})" if turn.councils else ""
        lines.append(f"User asked: {_escape(turn.question)}{about}")
    system, user = load_prompt("rewrite_follow_up").render(
        conversation="\n".join(lines), question=_escape(question)
    )
    reply = client.complete(
        [Message("system", system), Message("user", user)],
        max_tokens=REWRITE_TOKENS,
        temperature=0.0,
    )
    rewritten = " ".join(reply.strip().splitlines()[:1]).strip().strip('"')
    if not rewritten or len(rewritten) > 3 * len(question) + 200 or "[" in rewritten:
        return question
    return rewritten


def _prepare(
    assistant: Assistant, extractive: Answer, question: str, filters: Filters | None
) -> Prepared:
    candidates = list(extractive.citations)
    # An answer from an action-plan row gives the model the row, its columns named (the
    # same route as the extractive answer); other answers may draw on further passages.
    rows = {a.chunk_id: a for a in assistant.library.register.actions if a.id in extractive.items}
    if not extractive.aggregate and not extractive.notices and not rows:
        candidates += _more_passages(assistant, extractive, filters)
    prompt = load_prompt("answer_across" if extractive.aggregate else "answer_single")
    system, empty_user = prompt.render(passages="", question=_escape(question))
    budget = assistant.settings.llm_context_tokens - count_tokens(system) - count_tokens(empty_user)
    given: dict[int, Given] = {}
    blocks: list[str] = []
    withheld = 0
    for citation in candidates[:MAX_PASSAGES]:
        source = citation.text
        if citation.chunk_id in rows:
            source = row_text(rows[citation.chunk_id])
        text, cut = _without_instructions(source)
        withheld += cut
        n = len(given) + 1
        block = _fit(citation, n, text, budget)
        if block is None:
            continue
        text, rendered = block
        budget -= count_tokens(rendered) + 1
        given[n] = Given(citation, text)
        blocks.append(rendered)
    if not given:
        raise ModelFailed("no passage fits in the context budget")
    _, user = prompt.render(passages="\n".join(blocks), question=_escape(question))
    notices = ()
    if withheld:
        notices = (
            f"{withheld} sentence{'s' if withheld > 1 else ''} of the passages addressed to "
            "an AI model rather than a reader were withheld from the model",
        )
    return Prepared(
        extractive,
        [Message("system", system), Message("user", user)],
        given,
        system,
        notices,
    )


def _more_passages(
    assistant: Assistant, extractive: Answer, filters: Filters | None
) -> list[Citation]:
    """The next best passages of the reports the extractive answer cites."""
    chunks = assistant.library.chunks_by_id([c.chunk_id for c in extractive.citations])
    report_ids = tuple(
        dict.fromkeys(
            chunks[c.chunk_id].report_id for c in extractive.citations if c.chunk_id in chunks
        )
    )
    if not report_ids:
        return []
    within = replace(filters or Filters(), report_ids=report_ids)
    hits = assistant.search(extractive.topic or extractive.question, k=MAX_PASSAGES, filters=within)
    have = {c.chunk_id for c in extractive.citations}
    return [c for c in citations_for_hits(hits) if c.chunk_id not in have]


def _fit(citation: Citation, n: int, text: str, budget: int) -> tuple[str, str] | None:
    """(text given, rendered passage) within `budget` tokens, cut at a sentence end; None
    when not even a useful first part fits."""
    rendered = _render(citation, n, text)
    if count_tokens(rendered) <= budget:
        return text, rendered
    overhead = count_tokens(_render(citation, n, ""))
    room = budget - overhead
    if room < MIN_TRIMMED_TOKENS:
        return None
    end = 0
    for _, stop in sentence_spans(text):
        if count_tokens(text[:stop]) > room:
            break
        end = stop
    if end == 0 or count_tokens(text[:end]) < MIN_TRIMMED_TOKENS:
        return None
    cut = text[:end]
    return cut, _render(citation, n, cut)


def _render(citation: Citation, n: int, text: str) -> str:
    report = f"{citation.report_type}, {display_date(citation.date)}"
    return (
        f'<passage n="{n}" council="{_attr(citation.council)}" report="{_attr(report)}" '
        f'section="{_attr(citation.section)}" page="{citation.page}">\n'
        f"{_escape(text)}\n</passage>"
    )


def _without_instructions(text: str) -> tuple[str, int]:
    """`text` with its sentences that address an AI model replaced, and how many."""
    spans = [(s, e) for s, e in sentence_spans(text) if INSTRUCTION_LIKE.search(text[s:e])]
    for start, end in reversed(spans):
        text = text[:start] + WITHHELD + text[end:]
    return text, len(spans)


def _final(assistant: Assistant, prepared: Prepared, guard: Guard) -> Answer:
    citations = []
    order = sorted(guard.numbers, key=guard.numbers.get)
    order += [n for n in prepared.given if n not in guard.numbers]
    chunks = assistant.library.chunks_by_id([prepared.given[n].citation.chunk_id for n in order])
    for new, n in enumerate(order, start=1):
        citation = prepared.given[n].citation
        quotes = tuple(guard.quotes.get(n, ()))
        chunk = chunks.get(citation.chunk_id)
        report = assistant.library.reports.get(chunk.report_id) if chunk is not None else None
        quoted = quoted_page(report, chunk, quotes) if chunk and report else None
        page = quoted or citation.page
        citations.append(replace(citation, n=new, quotes=quotes, page=page))
    extractive = prepared.extractive
    return replace(
        extractive,
        text=guard.text,
        citations=tuple(citations),
        notices=extractive.notices + prepared.notices + guard.notices(),
    )


def _fallback(extractive: Answer, exc: LLMError) -> Answer:
    why = getattr(exc, "reason", str(exc))
    notice = (
        f"The language model's answer could not be used ({why}): "
        "this answer quotes the passages instead"
    )
    return replace(extractive, notices=extractive.notices + (notice,))


def _unusable(raw: list[str]) -> str:
    text = "".join(raw).strip()
    if not text:
        return "it was empty"
    if REFUSAL.search(text):
        return "it found no answer in the passages"
    return "too little of it could be tied to a passage"


def _escape(text: str) -> str:
    """Text that cannot open or close a tag of the prompt."""
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _attr(text: str) -> str:
    return _escape(text).replace('"', "&quot;").replace("\n", " ")
