"""The records that flow through peerchat: files -> Report -> Chunk -> Citation -> Answer.

Every record is a frozen dataclass. JSON is made at the edges (CLI, app), never here.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

REPORT_TYPES = ("feedback report", "action plan", "progress review", "other")


@dataclass(frozen=True)
class Section:
    """A span of a report under one heading, e.g. "4.4 Organisational leadership".

    `path` is the full heading path ("4.1 Understanding of the local place > Recommendations").
    `start`/`end` are character offsets into `Report.text`.
    """

    number: str
    heading: str
    kind: (
        str  # "numbered" | "key recommendations" | "recommendations" | "annex" | "front matter" ...
    )
    path: str
    start: int
    end: int
    first_page: int
    last_page: int


@dataclass(frozen=True)
class TableRow:
    """One row of an action-plan table, with each cell under its column header.

    A row split across pages is one TableRow whose page span covers both pages.
    """

    ref: str
    cells: tuple[tuple[str, str], ...]  # (header, cell text), in column order
    start: int
    end: int
    first_page: int
    last_page: int

    def cell(self, header_word: str) -> str:
        """The text of the first cell whose header contains `header_word` (case-insensitive)."""
        word = header_word.lower()
        return next((text for header, text in self.cells if word in header.lower()), "")


@dataclass(frozen=True)
class Report:
    """One ingested report: its metadata, cleaned text and structure.

    `id` is the SHA-256 of the file's bytes. `page_starts[i]` is the offset in `text` where
    page i+1 begins, so any offset maps to the page it was printed on.
    """

    id: str
    source: str  # file name, e.g. "lambeth-cpc-feedback-2016.pdf"
    path: str  # where it was read from
    councils: tuple[str, ...]  # canonical names, e.g. ("Lambeth London Borough Council",)
    report_type: str  # one of REPORT_TYPES
    # ISO date of the visit or publication at the precision printed: "2016-10-04" (a day),
    # "2024-01" (the cover says "January 2024"), "2017" (a catalogue year); "" when unknown.
    # Shown with peerchat.core.dates.display_date.
    date: str
    title: str
    text: str
    page_starts: tuple[int, ...]
    sections: tuple[Section, ...] = ()
    rows: tuple[TableRow, ...] = ()

    @property
    def n_pages(self) -> int:
        return len(self.page_starts)

    @property
    def council(self) -> str:
        """The councils as one display string ("A and B" for a joint report;
        "council not recognised (FILE)" when none was found in it)."""
        return council_label(self.councils, self.source)

    def page_at(self, offset: int) -> int:
        """The 1-based page on which the character at `offset` was printed."""
        return max(1, bisect.bisect_right(self.page_starts, offset))

    def page_text(self, page: int) -> str:
        """The cleaned text of one 1-based page."""
        start = self.page_starts[page - 1]
        end = self.page_starts[page] if page < len(self.page_starts) else len(self.text)
        return self.text[start:end]


@dataclass(frozen=True)
class Chunk:
    """A passage: the unit that is embedded, searched and cited.

    For kind "text", `text == report.text[start:end]` (whitespace normalised). For kind
    "table row", `text` is the row written out with its column headers and `start`/`end`
    span the row in the report text.
    """

    id: str
    report_id: str
    councils: tuple[str, ...]
    report_type: str
    date: str
    title: str
    source: str
    section: str
    first_page: int
    last_page: int
    start: int
    end: int
    text: str
    n_tokens: int
    kind: str = "text"  # "text" | "table row"

    @property
    def council(self) -> str:
        return council_label(self.councils, self.source)

    @property
    def pages(self) -> str:
        if self.first_page == self.last_page:
            return f"p. {self.first_page}"
        return f"pp. {self.first_page}-{self.last_page}"


@dataclass(frozen=True)
class Hit:
    """A chunk returned by search, with its fused score and rank."""

    chunk: Chunk
    score: float
    rank: int


@dataclass(frozen=True)
class Citation:
    """A numbered source of an answer: the passage and where it is printed."""

    n: int
    chunk_id: str
    council: str
    title: str
    report_type: str
    date: str
    section: str
    page: int
    source: str
    text: str
    score: float
    quotes: tuple[str, ...] = ()  # the sentences of `text` the answer used


@dataclass(frozen=True)
class Understood:
    """What a question was taken to ask, for showing above its answer."""

    councils: tuple[str, ...] = ()  # councils searched; empty: every council in scope
    missing: tuple[str, ...] = ()  # councils named that have no report in the library
    report_types: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    guesses: tuple[tuple[str, str], ...] = ()  # (as written, council taken) for a typo
    follow_up: bool = False  # read against the conversation before it
    across: bool = False  # answered council by council


@dataclass(frozen=True)
class Answer:
    """An answer in Markdown whose every `[n]` is the `n` of one of its citations."""

    question: str
    found: bool
    text: str
    citations: tuple[Citation, ...] = ()
    councils: tuple[str, ...] = ()  # councils the question was resolved to
    notices: tuple[str, ...] = field(default=())  # e.g. "2 unsupported sentences dropped"
    topic: str = ""  # what was searched for (a follow-up may borrow it)
    aggregate: bool = False  # answered across reports, council by council
    items: tuple[str, ...] = ()  # ids of the register items (rows, recommendations, signposts) used
    understood: Understood | None = None  # how the question was read (None: not read)


def council_label(councils: tuple[str, ...] | list[str], source: str) -> str:
    """The councils of a report (or of something read from it) as one display string:
    "A", "A and B", or "council not recognised (FILE)" when no council name was found in
    the file, so an answer never shows an empty name."""
    return join_names(councils) or f"council not recognised ({source})"


def join_names(names: tuple[str, ...] | list[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


# --- The recommendation register (issue 6): structured items extracted from reports. ---


@dataclass(frozen=True)
class Recommendation:
    """A recommendation a report makes, linked to the passage that states it.

    `key` is True only for the report's key recommendations. `origin` is "report" (the
    body), "annex" (only in an annex summary) or "action plan" (the LGA recommendation
    column of an action plan whose feedback report is not in the library; never key: a
    plan marks none as key, it numbers them, "Recommendation 8").

    A recommendation the report states more than once (a key one repeated in a section's
    list, or again in an annex) is one Recommendation, at its first place; `also_sections`
    and `also_pages` say where else it appears (pairwise), so counts and charts count it
    once.
    """

    id: str  # f"{report id[:12]}:rec:k3" (key 3), ":rec:f12" (further 12), ":rec:a8" (plan 8)
    report_id: str
    councils: tuple[str, ...]
    report_type: str
    date: str  # the report's date, ISO at the precision printed ("2024-01", "2016-10-04")
    source: str
    number: str
    key: bool
    text: str
    section: str
    page: int
    start: int
    end: int
    chunk_id: str
    origin: str = "report"
    themes: tuple[str, ...] = ()  # from index/register/themes.py, set when the index is built
    also_sections: tuple[str, ...] = ()  # sections where the report repeats it
    also_pages: tuple[int, ...] = ()  # ... and their pages

    @property
    def council(self) -> str:
        return council_label(self.councils, self.source)

    @property
    def label(self) -> str:
        """How the report names it: "Key recommendation 3", "Recommendation 8" (an action
        plan's numbering), "Further recommendation 12"."""
        if self.origin == "action plan":
            return f"Recommendation {self.number}"
        return f"{'Key' if self.key else 'Further'} recommendation {self.number}"


@dataclass(frozen=True)
class Signpost:
    """A "Signpost – X" practice example: who or what is signposted and what it shows.

    `recommendation_id` is the recommendation of the same report whose content the
    signpost's matches ("" when none does: a signpost is never linked by its position
    alone); `match` says how it was matched, e.g. `shares the phrase "single digital
    strategy"` or `similar text (cosine 0.54, all-MiniLM-L6-v2)`; `match_score` is that
    cosine, or 1.0 for a shared phrase.
    """

    id: str
    report_id: str
    councils: tuple[str, ...]
    date: str
    source: str
    name: str  # the organisation or resource (the text after "Signpost –")
    text: str  # what it shows
    section: str  # the section it sits in (the theme it supports)
    recommendation_id: str
    recommendation: str
    links: tuple[str, ...]  # URLs, email addresses, "contact ..." names
    page: int
    start: int
    end: int
    chunk_id: str
    match: str = ""
    match_score: float = 0.0

    @property
    def council(self) -> str:
        return council_label(self.councils, self.source)


@dataclass(frozen=True)
class ActionRow:
    """One row of a council's action plan: what it committed to, who owns it and when,
    complete as the plan means it (index/register and the answers read these fields as
    they are; nothing needs to be pieced together from other rows).

    - `recommendation`: the LGA recommendation cell, joined where it runs over a page and
      with words the PDF broke ("Corp orate") mended.
    - `action`: the whole action. A merged cell that answers several rows ("To support
      Recommendations 5, 6 and 7 the Council will ...", "For these four recommendations
      ...") is given whole to each of them, and `shared_refs` names them all ("5", "6",
      "7"); () when the action is the row's own.
    - `sponsor`, `lead`: the row's cells; a blank one in a shared group takes the group's
      (its first row's); `owners_from` is then that row's ref.
    - `dates`: the dates and timescales the action gives ("by July 2024", "from February
      to August 2024"), then those it refers to: an action "with the same timeframe as
      Recommendation 1", or "in the same timeframe" as the recommendations it names, takes
      their dates, and `dates_from` names the refs they came from.
    - `answers`: the id of the feedback-report Recommendation the row answers, set when
      the index is built (needs the whole library).
    """

    id: str
    report_id: str
    councils: tuple[str, ...]
    date: str  # the plan's date, ISO at the precision printed ("2024-01")
    source: str
    ref: str
    recommendation: str
    action: str
    sponsor: str
    lead: str
    dates: tuple[str, ...]  # "by July 2024", "February to August 2024", ...
    status: str
    first_page: int
    last_page: int
    start: int
    end: int
    chunk_id: str
    shared_refs: tuple[str, ...] = ()
    owners_from: str = ""
    dates_from: tuple[str, ...] = ()
    answers: str = ""
    answer_score: float = 0.0

    @property
    def council(self) -> str:
        return council_label(self.councils, self.source)

    @property
    def label(self) -> str:
        """ "Recommendation 8", as the plan numbers its rows."""
        return f"Recommendation {self.ref}"

    @property
    def due(self) -> str:
        """The row's dates as one line ("by July 2024; by February 2024"), "" when none."""
        return "; ".join(self.dates)

    @property
    def shared_label(self) -> str:
        """ "shared with 5–7" (or "shared with 2, 5 and 9"), "" when the action is its own."""
        if not self.shared_refs:
            return ""
        refs = list(self.shared_refs)
        numbers = [int(r) for r in refs if r.isdigit()]
        if len(numbers) == len(refs) > 2 and numbers == list(range(numbers[0], numbers[-1] + 1)):
            return f"shared with {refs[0]}–{refs[-1]}"
        return f"shared with {join_names(refs)}"
