"""Query understanding: which councils, years and report types a question names, whether
it asks across councils, and how a follow-up borrows from the conversation before it."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace

from peerchat.core.councils import Council, CouncilDirectory, Mention
from peerchat.core.records import Answer
from peerchat.index.search.glossary import searched_as
from peerchat.index.search.intent import COLUMN_TERMS, Intent, read_intent
from peerchat.index.store.lexical import overlap_terms

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
    # "which council's report mentioned an Ofsted rating?", "which council was told to ..."
    r"|\bwhich (?:council|authority)['’]s\s+(?:reports?|peer challenge|review)\b"
    r"|\bwhich (?:council|authority)\s+(?:was|were|got|received)\s+(?:told|advised|"
    r"recommended|praised|criticised|urged|encouraged|asked)\b"
    r"|\b(councils|authorities)\b[\w\s,'’-]{0,30}\b(were|have been|was)\s+(told|advised|"
    r"recommended|asked|encouraged|urged)\b",
    re.IGNORECASE,
)
# "Where did the peers find teams working in silos?", naming no council: in which reports.
WHERE_FOUND = re.compile(
    r"^\W*where\s+(?:did|do|does|were|was|have|has|had)\s+(?:the\s+)?(?:peers?|peer teams?|"
    r"reviewers?|reports?)\b"
    # "where were managers told they need more freedom?", "where else was that flagged?"
    r"|^\W*where\s+(?:else\s+)?(?:were|was|are|is|have|has|had)\b.{0,60}?\b(?:told|advised|"
    r"urged|encouraged|asked|recommended|praised|commended|criticised|criticized|flagged|"
    r"noted|singled out)\b",
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
    r"^\s*(what|how)\s+(did|does|do|has|have|had|was|is)\s+(?:[\w'’]+\s+){0,4}"
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
# "Apart from Bedford, which councils ...", "which councils other than Lambeth ...": the
# councils named after one of these are left out of a question across councils.
EXCLUDING = re.compile(
    r"\b(?:apart from|aside from|except(?:\s+for)?|other than|excluding|besides|"
    r"not counting|not including|leaving out|bar)\s+(?=(?P<named>[^,;:?!.()]{1,60}))"
    # "leaving Lambeth aside", "setting Bedford to one side"
    r"|\b(?:leaving|setting|putting)\s+(?=(?P<aside>[^,;:?!.()]{1,40}?)\s+(?:aside|to one side)\b)"
    r"|\b(?:aside|to one side)\b",
    re.IGNORECASE,
)
# "which other one", "any other councils": beside councils the question names first, the
# others.
OTHER_THAN_NAMED = re.compile(
    r"\b(?:which|what|any)\s+other\s+(?:councils?|ones?|reports?|reviews?|places?|authorit\w+)\b"
    r"|\bwhich of the others\b",
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
    r"\b(peer challenges?|cpcs?|reports?|visits?|reviews?|action plans?|feedback|letters?)\b",
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
    intent: Intent = Intent()
    items: tuple[str, ...] = ()  # register items the conversation was about (a follow-up)
    guesses: tuple[tuple[str, str], ...] = ()  # (as written, council taken) for typos
    context: str = ""  # the topic of the turn a follow-up leans on, when it has its own
    loose: bool = False  # councils carried from the conversation the question does not name
    shown: str = ""  # what the answer it follows said, when a follow-up asks for more
    earlier: str = ""  # what the answer a follow-up leans on quoted
    left_out: tuple[str, ...] = ()  # councils the question excludes ("apart from Bedford")


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of a conversation, as the answerer needs it."""

    question: str
    topic: str
    councils: tuple[str, ...]  # canonical names
    aggregate: bool = False
    found: bool = True
    items: tuple[str, ...] = ()  # register items the answer was built from
    said: str = ""  # what the answer quoted from the reports (its text when it quoted none)

    @classmethod
    def from_answer(cls, answer: Answer) -> Turn:
        """The turn an answered question leaves in the conversation."""
        return cls(
            answer.question,
            answer.topic,
            answer.councils,
            answer.aggregate,
            answer.found,
            answer.items,
            # The quotes, not the text: on the language-model path the text is the model's
            # wording, and "tell me more" must know which sentences were shown.
            "\n".join(q for c in answer.citations for q in c.quotes) or answer.text,
        )


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


# Two councils named with one of these is a question across both ("which put in more
# hours, Cambridge or Lambeth?").
COMPARED = re.compile(
    r"\b(both|each|differ\w*|versus|vs|compar\w*|more|less|fewer|higher|lower|better|worse|"
    r"first|earlier|later|most|least|bigger|smaller)\b",
    re.IGNORECASE,
)
# Councils of two reports named with one of these are asked about side by side ("was
# Lambeth told that too, or just Bedford?"); the councils of one joint report are not ("which
# recommendation was for just one of Bromsgrove and Redditch?").
ALIKE = re.compile(
    r"\b(too|also|as well|either|neither|same|like|alike|similar\w*|just)\b", re.IGNORECASE
)


# The words that choose a route, as officers misspell them ("key recomendations"): a long
# word starting the same and nearly the same is taken as the word.
ROUTE_WORDS = ("recommendation", "recommendations", "recommended", "signposted", "signposts")
# Words as they should be that a route word is close to ("recommend" is no misspelling).
RIGHT_WORDS = frozenset({"recommend", "recommends", "recommending", "signposting"})
ROUTE_WORD = re.compile(r"\b[A-Za-z]{8,}\b")


def respelt(text: str) -> str:
    """`text` with misspelt route words written right."""

    def right(match: re.Match[str]) -> str:
        word = match.group(0)
        lower = word.lower()
        if lower in ROUTE_WORDS or lower in RIGHT_WORDS:
            return word
        close = difflib.get_close_matches(lower, ROUTE_WORDS, n=1, cutoff=0.88)
        return close[0] if close and close[0][:3] == lower[:3] else word

    return ROUTE_WORD.sub(right, text)


# "whats the catch", "didnt they": a contraction typed without its apostrophe.
UNMARKED = re.compile(
    r"\b(what|who|where|how|that|there)(s)\b"
    r"|\b(don|didn|doesn|isn|wasn|aren|weren|hasn|haven|hadn|won|can|couldn|shouldn|wouldn)"
    r"(t)\b",
    re.IGNORECASE,
)


def apostrophised(match: re.Match[str]) -> str:
    """An UNMARKED contraction with its apostrophe ("whats": "what's")."""
    stem, end = (match.group(1), match.group(2)) if match.group(1) else match.group(3, 4)
    return f"{stem}'{end}"


# "bromsgrove n redditch", "cambridge & lambeth": "and" as typed in a hurry.
TEXTED_AND = re.compile(r"(?<=\w)\s+(?:n|&)\s+(?=\w)", re.IGNORECASE)


def understand(
    question: str,
    directory: CouncilDirectory,
    history: list[Turn] | tuple[Turn, ...] = (),
    covered: tuple[str, ...] | list[str] = (),
    joint: tuple[tuple[str, ...], ...] = (),
) -> Query:
    """Read councils, years, report types and intent from `question`, resolving a
    follow-up against `history`. `covered` names the councils with reports, which a
    misspelt lower-case name may be taken for (the guess is recorded); `joint`, the
    councils of each joint report."""
    text = TEXTED_AND.sub(" and ", respelt(" ".join(question.split())[:MAX_QUESTION_CHARS]))
    text = UNMARKED.sub(apostrophised, text)
    mentions = directory.mentions(text, fuzzy=True, prefer=covered)
    councils = tuple(m.council for m in mentions)
    left_out = _left_out(text, directory, covered, mentions)
    text_for_topic = text
    if left_out:
        # "apart from Bedford": every council with a report but those, across reports.
        names = {c.name for c in left_out}
        councils = tuple(c for c in councils if c.name not in names)
        if not councils:
            councils = _covered_but(directory, covered, names)
        left = strip_councils(EXCLUDING.sub(" ", text), left_out)
        text_for_topic = " ".join(left.split()).strip(" ,;:") or text
    guesses = tuple((m.typed, m.council.name) for m in mentions if m.guessed)
    letters = [ch for ch in text if ch.isalpha()]
    if letters and sum(ch.isupper() for ch in letters) > 0.8 * len(letters):
        text = text.lower()  # a question in capitals: the model reads lower case better
    types = tuple(name for name, pattern in TYPES if pattern.search(text))
    two_reports = reports_named((c.name for c in councils if c.name in covered), joint) >= 2
    aggregate = (
        bool(AGGREGATE.search(text))
        or bool(left_out and len(councils) >= 2)
        or (two_reports and bool(COMPARED.search(text)))
        or (two_reports and bool(ALIKE.search(text)))
        or (not councils and not history and bool(WHERE_FOUND.search(text)))
    )
    years = _report_years(text, aggregate)
    if aggregate:
        unnamed = _strip_typed(strip_councils(FRAME.sub("", text_for_topic), councils), guesses)
        topic = COMPARE.sub(" ", unnamed)
    else:
        topic = SAYS.sub("", text_for_topic)
    topic = " ".join(SIGNPOST_FRAME.sub(" ", topic).split()).strip(" ,.?") or topic
    topic = OPENING.sub("", topic)
    for _, pattern in TYPES:  # "what has Bedford's action plan got on X": X is the topic
        topic = " ".join(pattern.sub(" ", topic).split())
    if not aggregate:
        with_reports = [c for c in councils if c.name in covered] or list(councils)
        topic = _strip_typed(strip_councils(topic, with_reports), guesses)
    topic = searched_as(topic)
    query = Query(
        text,
        topic,
        councils,
        years,
        types,
        aggregate,
        bool(COUNT.search(text)),
        intent=read_intent(text, strip_councils(topic, councils)),
        guesses=guesses,
        left_out=tuple(c.name for c in left_out),
    )
    if not history:
        return query
    return _resolve_follow_up(query, history, directory, covered)


def _left_out(
    text: str,
    directory: CouncilDirectory,
    covered: tuple[str, ...] | list[str],
    mentions: list[Mention],
) -> tuple[Council, ...]:
    """The councils a question leaves out: those named in the words after an excluding
    phrase, up to a comma ("apart from Bedford", "other than Lambeth and Cambridge"); else
    those with reports named before "which other councils" ("X ran the Lambeth review:
    which other ones did she run?"; "any other reports on Lambeth?" asks for Lambeth's).
    `mentions`: the councils the whole question names."""
    out: dict[str, Council] = {}
    for match in EXCLUDING.finditer(text):
        named = match.group("named") or match.group("aside") or ""
        for m in directory.mentions(named, fuzzy=True, prefer=covered):
            out[m.council.name] = m.council
    others = OTHER_THAN_NAMED.search(text)
    if not out and others:
        before = text[: others.start()].lower()
        for m in mentions:
            if m.council.name in covered and m.typed.lower() in before:
                out[m.council.name] = m.council
    return tuple(out.values())


def reports_named(names: Iterable[str], joint: tuple[tuple[str, ...], ...]) -> int:
    """How many reports the councils `names` (with reports) are the councils of: the
    councils of a joint report (`joint`) count once."""
    return len({next((g for g in joint if name in g), (name,)) for name in set(names)})


def _covered_but(
    directory: CouncilDirectory, covered: tuple[str, ...] | list[str], names: Iterable[str]
) -> tuple[Council, ...]:
    """The councils with reports in the library (`covered`) but those named `names`."""
    left_out = set(names)
    return tuple(
        c
        for c in (directory.lookup(n) for n in covered)
        if c is not None and c.name not in left_out
    )


def _subject_words(topic: str) -> frozenset[str]:
    """The words of a follow-up's topic that name a subject: not "the others", not an
    action plan's column."""
    return own_terms(OTHERS.sub(" ", topic)) - COLUMN_TERMS


def _report_years(text: str, aggregate: bool) -> tuple[int, ...]:
    """Years that choose reports: in a cross-council question, or near a word for a report
    ("the 2017 peer challenge", "Lambeth's report from 2016")."""
    years = set()
    for match in REPORT_YEAR.finditer(text):
        near = text[max(0, match.start() - 30) : match.end() + 30]
        if aggregate or REPORT_WORDS.search(near):
            years.add(int(match.group(1)))
    return tuple(sorted(years))


def _resolve_follow_up(
    query: Query,
    history: list[Turn] | tuple[Turn, ...],
    directory: CouncilDirectory,
    covered: tuple[str, ...] | list[str] = (),
) -> Query:
    """A follow-up read against the conversation: "and Cambridge?" keeps the topic and
    changes the council; "who leads on that?" keeps the councils and what the last
    answer was about; "how does that compare with Lambeth?" adds a council."""
    text = query.question
    last = history[-1]
    # What "it" or "that" refers to: the last turn that found something (a turn about a
    # council with no report does not end the thread).
    anchor = next((t for t in reversed(history) if t.found), last)
    if SWAP.search(text) and not query.years:
        # "and in 2017?": in a follow-up a bare year chooses the reports.
        years = tuple(sorted({int(y) for y in REPORT_YEAR.findall(text)}))
        query = replace(query, years=years)
    own = own_terms(query.topic)
    pointing = bool(POINTING.search(text))
    if query.left_out:
        # "and apart from Bedford?": the councils are set; the subject is the question's
        # own or, when it has none, the conversation's.
        subject = _subject_words(query.topic)
        return replace(
            query,
            topic=query.topic if subject else anchor.topic,
            aggregate=True,
            count=query.count and bool(subject),
            follow_up=True,
        )
    named = {c.name for c in query.councils}
    if (
        OTHERS.search(text)
        and not named
        and anchor.councils
        and covered
        and not query.intent.signposts
    ):
        # "which of the others had four days on site?" after a question on one council:
        # the councils the library covers but that one, across reports ("examples from
        # other councils" asks for signposted practice instead).
        rest = _covered_but(directory, covered, anchor.councils)
        if rest:
            subject = _subject_words(query.topic)
            return replace(
                query,
                topic=query.topic if subject else f"{query.topic} {anchor.topic}".strip(),
                councils=rest,
                aggregate=True,
                count=False,
                follow_up=True,
            )
    if query.councils and (pointing or not own) and COMPARING.search(text) and anchor.councils:
        # "how does that compare with Lambeth?", "and how does Lambeth compare?": the topic
        # across both.
        earlier = tuple(c for c in (directory.lookup(n) for n in anchor.councils) if c)
        both = tuple({c.code: c for c in (*earlier, *query.councils)}.values())
        return replace(
            query,
            topic=anchor.topic,
            councils=both,
            aggregate=True,
            count=False,
            follow_up=True,
            intent=read_intent(anchor.question, anchor.topic) | read_intent(anchor.topic),
        )
    # "is that a Redditch worry too?", "was it the same manager at Lambeth?": one word of its
    # own beside a pointer back and "too" or "the same" asks the earlier question again.
    # "same story at Bromsgrove?" has no subject of its own ("same for their finances?" has).
    same_only = bool(SAME_AT.search(text)) and not own_terms(
        OR_ELSE.sub(" ", SAME_AT.sub(" ", query.topic))
    )
    leans = (
        pointing
        and len(own_terms(ALSO.sub(" ", query.topic))) <= 1  # "as well" is no subject word
        and bool(ALSO.search(text) or SAME.search(text))
    ) or same_only
    if (
        query.councils
        and (not own or leans)
        and (anchor.aggregate or not named <= set(anchor.councils) | set(last.councils))
    ):
        # "and Cambridge?", "what exactly was Lambeth told?": the same question elsewhere.
        return replace(
            query,
            topic=f"{query.topic} {last.topic}".strip() if own and not same_only else last.topic,
            aggregate=last.aggregate,
            count=False,
            follow_up=True,
            intent=read_intent(last.question, last.topic) | read_intent(last.topic),
        )
    if (
        anchor.aggregate
        and not named
        and not query.aggregate
        and WHICH_ONES.search(text)
        and own
        and not pointing
        and not ALSO.search(text)
    ):
        # "and which ones name X?" after an answer listing councils: "ones" are councils,
        # and a question with a subject of its own is asked, as the earlier one was, of
        # the whole library ("which ones were praised for it?" and "which ones also ..."
        # stay with the councils listed, below).
        return replace(query, aggregate=True, follow_up=True)
    # "which of them came from Exeter?" after a list of the peer team: a council with no
    # report, named in the answer it follows, is what that answer said, not a new council
    # (unless its own review is asked for: "has Exeter had its own peer challenge?").
    shown = (
        pointing
        and bool(own)
        and bool(named)
        and not named & set(covered)
        and not REPORT_WORDS.search(text)
        and all(_shows(anchor.said, c) for c in query.councils)
    )
    if (
        anchor.councils
        and not query.aggregate
        and (not named or named <= set(anchor.councils) or shown)
    ):
        # "who leads on that?", "which of them came from the police?": the councils and
        # items of the turn it follows; the topic gains that turn's.
        earlier = tuple(c for c in (directory.lookup(n) for n in anchor.councils) if c)
        carried = (*earlier, *query.councils) if shown else (query.councils or earlier)
        # A follow-up with a subject of its own ("how many people did they talk to?")
        # searches for it, with the earlier topic only as context; one without ("who
        # leads on that?") searches for the earlier topic too.
        asked = " ".join(MORE.sub(" ", query.topic).split())  # "tell me more" is no topic
        more = bool(MORE.search(text)) and not own_terms(asked)
        if own - COLUMN_TERMS and not more:
            topic, context = query.topic, anchor.topic
        else:
            topic, context = f"{asked} {anchor.topic}".strip(), ""
        return replace(
            query,
            topic=topic,
            context=context,
            councils=carried,
            aggregate=len(carried) > 1 and anchor.aggregate,
            count=False,
            follow_up=True,
            items=anchor.items,
            shown=anchor.said if more else "",
            earlier=anchor.said if anchor.found else "",
            # Carried though the question neither points back nor leans on the last one
            # ("what is the Greater Cambridge Partnership?" after a Lambeth question): if
            # those councils' reports do not say, the whole library is asked.
            loose=not named and not (pointing or not own or len(text.split()) <= 5),
        )
    # "and in 2017?" / "and their action plan?": same topic and councils, new filters.
    if not query.councils and len(own) <= 2 and (query.years or query.report_types):
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


def _shows(said: str, council: Council) -> bool:
    """Whether an answer's text names `council` (by any of its names)."""
    return bool(_names_of(council).search(said))


ALSO = re.compile(r"\b(also|too|as well)\b", re.IGNORECASE)
# "tell me more", "anything else?": what the answer before said is not said again.
MORE = re.compile(
    r"\b(?:tell (?:me|us) more|more (?:detail|details|on (?:that|this|it))|anything (?:else|more)"
    r"|what else|go on(?=\s*(?:[,.!?;:]|$))|expand|elaborate)\b",
    re.IGNORECASE,
)
SAME = re.compile(r"\bthe same\b", re.IGNORECASE)
# "... or someone else?", "... or not?": the other answer offered, no subject.
OR_ELSE = re.compile(
    r"\bor\s+(?:someone|somebody|anyone|something|anything)(?:\s+else)?\b|\bor\s+not\b",
    re.IGNORECASE,
)
# "same story at Bromsgrove?", "same picture for Lambeth?": the last question, elsewhere.
SAME_AT = re.compile(
    r"^\W*(?:(?:is|was) (?:it|that) )?(?:the )?same(?:\s+[a-z]+)?\s+(?:at|for|in|with|over at)\b",
    re.IGNORECASE,
)
# The councils besides the one a conversation is on: "which of the others", "any other
# council", "anyone else".
OTHERS = re.compile(
    r"\b(?:the\s+)?others\b|\b(?:the\s+)?other\s+(?:councils?|reports?|ones|places)\b"
    r"|\b(?:anyone|anybody|any\s+one|anywhere)\s+else\b",
    re.IGNORECASE,
)
# "which ones" (not "which of them", which narrows to the councils just listed).
WHICH_ONES = re.compile(r"\bwhich ones\b(?!\s+of\b)", re.IGNORECASE)
POINTING = re.compile(
    r"\b(that|this|those|these|it|its|they|them|their|there|he|she|his|her|him|the same|"
    r"which of|which one)\b",
    re.IGNORECASE,
)
COMPARING = re.compile(r"\b(compare\w*|differ\w*|versus|vs|better|worse|than)\b", re.I)
# Words of the reports' own frame and of conversation, which say nothing about a
# question's subject.
FRAME_TERMS = overlap_terms(
    "peer peers team teams report reports challenge challenges corporate council councils "
    "borough district city county authority lga cpc feedback comment comments commented "
    "anything something mention mentioned mentions found findings main key say says said "
    "think thought view views note noted discuss discussed discussion cover covered "
    "recommend recommended recommendation recommendations advice advised suggest "
    "suggested look looked review reviewed visit exactly question also instead similar "
    "compare compared comparison same differ different like about tell more please then "
    "again okay right fine thanks pls service services one ones thing things bit part item "
    "stand stands where doing done happening going "
    # Light words of everyday English that name no subject.
    "after before among between her his hers him she he has have had get gets got getting "
    "actually really just still even also too very much many lot lots kind sort way ways "
    "thing things stuff problem problems issue issues better worse good bad make makes made "
    "making use used uses using down up out over off back new old big small whole whether "
    "yes no anything everything something nothing bit quite rather see seen sees "
    "example examples instance instances specific specifically detail details me "
    # What an answer gave, asked for again elsewhere ("cambridge and cen beds figures"),
    # and the person an answer named, or another ("same adviser, or someone else?").
    "figure figures someone somebody anyone anybody"
)


def own_terms(topic: str) -> frozenset[str]:
    """The terms of a question's topic beyond the reports' frame and conversation."""
    return overlap_terms(topic) - FRAME_TERMS


# Conversational openings that carry no topic: "ok never mind -", "right, back to X -".
OPENING = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|right|fine|so|and|also|then|well|hmm|thanks|great|never mind|"
    r"sorry|now|what about|how about|back to [\w' ]{1,40}?)\b[\s,.;:!-]*)+(?:[-–—:,]\s*)?",
    re.IGNORECASE,
)


# A question that leans on the one before: a pronoun, or a short elliptical follow-up
# ("by when?", "and the sponsor?", "how often do they meet?").
LEANS_BACK = re.compile(
    r"^\W*(and|so|ok|okay|right|fine|also|then|but)\b|\b(that|this|those|these|it|its|they|"
    r"them|their|there|he|she|his|her|which of)\b",
    re.IGNORECASE,
)


def _leans_back(text: str) -> bool:
    return bool(PRONOUN.search(text) or LEANS_BACK.search(text)) or len(text.split()) <= 4


def strip_councils(text: str, councils: tuple[Council, ...] | list[Council]) -> str:
    """`text` without the names of `councils` (a search already narrowed to them need not
    look for their names, which every passage of theirs shares)."""
    out = text
    for council in councils:
        out = _names_of(council).sub(" ", out)
    return " ".join(out.split())


def _names_of(council: Council) -> re.Pattern[str]:
    """A pattern for any of `council`'s names (longest first), possessive or not."""
    names = sorted({n for n in (council.name, council.short, *council.aliases) if n}, key=len)
    alternatives = "|".join(re.escape(n) for n in reversed(names))
    return re.compile(r"\b(?:" + alternatives + r")(?:['’]s)?\b", re.IGNORECASE)


def strip_mentions(text: str, query: Query) -> str:
    """`text` without the councils' names and the misspellings taken for them."""
    return _strip_typed(strip_councils(text, query.councils), query.guesses)


def _strip_typed(text: str, guesses: tuple[tuple[str, str], ...]) -> str:
    """`text` without the misspellings and short forms taken for councils (`guesses`:
    (as written, council taken))."""
    for typed, _ in guesses:
        text = re.sub(r"\b" + re.escape(typed) + r"(?:['’]s)?\b", " ", text, flags=re.IGNORECASE)
    return " ".join(text.split())
