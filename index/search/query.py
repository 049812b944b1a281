"""Query understanding: which councils, years and report types a question names, whether
it asks across councils, and how a follow-up borrows from the conversation before it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from peerchat.core.councils import Council, CouncilDirectory
from peerchat.core.records import Answer

# The longest question read (Settings.max_question_chars may ask for less); `understand`
# cuts to it too, for callers that do not go through `clean_question`.
MAX_QUESTION_CHARS = 2000
# Characters no question needs: controls (NUL, escape sequences), format characters (bidi
# overrides, zero-width joiners) and lone surrogates, which cannot even be printed.
_DROPPED_CATEGORIES = ("Cc", "Cf", "Cs")

AGGREGATE = re.compile(
    # "which (of the) councils ...", but not "what did the Dorset Councils Partnership ...":
    # no verb between the question word and "councils".
    r"\b(which|what|how many|list|name|all|any|other|several|most)\b"
    r"(?:\s+(?!(?:did|does|do|was|is|were|has|have|had)\b)[\w,'’-]+){0,5}?"
    r"\s+(councils|authorities|local authorities|reports)\b"
    r"|\bcompare\b|\bcomparison\b|\bacross (the )?(councils|reports|library)\b"
    r"|\b(councils|authorities)\b[\w\s,'’-]{0,30}\b(were|have been|was)\s+(told|advised|"
    r"recommended|asked|encouraged|urged)\b",
    re.IGNORECASE,
)
# The frame of a cross-council question, dropped from what is searched for.
FRAME = re.compile(
    r"^\s*(which|what|how many|list( the)?|name( the)?|show( me)?)\s+(of the\s+)?"
    r"(councils|local authorities|authorities|reports)\s*(in the library\s*)?"
    r"((were|was|have been|had been|are|have|has|had|did|got|received|faced|face)\s+)?"
    r"((told|advised|recommended|asked|encouraged|urged|given|found|said|praised|"
    r"criticised|challenged)\s+)?((to|that|on|for|about)\s+)?"
    r"((problems|issues|concerns|difficulties|challenges)\s+(with|in|around|over)\s+)?",
    re.IGNORECASE,
)
# "What did the peer team say about ...": the frame of a question about what a report says.
SAYS = re.compile(
    r"^\s*(what|how)\s+(did|does|do|has|have|had|was|is)\s+(?:[\w'’]+\s+){0,4}?"
    r"(say|said|says|mean|meant|find|found|think|thought|recommend|recommended|"
    r"note|noted|conclude|concluded|suggest|suggested|tell|told|write|wrote|report|reported|"
    r"show|shows|showed|cover|covers|covered|describe|describes|described)"
    r"\s*(about|on|regarding|of|by|for|in|to)?\s+",
    re.IGNORECASE,
)
COMPARE = re.compile(
    r"\b(compare|comparing|comparison|contrast|between|versus|vs\.?|both|each|differ|"
    r"how do|what do)\b|^\s*(and|on|in)\b|\b(and|with)\s+(on|in|about|for)\b",
    re.IGNORECASE,
)
# "What examples of X were signposted?": the words asking for signposted practice.
SIGNPOST_FRAME = re.compile(
    r"^\s*(what|which|any|are there|give me|show me|list)?\s*(good\s+)?(practice\s+)?"
    r"(examples?|signposts?)\s+(of|on|about|for)\s+"
    r"|\b(what|which)\s+(was|were|has been|have been)\s+signposted\s+(on|about|for|to)\b"
    r"|\b((was|were|have we|we have|has been|have been|we)\s+)?signposted(\s+(to|for|on|about))?\b",
    re.IGNORECASE,
)
COUNT = re.compile(r"\bhow many\b|\bnumber of\b|\bcount\b", re.IGNORECASE)
YEAR = re.compile(r"\b(19[89]\d|20[0-4]\d)\b")
# A year that says which report is meant ("the 2017 peer challenge", "reports from 2018"),
# not a financial year ("2025/26") or a deadline ("by July 2024", "since 2010").
REPORT_YEAR = re.compile(
    r"(?<!since )(?<!by )(?<!until )(?<!before )(?<!after )"
    r"\b(19[89]\d|20[0-4]\d)\b(?!\s*[/\-–]\s*\d)",
    re.IGNORECASE,
)
REPORT_WORDS = re.compile(
    r"\b(peer challenges?|reports?|visits?|reviews?|action plans?|feedback|letters?)\b",
    re.IGNORECASE,
)
TYPES = (
    ("action plan", re.compile(r"\baction[- ]plans?\b", re.IGNORECASE)),
    (
        "progress review",
        re.compile(
            r"\bprogress (review|report|letter)s?\b|\bfollow[- ]up (review|report|letter)s?\b",
            re.IGNORECASE,
        ),
    ),
    ("feedback report", re.compile(r"\bfeedback reports?\b", re.IGNORECASE)),
)
# A follow-up that only swaps the council: "and Cambridge?", "what about Lambeth?"
SWAP = re.compile(
    r"^\s*(and|also|what about|how about|same for|and for|and what about|what of)\b",
    re.IGNORECASE,
)
PRONOUN = re.compile(
    r"\b(they|them|their|theirs|it|its|this council|that council|the council|these councils|"
    r"those councils|there|the same council)\b",
    re.IGNORECASE,
)
FILLER = re.compile(
    r"\b(and|also|what|about|how|same|for|the|of|too|then|council|councils|s)\b|[^\w\s]",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Query:
    """A question as understood: what to search for and where."""

    question: str  # as asked (trimmed, capped)
    topic: str  # what to search for: the question, or the earlier topic for a follow-up
    councils: tuple[Council, ...]  # named (or carried over) councils
    years: tuple[int, ...]
    report_types: tuple[str, ...]
    aggregate: bool
    count: bool
    follow_up: bool = False


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of a conversation, as the answerer needs it."""

    question: str
    topic: str
    councils: tuple[str, ...]  # canonical names
    aggregate: bool = False

    @classmethod
    def from_answer(cls, answer: Answer) -> Turn:
        """The turn an answered question leaves in the conversation."""
        return cls(answer.question, answer.topic, answer.councils, answer.aggregate)


@dataclass(frozen=True)
class Asked:
    """A question as the answerer takes it, and what the user is told about the change."""

    text: str
    notice: str = ""  # set when the question was cut to the limit

    def noted(self, answer: Answer) -> Answer:
        """`answer` with this question's notice, if any, first among its notices."""
        if not self.notice:
            return answer
        return replace(answer, notices=(self.notice, *answer.notices))


def clean_question(question: str, limit: int = MAX_QUESTION_CHARS) -> Asked:
    """The question with control and format characters removed, whitespace runs made one
    space, and cut to `limit` characters (at most MAX_QUESTION_CHARS) with a notice.

    The one door every question passes (the assistant's `answer` and `answer_stream`,
    which the CLI and the app call), so neither can be handed a NUL, an escape sequence
    or a megabyte of text.
    """
    limit = max(1, min(limit, MAX_QUESTION_CHARS))
    # Only the start of an enormous question is looked at: no more than this can be kept.
    head = question[: limit * 4]
    kept = (
        " " if ch.isspace() else ch
        for ch in head
        if ch.isspace() or unicodedata.category(ch) not in _DROPPED_CATEGORIES
    )
    text = " ".join("".join(kept).split())
    if len(text) <= limit and len(question) == len(head):
        return Asked(text)
    text = text[:limit].rstrip()
    return Asked(
        text,
        f"The question was longer than {limit:,} characters: only the first {limit:,} were read.",
    )


def understand(
    question: str, directory: CouncilDirectory, history: list[Turn] | tuple[Turn, ...] = ()
) -> Query:
    """Read councils, years, report types and intent from `question`, resolving a
    follow-up against the last turn of `history`."""
    text = " ".join(question.split())[:MAX_QUESTION_CHARS]
    councils = tuple(directory.find(text, fuzzy=True))
    letters = [ch for ch in text if ch.isalpha()]
    if letters and sum(ch.isupper() for ch in letters) > 0.8 * len(letters):
        text = text.lower()  # a question in capitals: the model reads lower case better
    types = tuple(name for name, pattern in TYPES if pattern.search(text))
    aggregate = bool(AGGREGATE.search(text)) or (
        len(councils) >= 2 and bool(re.search(r"\b(both|each|differ|versus|vs)\b", text, re.I))
    )
    years = _report_years(text, aggregate)
    if aggregate:
        topic = COMPARE.sub(" ", strip_councils(FRAME.sub("", text), councils))
    else:
        topic = SAYS.sub("", text)
    topic = " ".join(SIGNPOST_FRAME.sub(" ", topic).split()).strip(" ,.?") or topic
    query = Query(text, topic or text, councils, years, types, aggregate, bool(COUNT.search(text)))
    if not history:
        return query
    return _resolve_follow_up(query, history[-1], directory)


def _report_years(text: str, aggregate: bool) -> tuple[int, ...]:
    """Years that choose reports: in a cross-council question, or near a word for a report
    ("the 2017 peer challenge", "Lambeth's report from 2016")."""
    years = set()
    for match in REPORT_YEAR.finditer(text):
        near = text[max(0, match.start() - 30) : match.end() + 30]
        if aggregate or REPORT_WORDS.search(near):
            years.add(int(match.group(1)))
    return tuple(sorted(years))


def _resolve_follow_up(query: Query, last: Turn, directory: CouncilDirectory) -> Query:
    text = query.question
    if SWAP.search(text) and not query.years:
        # "and in 2017?": in a follow-up a bare year chooses the reports.
        years = tuple(sorted({int(y) for y in REPORT_YEAR.findall(text)}))
        query = replace(query, years=years)
    rest = strip_councils(text, query.councils)
    leftover = FILLER.sub(" ", rest).split()
    # "and Cambridge?" / "what about Lambeth?": same topic, other councils.
    if query.councils and (SWAP.search(text) or len(leftover) <= 1):
        return Query(
            text,
            last.topic,
            query.councils,
            query.years,
            query.report_types,
            aggregate=last.aggregate,
            count=False,
            follow_up=True,
        )
    # "what did they commit to?": new topic, the councils of the last turn.
    if not query.councils and last.councils and PRONOUN.search(text) and not query.aggregate:
        carried = tuple(c for c in (directory.lookup(n) for n in last.councils) if c)
        return Query(
            text,
            f"{text} {' '.join(c.short for c in carried)}",
            carried,
            query.years,
            query.report_types,
            aggregate=len(carried) > 1 and last.aggregate,
            count=False,
            follow_up=True,
        )
    # "and in 2017?" / "and their action plan?": same topic and councils, new filters.
    if not query.councils and len(leftover) <= 2 and (query.years or query.report_types):
        carried = tuple(c for c in (directory.lookup(n) for n in last.councils) if c)
        return Query(
            text,
            last.topic,
            carried,
            query.years,
            query.report_types,
            aggregate=last.aggregate and not carried,
            count=False,
            follow_up=True,
        )
    return query


def strip_councils(text: str, councils: tuple[Council, ...] | list[Council]) -> str:
    """`text` without the names of `councils` (a search already narrowed to them need not
    look for their names, which every passage of theirs shares)."""
    out = text
    for council in councils:
        for name in sorted((council.name, council.short, *council.aliases), key=len, reverse=True):
            out = re.sub(r"\b" + re.escape(name) + r"(?:['’]s)?\b", " ", out, flags=re.IGNORECASE)
    return " ".join(out.split())
