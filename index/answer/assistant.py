"""The assistant: the loaded library and embedder, and the operations the CLI and the app
share (search, answer). Built once per process (the app caches it per index generation)."""

from __future__ import annotations

import datetime
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from peerchat.core.councils import CouncilDirectory
from peerchat.core.errors import IndexIncompatible, InvalidFilter, UnknownCouncil
from peerchat.core.logs import event, question_fields, seconds_since
from peerchat.core.records import REPORT_TYPES, Answer, Hit
from peerchat.core.settings import Settings
from peerchat.index.answer.extractive import answer_question
from peerchat.index.embedding.embedders import Embedder, embedder_for, embedder_name, mismatch
from peerchat.index.search.hybrid import Filters, search
from peerchat.index.search.query import Turn, clean_question, strip_councils
from peerchat.index.store.generations import current_generation
from peerchat.index.store.library import Library

log = logging.getLogger("peerchat.answer")


@dataclass
class Assistant:
    settings: Settings
    library: Library
    embedder: Embedder
    councils: CouncilDirectory

    @classmethod
    def load(
        cls,
        settings: Settings,
        embedder: Embedder | None = None,
        notify: Callable[[str], None] | None = None,
        library: Library | None = None,
    ) -> Assistant:
        """Open the live index (or use `library`, already open) and the embedder it was
        built with (`notify` hears of a model export on its first use)."""
        started = time.monotonic()
        if library is None:
            library = Library.open(settings.index_dir)
        # Checked before the model loads: a wrong backend is refused at once, never exported.
        wanted = embedder.name if embedder is not None else embedder_name(settings)
        if library.manifest.embedder != wanted:
            raise IndexIncompatible(settings.index_dir, mismatch(library.manifest.embedder, wanted))
        embedder = embedder or embedder_for(settings, notify)
        event(
            log,
            "assistant_loaded",
            generation=library.generation.name,
            reports=len(library.stored),
            passages=len(library.chunks),
            seconds=seconds_since(started),
        )
        return cls(settings, library, embedder, CouncilDirectory.load())

    @property
    def generation(self) -> str:
        """The name of the index generation this assistant answers from."""
        return self.library.generation.name

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
        started = time.monotonic()
        self.library.check()
        asked = clean_question(question, self.settings.max_question_chars)
        if self.settings.llm_enabled:
            from peerchat.index.answer.llm_answer import answer_with_llm

            result = asked.noted(answer_with_llm(self, asked.text, history, filters))
        else:
            result = asked.noted(
                answer_question(
                    self.library, self.embedder, self.councils, asked.text, history, filters
                )
            )
        self._log_answer(result, started)
        self.library.release(self.settings.mapped_memory_mb)
        return result

    def answer_after(
        self, question: str, earlier: Iterable[str] = (), filters: Filters | None = None
    ) -> Answer:
        """The answer to `question` asked after `earlier` questions of one conversation."""
        history: list[Turn] = []
        for q in earlier:
            history.append(Turn.from_answer(self.answer(q, history, filters)))
        return self.answer(question, history, filters)

    def answer_stream(
        self,
        question: str,
        history: list[Turn] | tuple[Turn, ...] = (),
        filters: Filters | None = None,
    ) -> Iterator[str | Answer]:
        """Yield the answer's text in pieces as it is written, then the final `Answer`.

        The extractive answerer writes it in one piece; a language model streams it,
        sentence by sentence as each passes the guard. IndexDamaged (before anything is
        read) when a file of the index was damaged while it was open.
        """
        if self.settings.llm_enabled:
            from peerchat.index.answer.llm_answer import stream_with_llm

            started = time.monotonic()
            self.library.check()
            asked = clean_question(question, self.settings.max_question_chars)
            for piece in stream_with_llm(self, asked.text, history, filters):
                if isinstance(piece, Answer):
                    piece = asked.noted(piece)
                    self._log_answer(piece, started)
                    self.library.release(self.settings.mapped_memory_mb)
                yield piece
            return
        result = self.answer(question, history, filters)
        yield result.text
        yield result

    def _log_answer(self, result: Answer, started: float) -> None:
        event(
            log,
            "question_answered",
            **question_fields(self.settings, result.question),
            found=result.found,
            citations=len(result.citations),
            councils=len(result.councils),
            llm=self.settings.llm_enabled,
            generation=self.generation,
            seconds=seconds_since(started),
        )

    def make_filters(
        self, councils: Iterable[str] = (), report_types: Iterable[str] = (), since: str = ""
    ) -> Filters:
        """Filters from what a person typed: council names as written (looked up, fuzzily,
        in the council directory), report types, and `since` as a year or a date.
        UnknownCouncil names a council that cannot be placed."""
        names = []
        for name in councils:
            found = self.councils.lookup(name) or next(
                iter(self.councils.find(name, fuzzy=True)), None
            )
            if found is None:
                raise UnknownCouncil(name)
            names.append(found.name)
        types = []
        for given in report_types:
            wanted = " ".join(given.lower().split())
            if wanted not in REPORT_TYPES:
                raise InvalidFilter(
                    "report_type",
                    f'"report_type" {given!r} is not a report type: use one of '
                    + ", ".join(REPORT_TYPES),
                )
            types.append(wanted)
        return Filters(
            councils=tuple(names), report_types=tuple(types), date_from=_date_from(since)
        )

    def search(self, query: str, k: int | None = None, filters: Filters | None = None) -> list[Hit]:
        """The best passages for `query`; councils it names narrow the search unless the
        caller's filters already choose councils."""
        self.library.check()
        query = clean_question(query, self.settings.max_question_chars).text
        if filters is None or not filters.councils:
            covered = set(self.library.councils)
            named = [c for c in self.councils.find(query, fuzzy=True) if c.name in covered]
            if named:
                filters = replace(filters or Filters(), councils=tuple(c.name for c in named))
                query = strip_councils(query, named) or query
        hits = search(self.library, self.embedder, query, k or self.settings.search_k, filters)
        self.library.release(self.settings.mapped_memory_mb)
        return hits


def _date_from(since: str) -> str:
    """`since` (a year, a month or a date) as the first ISO date it allows; "" for none."""
    since = since.strip()
    if not since:
        return ""
    parts = since.split("-")
    try:
        if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", since):
            raise ValueError(since)
        year, month, day = (int(p) for p in (parts + ["01", "01"])[:3])
        return datetime.date(year, month, day).isoformat()
    except ValueError as exc:
        raise InvalidFilter(
            "since", f'"since" {since!r} is not a year or a date: use YYYY or YYYY-MM-DD'
        ) from exc


def generation_key(index_dir: Path) -> str:
    """A key that changes whenever a new generation is published (for caches)."""
    try:
        return current_generation(index_dir).name
    except Exception:  # noqa: BLE001 - any failure means "no usable index": key it as such
        return ""
