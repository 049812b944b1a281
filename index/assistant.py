"""The assistant: the loaded library and embedder, and the operations the CLI and the app
share (search, answer). Built once per process (the app caches it per index generation)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from index.answer import answer_question
from index.embed import Embedder, make_embedder
from index.generations import current_generation
from index.hybrid import Filters, search
from index.library import Library
from index.query import Turn, clean_question, strip_councils
from peerchat.councils import CouncilDirectory
from peerchat.errors import IndexIncompatible
from peerchat.records import Answer, Hit
from peerchat.settings import Settings


@dataclass
class Assistant:
    settings: Settings
    library: Library
    embedder: Embedder
    councils: CouncilDirectory

    @classmethod
    def load(cls, settings: Settings, embedder: Embedder | None = None) -> Assistant:
        """Open the live index and the embedder it was built with."""
        library = Library.open(settings.index_dir)
        embedder = embedder or make_embedder(settings.embedder)
        if library.manifest.embedder != embedder.name:
            raise IndexIncompatible(
                settings.index_dir,
                f"it was built with {library.manifest.embedder}, this setting uses {embedder.name}",
            )
        return cls(settings, library, embedder, CouncilDirectory.load())

    def answer(
        self,
        question: str,
        history: list[Turn] | tuple[Turn, ...] = (),
        filters: Filters | None = None,
    ) -> Answer:
        """The cited answer to `question`, resolving follow-ups against `history`.

        Written by the language model when one is configured (`settings.llm_enabled`),
        guarded so that every sentence is tied to a passage; else extractive. The question
        is cleaned first (control characters out, cut to `settings.max_question_chars`
        with a notice).
        """
        asked = clean_question(question, self.settings.max_question_chars)
        if self.settings.llm_enabled:
            from index.llm_answer import answer_with_llm

            return asked.noted(answer_with_llm(self, asked.text, history, filters))
        return asked.noted(
            answer_question(
                self.library, self.embedder, self.councils, asked.text, history, filters
            )
        )

    def answer_stream(
        self,
        question: str,
        history: list[Turn] | tuple[Turn, ...] = (),
        filters: Filters | None = None,
    ) -> Iterator[str | Answer]:
        """Yield the answer's text in pieces as it is written, then the final `Answer`.

        The extractive answerer writes it in one piece; a language model streams it,
        sentence by sentence as each passes the guard.
        """
        if self.settings.llm_enabled:
            from index.llm_answer import stream_with_llm

            asked = clean_question(question, self.settings.max_question_chars)
            for piece in stream_with_llm(self, asked.text, history, filters):
                yield asked.noted(piece) if isinstance(piece, Answer) else piece
            return
        result = self.answer(question, history, filters)
        yield result.text
        yield result

    def search(self, query: str, k: int | None = None, filters: Filters | None = None) -> list[Hit]:
        """The best passages for `query`; councils it names narrow the search unless the
        caller's filters already choose councils."""
        query = clean_question(query, self.settings.max_question_chars).text
        if filters is None or not filters.councils:
            covered = set(self.library.councils)
            named = [c for c in self.councils.find(query, fuzzy=True) if c.name in covered]
            if named:
                filters = replace(filters or Filters(), councils=tuple(c.name for c in named))
                query = strip_councils(query, named) or query
        return search(self.library, self.embedder, query, k or self.settings.search_k, filters)


def generation_key(index_dir: Path) -> str:
    """A key that changes whenever a new generation is published (for caches)."""
    try:
        return current_generation(index_dir).name
    except Exception:  # noqa: BLE001 - any failure means "no usable index": key it as such
        return ""
