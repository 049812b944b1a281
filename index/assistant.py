"""The assistant: the loaded library and embedder, and the operations the CLI and the app
share (search, answer). Built once per process (the app caches it per index generation)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from index.answer import answer_question
from index.embed import Embedder, make_embedder
from index.generations import current_generation
from index.hybrid import Filters, search
from index.library import Library
from index.query import Turn
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
        """The cited answer to `question`, resolving follow-ups against `history`."""
        return answer_question(
            self.library, self.embedder, self.councils, question, history, filters
        )

    def answer_stream(
        self,
        question: str,
        history: list[Turn] | tuple[Turn, ...] = (),
        filters: Filters | None = None,
    ) -> Iterator[str | Answer]:
        """Yield the answer's text in pieces as it is written, then the final `Answer`.

        The extractive answerer writes it in one piece; a language model streams it.
        """
        result = self.answer(question, history, filters)
        yield result.text
        yield result

    def search(self, query: str, k: int | None = None, filters: Filters | None = None) -> list[Hit]:
        return search(self.library, self.embedder, query, k or self.settings.search_k, filters)


def generation_key(index_dir: Path) -> str:
    """A key that changes whenever a new generation is published (for caches)."""
    try:
        return current_generation(index_dir).name
    except Exception:  # noqa: BLE001 - any failure means "no usable index": key it as such
        return ""
