"""The extractive answerer: pick the sentences of the retrieved passages that answer the
question and write a short Markdown answer whose every quoted sentence ends with the `[n]`
of the passage it came from. No language model needed.

Single-report questions search the passages the question allows; cross-report questions
("which councils ...") are answered report by report so that nothing is lost to a global
top-k, and say which reports have no passage that clears the relevance floor.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np

from peerchat.core.councils import Council, CouncilDirectory
from peerchat.core.dates import display_date
from peerchat.core.records import (
    ActionRow,
    Answer,
    Chunk,
    Citation,
    Recommendation,
    Report,
    Signpost,
    Understood,
    join_names,
)
from peerchat.core.text import ADDRESSED_TO_AI, spaced_words, word_overlap
from peerchat.index.answer.peer_team import (
    asks_about_members,
    member_lines,
    member_rows,
    role_terms,
)
from peerchat.index.answer.structured import (
    action_answer,
    recommendations_answer,
    signposts_answer,
)
from peerchat.index.embedding.calibration import Calibration
from peerchat.index.embedding.embedders import Embedder
from peerchat.index.register import matching_recommendations
from peerchat.index.search.cite import citation_for, quoted_page
from peerchat.index.search.glossary import (
    expanded_terms,
    spelt_out,
    term_groups,
    written_forms,
    written_out,
)
from peerchat.index.search.hybrid import Filters, mask_for, rank_passages
from peerchat.index.search.intent import (
    COLUMN_TERMS,
    LIST_TERMS,
    MEMBER,
    PEER_TEAM,
    PEERS_SPEAKING,
    SIGNPOST_TERMS,
    SUM_ASKED,
    bare,
    names_the_team,
)
from peerchat.index.search.intent import PERSON as ASKS_FOR_A_PERSON
from peerchat.index.search.query import (
    COMPARING,
    FRAME_TERMS,
    MORE,
    POINTING,
    Query,
    Turn,
    reports_named,
    strip_councils,
    understand,
)
from peerchat.index.search.topics import subjects_named
from peerchat.index.store.lexical import overlap_terms
from peerchat.index.store.library import Library
from peerchat.index.store.sentences import (
    CAUSE,
    DATE,
    LIST_ITEM,
    MONEY,
    NUMBER,
    NUMBER_WORDS,
    OK,
    PERSON,
    PERSON_LINE,
    RECOMMENDATION,
    SIGNPOST,
    SentenceIndex,
)

# The relevance floors and bonuses of a sentence's score (cosine + lexical overlap bonus)
# are the embedder's: `embedder.calibration` (index/embedding/calibration.py).
MONEY_QUESTION = re.compile(
    r"\b(how much|total)\b.*\b(sav\w*|cost\w*|spend\w*|budget\w*|money|fund\w*|income|overspend)|"
    r"\b(sav\w*|cost\w*|spend\w*|budget\w*|income|overspend\w*)\b.*\b(how much|total)\b|£|"
    + SUM_ASKED,
    re.IGNORECASE,
)
PERSON_QUESTION = re.compile(r"^\s*(who|whom|whose)\b|\bwhich (person|officer|peer)\b", re.I)
NUMBER_QUESTION = re.compile(
    r"\bhow (many|much|long|often)\b|\bwhat (percentage|proportion|number|amount)\b|\btotal\b",
    re.IGNORECASE,
)
RECOMMENDED = re.compile(
    r"\b(told|advised|recommend\w*|asked|encouraged|urged|should|need(ed)? to|suggest\w*)\b",
    re.IGNORECASE,
)
# "What did Lambeth commit to?": recommendations and action-plan rows answer it.
COMMITTED = re.compile(
    r"\b(commit\w*|pledge\w*|promis\w*|agree[ds]? to|actions?|by when|timescales?|deadlines?|"
    r"recommend\w*|told to|advised to)\b",
    re.IGNORECASE,
)
MAX_QUOTES = 3
ROLE_OVERLAP_WEIGHT = 1.0  # of the role's words, against a peer-team line's cosine
MAX_TOPIC_RECOMMENDATIONS = 8  # recommendations listed for "X's recommendations on Y"
SIGNPOST_HEADING = re.compile(r"^\s*Signpost\s*[–—-]", re.IGNORECASE)
LINK = re.compile(r"https?://|www\.|@[\w-]+\.", re.IGNORECASE)
SIGNPOST_QUESTION = re.compile(
    r"\bsignpost\w*|\bexamples?\b|\bgood practice\b|\bpractice\b|\belsewhere\b",
    re.IGNORECASE,
)
SIGNPOSTED = re.compile(r"\bsignpost(s|ed|ing)?\b", re.IGNORECASE)
MAX_LIST_ITEMS = 10
SAME_QUOTE = 0.8  # a quote sharing more of its words than this with a chosen one repeats it
# A question about a council's own peer challenge, not about it as a partner or example.
OWN_REPORT = re.compile(
    r"\b(peer challenge|cpcs?|peer team|peers?|reports?|feedback|action plan|recommend\w*|told|"
    r"advised|findings?|found|progress review|follow[- ]up)\b",
    re.IGNORECASE,
)
# "When did the peer team visit Cambridge?": answered from the reports' dates.
WHEN = re.compile(
    r"^\s*(when|what date|which date|what year)\b.*\b(visit\w*|peer challenge|peer team|"
    r"review\w*|report\w*|publish\w*|take place|took place|happen\w*|held|on site)\b",
    re.IGNORECASE,
)
MONTHS = (
    "january february march april may june july august september october november december"
).split()
MAX_CITATIONS = 5
# Questions over more passages than this score the sentences of this many candidates.
SENTENCE_SCOPE = 2000
MAX_REPORTS_QUOTED = 40  # a cross-report answer quotes at most this many reports
MAX_REPORTS_NAMED = 25  # "No passage found in: ..." names at most this many


@dataclass(frozen=True)
class Evidence:
    """A sentence that answers the question, with the passage it sits in."""

    sentence: int  # row in the library's sentence arrays
    chunk_row: int
    text: str
    score: float
    label: str = ""  # "key recommendation 3" when the sentence states a recommendation


def answer_question(
    library: Library,
    embedder: Embedder,
    directory: CouncilDirectory,
    question: str,
    history: list[Turn] | tuple[Turn, ...] = (),
    filters: Filters | None = None,
) -> Answer:
    """Answer `question` from the library; see the module docstring."""
    if not question or not question.strip():
        return Answer(question, False, "Ask a question about the reports in the library.")
    question, initials = _joint_initials_named(question, library, directory)
    query = understand(question, directory, history, library.councils, library.joint)
    covered = set(library.councils)
    present = tuple(c for c in query.councils if c.name in covered)
    missing = tuple(c for c in query.councils if c.name not in covered)
    resolved = tuple(c.name for c in present)

    def finish(answer: Answer) -> Answer:
        # The turn this answer leaves carries the topic it was about, context included.
        topic = f"{query.topic} {query.context}".strip()
        return replace(
            _withheld(answer), topic=topic, understood=_understood(query, present, missing, filters)
        )

    mask = mask_for(library, _with_question_filters(filters, present, query))
    notices: list[str] = [f"Taking '{typed}' as {name}." for typed, name in query.guesses]
    notices += initials
    if (
        (query.intent.action or query.intent.lead or query.intent.sponsor)
        and present
        and (not query.report_types)
    ):
        without_plan = [
            c.name
            for c in present
            if not any(
                c.name in r.councils and r.report_type == "action plan"
                for r in library.reports.values()
            )
        ]
        if without_plan:
            notices.append(
                f"No action plan for {join_names(without_plan)} is in the library: this "
                "answer is from what the peer challenge found and recommended."
            )
    if missing and not present:
        mentions = _mentions(library, missing)
        if asks_about_members(query) and mentions.any():
            # "Which councils had someone from Exeter on the peer team?": the peer teams
            # with someone from a council the library has no report for.
            employed = _answer_members_from(library, query, missing, mask & mentions)
            if employed is not None:
                return finish(employed)
        if not mentions.any() or OWN_REPORT.search(query.question):
            # Asked about its own peer challenge: other councils' reports naming it (say,
            # as a peer's employer) are no answer.
            return finish(_not_covered(query, missing, library))
        mask &= mentions
        notices.append(
            f"There is no report for {join_names([c.name for c in missing])} in the library; "
            "these passages from other councils' reports mention it."
        )
        signposted = _signposted_as(library, query, missing, mask)
        if signposted:
            # "tell me about the Adur and Worthing example": the practice example another
            # council's report signposts under their name, whole.
            answer = signposts_answer(library, query.question, signposted, query.topic, True)
            return finish(replace(answer, notices=tuple(notices) + answer.notices))
    elif missing and query.aggregate:
        notices.append(
            f"There is no report for {join_names([c.name for c in missing])} in the library."
        )
    if not mask.any():
        return finish(_nothing_matches(query, resolved, filters, library))

    if query.intent.visit_date and present and (not query.aggregate or len(present) > 1):
        dated = _answer_when(library, query, mask, resolved)
        if dated is not None:
            return finish(dated)
    vectors = _topic_vectors(embedder, _search_text(query, library), query.context)
    cal = embedder.calibration
    signposted = (
        [x for x in library.register.signposts if x.id in query.items] if query.items else []
    )
    if (
        signposted
        and PEER_NAMED.search(query.question)
        and POINTING.search(query.question)
        and (EMPLOYED.search(query.question) or asks_about_members(query))
    ):
        # "wasn't one of the peers from there?" after signposted examples: the peer-team
        # lines naming an example's organisation as the peer's employer.
        from_there = _members_from_signposts(library, query, signposted, mask)
        if from_there is not None:
            return finish(from_there)
    if present and not query.aggregate and asks_about_members(query):
        members = _answer_members(library, embedder, query, vectors, mask, resolved)
        if members is not None:
            return finish(members)
    if query.aggregate and query.intent.signposts:
        # "Any examples of councils doing X well?" asks for signposted practice.
        answer = _answer_structured(
            library, query, vectors, mask, resolved, cal
        ) or _answer_across_reports(library, query, vectors, mask, resolved, cal)
    elif query.aggregate:
        answer = _answer_across_reports(library, query, vectors, mask, resolved, cal)
    else:
        structured = _answer_structured(
            library, query, vectors, mask, resolved, cal, _pointed_at(embedder, query)
        )
        if structured is not None:
            answer = _with_further_sources(library, query, structured, vectors, mask)
        else:
            answer = _answer_single(library, query, vectors, mask, resolved, cal)
    if notices:
        answer = replace(answer, notices=tuple(notices) + answer.notices)
    if not answer.found and query.loose:
        # The conversation's councils were only assumed: ask the whole library.
        fresh = answer_question(library, embedder, directory, question, (), filters)
        if fresh.found:
            return replace(
                fresh,
                notices=(
                    f"The reports of {join_names(list(resolved))} do not say; this answer is "
                    "from the whole library.",
                    *fresh.notices,
                ),
            )
    return finish(answer)


# Initials joined by "&" ("B&R", "b & r"), as a joint report's councils may be typed.
INITIALS = re.compile(r"(?<![\w&])[a-z](?:\s*&\s*[a-z])+(?![\w&])", re.IGNORECASE)


def _joint_initials_named(
    question: str, library: Library, directory: CouncilDirectory
) -> tuple[str, list[str]]:
    """`question` with the initials of a joint report's councils ("B&R", "b & r") written
    as their names, and a notice for each; unchanged when it has none."""
    notices: list[str] = []
    for match in reversed(list(INITIALS.finditer(question))):
        letters = re.sub(r"[^a-z]", "", match.group(0).lower())
        for names in library.joint:
            shorts = [c.short if (c := directory.lookup(n)) else n for n in names]
            orders = [shorts, shorts[::-1]] if len(shorts) == 2 else [shorts]
            order = next((o for o in orders if "".join(s[0] for s in o).lower() == letters), None)
            if order:
                question = question[: match.start()] + " and ".join(order) + question[match.end() :]
                notice = f"Taking '{match.group(0)}' as {join_names(list(names))}."
                if notice not in notices:
                    notices.insert(0, notice)
                break
    return question, notices


def _answer_members(
    library: Library,
    embedder: Embedder,
    query: Query,
    vectors: np.ndarray,
    mask: np.ndarray,
    resolved: tuple[str, ...],
) -> Answer | None:
    """The peer-team members the question asks for, ranked by the role it names ("chief
    executive", "the finance person"). None when it names no role ("who was on the peer
    team?" is answered by the list from the passages) or no list is in scope."""
    rows = member_rows(library, mask)
    if len(rows) == 0 and query.intent.peer_team:
        # "who was on Bedford's peer team?" of an action plan, which lists no team.
        where = f" of {join_names(list(resolved))}" if resolved else ""
        return Answer(
            query.question,
            False,
            f"The reports{where} in the library do not list the peer team.",
            councils=resolved,
            topic=query.topic,
        )
    text = PEER_TEAM.sub(" ", _search_text(query, library))
    role = role_terms(text)
    if len(rows) == 0 or not role:
        return None
    cal = embedder.calibration
    scores = library.sentences.cosines(rows, embedder.embed([text])).astype(np.float32)
    sentences = library.sentences
    weighted = [
        _word_weights(sentences, own, every) for own, every in term_groups(" ".join(sorted(role)))
    ]
    total = sum(max(w.values()) for w in weighted)
    if total > 0:
        # A peer's line is a name, a role and an employer: the role's own words ("Chief
        # Finance Officer", "CEX") say more than a short line's cosine.
        scores += ROLE_OVERLAP_WEIGHT * sentences.matched_groups(rows, weighted) / total
    order = np.argsort(-scores)
    best = float(scores[order[0]])
    chosen: list[Evidence] = []
    for i in order:
        if len(chosen) == MAX_QUOTES or scores[i] < best - cal.quote_margin:
            break
        ev = _evidence(library, int(rows[i]), float(scores[i]))
        if not any(word_overlap(ev.text, c.text, spaced_words) > SAME_QUOTE for c in chosen):
            chosen.append(ev)
    extra = rank_passages(library, vectors[0], _search_text(query, library), mask, MAX_CITATIONS)
    extra_rows = [int(r) for r in extra[0]]
    dense = _cosines(library, vectors[0], extra_rows)
    return _compose(library, query, chosen, extra_rows, dense, resolved, per_report=False)


def _answer_members_from(
    library: Library, query: Query, missing: tuple[Council, ...], mask: np.ndarray
) -> Answer | None:
    """The peer-team lines, report by report, that name a council with no report of its
    own (a peer's employer). None when no peer team had anyone from it."""
    pattern = _named(missing)
    chosen: list[Evidence] = []
    for row in member_rows(library, mask):
        ev = _evidence(library, int(row), 1.0)
        same_report = [
            c
            for c in chosen
            if library.chunks[c.chunk_row].report_id == library.chunks[ev.chunk_row].report_id
        ]
        if pattern.search(ev.text) and not any(
            word_overlap(ev.text, c.text, spaced_words) > SAME_QUOTE for c in same_report
        ):
            chosen.append(ev)
    if not chosen:
        return None
    names = join_names([c.name for c in missing])
    answer = _compose(library, query, chosen, [], {}, (), per_report=True)
    reports = len({library.chunks[ev.chunk_row].report_id for ev in chosen})
    lead = (
        f"There is no report for {names} in the library, but someone from it was on the "
        f"peer team of {reports} of the reports:\n\n"
    )
    return replace(answer, text=lead + answer.text)


PEER_NAMED = re.compile(r"\bpeers?\b|\bpeer team\b", re.IGNORECASE)
# Where a peer works: "is that where one of the peers works?", "wasn't one from there?"
EMPLOYED = re.compile(
    r"\b(works?|worked|working|employ\w*|based|from there|comes? from|came from)\b", re.IGNORECASE
)


def _members_from_signposts(
    library: Library, query: Query, signposts: list[Signpost], mask: np.ndarray
) -> Answer | None:
    """The peer-team lines in scope whose employer is the organisation of one of the
    `signposts` the conversation is on (every word of its name, as "Matt Prosser, Chief
    Executive, Dorset Councils Partnership" has "Dorset Councils Partnership"). None when
    no line names one."""
    names = {s.name: overlap_terms(s.name) - FRAME_TERMS for s in signposts}
    names = {name: terms for name, terms in names.items() if terms}
    chosen: list[Evidence] = []
    employers: list[str] = []
    for row in member_rows(library, mask):
        ev = _evidence(library, int(row), 1.0)
        held = overlap_terms(ev.text)
        named = [name for name, terms in names.items() if terms <= held]
        if named:
            chosen.append(ev)
            employers += [n for n in named if n not in employers]
    if not chosen:
        return None
    answer = _compose(library, query, chosen, [], {}, (), per_report=True)
    examples = "the example" if len(employers) == 1 else "the examples"
    lead = f"From {join_names(employers)}, {examples} the report signposts, on the peer team:\n\n"
    return replace(answer, text=lead + answer.text)


def _withheld(answer: Answer) -> Answer:
    """The answer without the report sentences it quotes that address an AI model rather
    than a reader ("Ignore previous instructions ..."), as the model path withholds them
    from its prompt, and a notice of how many. Unchanged when it quotes none (as a rule)."""
    if not ADDRESSED_TO_AI.search(answer.text):
        return answer
    lines, cut = [], 0
    for line in answer.text.split("\n"):
        before = cut
        while match := ADDRESSED_TO_AI.search(line):
            # The quoted sentence around the match: after the label, the sentence or the
            # marker before it; up to its full stop and its markers.
            start = len(line) - len(line.lstrip("-•* "))
            for sep in (": ", ". ", "] "):
                at = line.rfind(sep, 0, match.start())
                if at >= 0:
                    start = max(start, at + len(sep))
            end = re.compile(r"[.!?](?=\s|$)|$").search(line, match.end()).end()
            end = re.compile(r"(\s*\[\d+\])*").match(line, end).end()
            line = (line[:start] + line[end:].lstrip()).rstrip()
            cut += 1
        if cut == before or re.search(r"\[\d+\]", line):
            lines.append(line)  # a line left with no quote (a council's label) goes
    citations = tuple(
        replace(c, quotes=tuple(q for q in c.quotes if not ADDRESSED_TO_AI.search(q)))
        for c in answer.citations
    )
    notice = (
        f"{cut} sentence{'s' if cut > 1 else ''} of the reports addressed to an AI model "
        f"rather than a reader {'were' if cut > 1 else 'was'} withheld"
    )
    text = "\n".join(lines).strip()
    found = answer.found and bool(re.search(r"\[\d+\]", text))
    if answer.found and not found:
        text = "The passages that answer this address an AI model rather than a reader: " + (
            "they are not quoted."
        )
    return replace(
        answer, found=found, text=text, citations=citations, notices=answer.notices + (notice,)
    )


def _understood(
    query: Query,
    present: tuple[Council, ...],
    missing: tuple[Council, ...],
    filters: Filters | None,
) -> Understood:
    base = filters or Filters()
    return Understood(
        councils=tuple(c.name for c in present) or base.councils,
        missing=tuple(c.name for c in missing),
        report_types=base.report_types or query.report_types,
        years=base.years or query.years,
        guesses=query.guesses,
        follow_up=query.follow_up,
        across=query.aggregate,
    )


def _answer_structured(
    library: Library,
    query: Query,
    vectors: np.ndarray,
    mask: np.ndarray,
    resolved: tuple[str, ...],
    cal: Calibration,
    pointed_at: np.ndarray | None = None,
) -> Answer | None:
    """An answer from the register when the question asks for what it holds: an action
    plan's row, a council's recommendations, signposted practice. None: answer from
    the passages. `pointed_at`: the vector of what the answer a follow-up points back at
    quoted, if it does."""
    register = library.register
    in_scope = {library.report_ids[p] for p in np.unique(library.report_of_row[mask])}
    intent = query.intent
    topic = _topic_without_councils(query, library)
    rows = [a for a in register.actions if a.report_id in in_scope]
    if rows:
        carried = [a for a in rows if a.id in query.items]
        numbered = [a for a in rows if intent.numbered and a.ref == str(intent.numbered)]
        row = None
        if numbered:
            row = numbered[0]
        elif (
            carried
            and _row_holds_own_subject(carried[0], query, library)
            and _still_about(library, query, vectors, mask, [carried[0].chunk_id], cal)
        ):
            row = carried[0]
        if row is not None:
            return action_answer(library, query.question, row, intent, query.topic, resolved)
    picked = _one_of_those_listed(library, query)
    if picked is not None and resolved:
        # "what did they mean by the quadrant one?": that recommendation, whole.
        return recommendations_answer(
            library, query.question, [picked], query.topic, resolved, on_topic=True
        )
    listed = intent.recommendations and resolved and not intent.signposts
    # "what did they recommend?" after a question on a subject asks for those on it, and
    # so does "what were they asked to do about it?", pointing back at that subject.
    subject = _own_text(query, library) if query.follow_up else topic
    on_subject = listed and query.follow_up and not bare(subject)
    if listed and not on_subject:
        recs = [r for r in register.recommendations if r.report_id in in_scope]
        key = [r for r in recs if r.key]
        recs = key or recs
        if recs:
            return recommendations_answer(library, query.question, recs, query.topic, resolved)
    if (
        (intent.recommendations_on or on_subject)
        and resolved
        and not intent.signposts
        # "what were they asked to do?" names an action plan's column only where there
        # is an action plan; "who leads on ...?" asks for a row's cell all the same
        and not ((intent.plan_column and rows) or intent.row_cell)
    ):
        # "Lambeth's governance recommendations": those a section of that name makes.
        in_section = _recommendations_of_section(
            register.recommendations, in_scope, subject if on_subject else topic
        )
        if in_section:
            return recommendations_answer(
                library, query.question, in_section, query.topic, resolved, on_topic=True
            )
        # "what were they asked to do about it?": those closest to what the answer before
        # quoted; "Lambeth's recommendations on scrutiny": those closest to the topic.
        matched = (
            matching_recommendations(register, library, pointed_at, mask, cal.match_floor)
            if on_subject and pointed_at is not None
            else []
        ) or matching_recommendations(register, library, vectors, mask, cal.match_floor)
        if matched:
            best = matched[0][1]
            recs = [r for r, score in matched if score >= best - cal.quote_margin]
            recs = sorted(recs[:MAX_TOPIC_RECOMMENDATIONS], key=lambda r: (r.report_id, r.start))
            return recommendations_answer(
                library, query.question, recs, query.topic, resolved, on_topic=True
            )
    signposts = [s for s in register.signposts if s.report_id in in_scope]
    carried_signposts = [s for s in signposts if s.id in query.items]
    without_reports = tuple(c for c in query.councils if c.name not in library.councils)
    if carried_signposts and without_reports:
        # "the Dorset one - how often do they meet?" after a list of signposts: the one
        # listed under that name, whole.
        named = _named(without_reports)
        picked = [s for s in carried_signposts if named.search(s.name)]
        if picked:
            return signposts_answer(library, query.question, picked, query.topic, True)
    # "what did they achieve there?" points back at the examples listed: their passages need
    # only answer it as a question about one council would be answered.
    pointing_floor = cal.named_floor if POINTING.search(query.question) else None
    if carried_signposts and _still_about(
        library, query, vectors, mask, [x.chunk_id for x in carried_signposts], cal, pointing_floor
    ):
        return signposts_answer(library, query.question, carried_signposts, query.topic, True)
    if intent.signposts and signposts:
        if bare(topic, SIGNPOST_TERMS):
            return signposts_answer(library, query.question, signposts, query.topic, False)
        chosen = _best_signposts(library, query, vectors, mask, signposts, cal)
        if chosen:
            return signposts_answer(library, query.question, chosen, query.topic, True)
    return None


POINTED_CHARS = 1000  # of what the answer before quoted, embedded for a follow-up on it


def _pointed_at(embedder: Embedder, query: Query) -> np.ndarray | None:
    """The vector of what the answer before quoted, when a follow-up asking for
    recommendations points back at it and names no subject of its own ("what were they
    asked to do about it?"); else None."""
    if not (
        query.follow_up
        and query.earlier
        and query.intent.recommendations
        and POINTING.search(query.question)
        and not _names_own_subject(query)
    ):
        return None
    return embedder.embed([query.earlier[:POINTED_CHARS]])


def _one_of_those_listed(library: Library, query: Query) -> Recommendation | None:
    """The one of the recommendations the last answer listed that a follow-up picks by its
    own words ("what did they mean by the quadrant one?"): the one holding the most of
    their weight, when no other holds as much; None otherwise."""
    if len(query.items) < 2:
        return None
    listed = [r for r in library.register.recommendations if r.id in query.items]
    if len(listed) < 2:
        return None
    own = _terms_of(strip_councils(query.question, query.councils), query) - LIST_TERMS
    weights = {
        t: w
        for t, w in library.sentences.term_weights(own).items()
        if t >= 0 and w > GENERIC_WEIGHT
    }
    if not weights:
        return None
    vocab = library.sentences.vocab
    held = [sum(weights.get(vocab.get(t, -1), 0.0) for t in overlap_terms(r.text)) for r in listed]
    best = max(held)
    if best <= 0 or held.count(best) > 1:
        return None
    return listed[held.index(best)]


def _recommendations_of_section(
    recommendations: Sequence[Recommendation], in_scope: set[str], topic: str
) -> list[Recommendation]:
    """The recommendations in scope made in a section whose heading holds every word of
    the topic, as written or as the reports write it ("governance" -> "4.4 Organisational
    leadership and governance", "money" -> "4.4 Financial planning and viability"); none
    when the topic names no section."""
    words = [
        w
        for w in topic.split()
        if any(not t.isdigit() for t in overlap_terms(w) - LIST_TERMS - FRAME_TERMS)
    ]
    if not words:
        return []
    # Each word as it is written or as the reports write it ("money" -> "financial").
    forms = [expanded_terms(w) for w in words]

    def named_by(section: str) -> bool:
        held = overlap_terms(section)
        return all(form & held for form in forms)

    return [
        r
        for r in recommendations
        if r.report_id in in_scope and any(named_by(s) for s in (r.section, *r.also_sections))
    ]


def _still_about(
    library: Library,
    query: Query,
    vectors: np.ndarray,
    mask: np.ndarray,
    chunk_ids: list[str],
    cal: Calibration,
    floor: float | None = None,
) -> bool:
    """Whether a follow-up is still about the item the conversation is on: it asks only
    for the item's columns ("who leads on that?"), or the item's passage answers it about
    as well as any passage in scope, or (given a `floor`) at least that well."""
    if not _new_topic(query, library):
        return True
    rows, scores = _score_sentences(library, query, vectors, mask, cal)
    own = _in_passages(library, chunk_ids, rows)
    if not own.any():
        return False
    best_own = float(scores[own].max())
    return best_own >= float(scores.max()) - cal.quote_margin or (
        floor is not None and best_own >= floor
    )


def _scores_about_as_well(
    library: Library, chunk_ids: list[str], rows: np.ndarray, scores: np.ndarray, cal: Calibration
) -> bool:
    """Whether a sentence of the passages `chunk_ids` scores within the quote margin of
    the best of `rows`."""
    own = _in_passages(library, chunk_ids, rows)
    return bool(own.any()) and float(scores[own].max()) >= float(scores.max()) - cal.quote_margin


def _in_passages(library: Library, chunk_ids: list[str], rows: np.ndarray) -> np.ndarray:
    """For each sentence of `rows`, whether it is in one of the passages `chunk_ids`."""
    wanted = list(library.chunks.rows_of_ids(chunk_ids).values())
    return np.isin(library.sentences.spans[rows, 0], wanted)


def _new_topic(query: Query, library: Library) -> bool:
    """Whether a follow-up brings a subject of its own beyond asking about the item the
    conversation is on ("who leads on that?", "and by when?"); a word no report uses
    ("who has that on their desk?") is none."""
    unknown = frozenset(
        t for t in overlap_terms(query.question) if t not in library.sentences.vocab
    )
    return not bare(query.question, COLUMN_TERMS, FRAME_TERMS, unknown)


def _best_signposts(
    library: Library,
    query: Query,
    vectors: np.ndarray,
    mask: np.ndarray,
    signposts: list,
    cal: Calibration,
) -> list:
    """Signposts whose sentences (or name) best match the question, best first."""
    wanted = library.chunks.rows_of_ids([s.chunk_id for s in signposts])
    sp_mask = np.zeros_like(mask)
    sp_mask[list(wanted.values())] = True
    found, scores = _score_sentences(library, query, vectors, sp_mask & mask, cal)
    best: dict[str, float] = {}
    spans = library.sentences.spans
    names = overlap_terms(query.question)
    for i in np.argsort(-scores):
        chunk = library.chunks[int(spans[found[i], 0])]
        at = chunk.start + int(spans[found[i], 1])
        for s in signposts:
            if s.chunk_id == chunk.id and s.start <= at < max(s.end, s.start + 1):
                named = len(names & overlap_terms(s.name)) / max(1, len(overlap_terms(s.name)))
                score = float(scores[i]) + 0.3 * named
                best[s.id] = max(best.get(s.id, -1.0), score)
    if not best:
        return []
    top = max(best.values())
    if top < cal.signpost_floor:
        return []
    # "examples of councils doing X" asks for more than the one closest to its words.
    floor = cal.signpost_floor if EXAMPLES.search(query.question) else top - cal.quote_margin
    chosen = [s for s in signposts if best.get(s.id, -1.0) >= floor]
    return sorted(chosen, key=lambda s: -best[s.id])[:MAX_SIGNPOSTS]


MAX_SIGNPOSTS = 3  # signposted examples an answer shows
EXAMPLES = re.compile(r"\b(examples|instances|others)\b", re.IGNORECASE)


def _topic_vectors(embedder: Embedder, topic: str, context: str = "") -> np.ndarray:
    """The topic's vector, one per alternative of an "A or B" topic, and one of the topic
    in the context of the turn a follow-up leans on (rows; a sentence scores its best)."""
    parts = [p.strip() for p in re.split(r"\s*\b(?:or|and/or)\b\s*", topic) if p.strip()]
    texts = [topic]
    if len(parts) > 1 and all(len(p.split()) >= 2 for p in parts):
        texts += parts
    if context:
        texts.append(f"{topic} {context}")
    return embedder.embed(texts)


def _with_question_filters(
    filters: Filters | None, present: tuple[Council, ...], query: Query
) -> Filters:
    base = filters or Filters()
    councils = base.councils
    if present:
        named = tuple(c.name for c in present)
        councils = tuple(c for c in named if not base.councils or c in base.councils) or named
    types = base.report_types or query.report_types
    years = base.years or query.years
    return Filters(councils, types, base.date_from, base.date_to, base.report_ids, years)


def _named(councils: tuple[Council, ...]) -> re.Pattern[str]:
    """A pattern for the short names of `councils`, as a report writes them."""
    return re.compile(
        r"\b(" + "|".join(re.escape(c.short) for c in councils) + r")\b", re.IGNORECASE
    )


def _mentions(library: Library, councils: tuple[Council, ...]) -> np.ndarray:
    """Passages whose text names any of `councils`."""
    return library.chunks.matching(_named(councils))


# A question asking for a practice example, by what it calls it.
EXAMPLE = re.compile(r"\b(?:examples?|practice|signpost\w*|case stud(?:y|ies))\b", re.IGNORECASE)


def _signposted_as(
    library: Library, query: Query, missing: tuple[Council, ...], mask: np.ndarray
) -> list[Signpost]:
    """The signposts in scope (`mask`) under the name of councils with no report, when the
    question asks for the example and nothing more ("what's the Adur and Worthing example
    about?"; not "what about Worthing's housing?")."""
    if query.aggregate or not (query.intent.signposts or EXAMPLE.search(query.question)):
        return []
    if not bare(strip_councils(query.topic, missing), SIGNPOST_TERMS, EXAMPLE_TERMS):
        return []
    pattern = _named(missing)
    named = [s for s in library.register.signposts if pattern.search(s.name)]
    rows = library.chunks.rows_of_ids([s.chunk_id for s in named])
    return [s for s in named if s.chunk_id in rows and mask[rows[s.chunk_id]]]


# Beyond the signpost words: what a question asking for one example may also say.
EXAMPLE_TERMS = overlap_terms("case study studies show shows showed do did")


def _not_covered(query: Query, missing: tuple[Council, ...], library: Library) -> Answer:
    names = join_names([c.name for c in missing])
    have = join_names(library.councils) or "no councils yet"
    return Answer(
        query.question,
        False,
        f"There is no report for {names} in the library, so I cannot say what its peer "
        f"challenge found. The library covers: {have}.",
        councils=tuple(c.name for c in missing),
        topic=query.topic,
    )


def _nothing_matches(
    query: Query, resolved: tuple[str, ...], filters: Filters | None, library: Library
) -> Answer:
    kind = " or ".join(query.report_types) or "report"
    when = (" dated " + " or ".join(str(y) for y in query.years)) if query.years else ""
    who = f" for {join_names(list(resolved))}" if resolved else ""
    within = f" within the filters ({filters.describe()})" if filters and filters.active else ""
    have = "; ".join(
        f"{r.council} ({r.report_type}, {display_date(r.date)})"
        for r in sorted(library.reports.values(), key=lambda r: (r.council, r.date))
        if not resolved or set(r.councils) & set(resolved)
    )
    return Answer(
        query.question,
        False,
        f"The library has no {kind}{who}{when}{within}. It has: {have or 'no reports'}.",
        councils=resolved,
        topic=query.topic,
    )


KEPT_FRAME_TERMS = overlap_terms("key")


NEVER_QUOTED = -1.0  # the score of a sentence in scope that answers nothing asked


def _may_ask_for_a_peer(query: Query) -> bool:
    """Whether a peer-team line could answer the question: it asks for a person or names
    the team, itself or through the conversation it follows."""
    if asks_about_members(query) or query.intent.person:
        return True
    return any(
        names_the_team(text) or MEMBER.search(text) or ASKS_FOR_A_PERSON.search(text)
        for text in (query.question, query.topic, query.context)
        if text
    )


Groups = list[tuple[frozenset[str], frozenset[str]]]


def _groups_without(groups: Groups, dropped: frozenset[str]) -> Groups:
    """`groups` (a word's own terms, and with its written forms) without the terms
    `dropped`, and without the words left with none; all of them when none would be left."""
    kept = [(own - dropped, every - dropped) for own, every in groups if every - dropped]
    return kept or groups


def _word_weights(
    sentences: SentenceIndex, own: frozenset[str], every: frozenset[str]
) -> dict[int, float]:
    """Term id -> weight for the forms `every` of one word of a question: each weighs what
    the word as asked does ("staff", and "workforce" as much), or, if the library never
    writes it, its heaviest written form ("money": "budget"); a word no report writes in
    any form weighs as much as the rarest term (a negative id)."""
    weights = sentences.term_weights(every)
    known = {t: w for t, w in weights.items() if t >= 0}
    if not known:
        return {-1: max(weights.values(), default=0.0)}
    as_asked = [w for t, w in sentences.term_weights(own).items() if t >= 0]
    weight = max(as_asked) if as_asked else max(known.values())
    return {t: weight for t in known}


def _score_sentences(
    library: Library, query: Query, vectors: np.ndarray, mask: np.ndarray, cal: Calibration
) -> tuple[np.ndarray, np.ndarray]:
    """(rows of the answerable sentences under `mask`, their combined scores).

    The score is the sentence's cosine to the question plus a bonus for the share of the
    question's words (weighted by rarity) that the sentence contains, a word in any of the
    ways the reports write it (the glossary's forms are one word, not more words).
    """
    sentences = library.sentences
    passages = np.flatnonzero(mask)
    if len(passages) > SENTENCE_SCOPE:
        topic = _search_text(query, library)
        passages = rank_passages(library, vectors[0], topic, mask, SENTENCE_SCOPE)[0]
    every = sentences.rows_of(np.sort(passages))
    quotable = sentences.has(every, OK) > 0
    rows = every[quotable]
    if len(rows) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    scores = sentences.cosines(rows, vectors).astype(np.float32)
    # A term the library never uses weighs as much as the rarest one: a question about
    # something no report mentions should not look answered by its other words.
    groups = term_groups(_topic_without_councils(query, library))
    # "Which reports mention homelessness?": the reports' frame words are no part of it
    # ("key" is, in prose: "whose role is key here?").
    groups = _groups_without(groups, FRAME_TERMS - KEPT_FRAME_TERMS)
    if query.intent.plan_column:
        # "Which cabinet member sponsors ..." names a column, not the subject: every row of
        # an action plan has a "Cabinet Sponsor/s" cell.
        groups = _groups_without(groups, COLUMN_TERMS)
    weighted = [_word_weights(sentences, own, every) for own, every in groups]
    total = sum(max(g.values()) for g in weighted)
    matched = sentences.matched_groups(rows, weighted)
    if total > 0:
        scores += cal.overlap_weight * matched / total
    if (
        total > 0
        and (query.aggregate and RECOMMENDED.search(query.question))
        or (not query.aggregate and COMMITTED.search(query.question))
    ):
        # "Which councils were told to ..." is answered best by what the reports
        # recommend, when the recommendation shares some of the question's words.
        shares = matched > 0
        scores += cal.recommendation_bonus * sentences.has(rows, RECOMMENDATION) * shares
    named = subjects_named(_asked_text(query, library))
    if named:
        # "bin collections" is the reports' "waste collection": a sentence discussing the
        # service the question names, in whatever words of the service list.
        said = np.fromiter(
            (any(s.said.search(library.sentence_text(int(r))) for s in named) for r in rows),
            dtype=bool,
            count=len(rows),
        )
        scores += cal.subject_bonus * said
    if SIGNPOST_QUESTION.search(query.question):
        in_signpost = sentences.has(rows, SIGNPOST)
        scores += cal.signpost_bonus * in_signpost
        if SIGNPOSTED.search(query.question) and in_signpost.any():
            # "What was signposted ...": only the signposted examples answer it.
            scores = np.where(in_signpost > 0, scores, -1.0).astype(np.float32)
    # A question for a person, a figure or a date prefers sentences that give one, most of
    # all those that also share the question's words ("which of them came from the police").
    shares = (matched > 0).astype(np.float32) if total > 0 else np.zeros(len(rows), np.float32)
    if query.intent.person or PERSON_QUESTION.search(query.question):
        scores += sentences.has(rows, PERSON) * (cal.person_bonus + cal.person_match_bonus * shares)
        if PARTNERS_QUESTION.search(query.question):
            # "who does Cambridge share services with?": the partners are bodies, named.
            bodies = _names_other_bodies(library, rows, scores, query.councils)
            scores += bodies * (cal.person_bonus + cal.person_match_bonus * shares)
    wanted = 0
    if query.intent.figure or NUMBER_QUESTION.search(query.question):
        scores += sentences.has(rows, NUMBER) * (cal.number_bonus + cal.number_match_bonus * shares)
        if MONEY_QUESTION.search(query.question):
            scores += cal.number_match_bonus * sentences.has(rows, MONEY)
        wanted = NUMBER
    elif query.intent.why:
        scores += cal.cause_bonus * sentences.has(rows, CAUSE) * (0.5 + shares)
        wanted = CAUSE
    elif query.intent.when and not query.intent.visit_date:
        scores += cal.date_bonus * sentences.has(rows, DATE) * (0.5 + shares)
        wanted = DATE
    if wanted:
        # Template text (not quotable) may still name the subject a dated sentence after
        # it is about ("The process includes a follow up visit. ... it will occur ...").
        template = every[~quotable]
        sources = np.concatenate([rows, template])
        source_scores = np.concatenate([scores, sentences.cosines(template, vectors)])
        _lift_in_paragraph(
            library,
            rows,
            scores,
            sources,
            source_scores,
            lambda row: _flagged(library, row, wanted),
            cal.quote_margin / 2,
        )
    partners = _joint_partners(query, library) or tuple(
        c for c in query.councils if query.follow_up and c.name in library.partners
    )
    if partners and not query.aggregate:
        # "does that apply to Redditch as well?", or after a question on the subject "is
        # redditch affected too or is it just bromsgrove?": in a joint report, what is said
        # of the partner asked about is often a sentence later in the paragraph on the
        # subject ("This relates solely to Bromsgrove DC, but ... impact on Redditch").
        names = _named(partners)
        before = scores.copy()
        _lift_in_paragraph(
            library,
            rows,
            scores,
            rows,
            before,
            lambda row: bool(names.search(library.sentence_text(row))),
            0.0,
        )
        # What is said of the partner is the answer: quoted next to the best sentence.
        lifted = scores > before
        scores[lifted] = np.maximum(scores[lifted], scores.max() - cal.quote_margin / 10)
    if query.intent.plan_column:
        # "who leads on X?": an action plan's "Lead Service Area: ..." line shares the
        # question's column words with every row; the row is found by what it is about.
        scores[_cell_lines(library, rows)] = NEVER_QUOTED
    if query.shown:
        _after_shown(library, query.shown, rows, scores, cal.quote_margin)
    if not _may_ask_for_a_peer(query):
        # A peer's line ("Cllr ..., Leader, ... Council") says who sat on the team: its
        # role words answer no question about a subject ("cllr development"). It stays in
        # scope (the question's words are mentioned there) but is never the answer.
        # A peer the question names by name ("which other review did Jo Smith sit on?")
        # is the exception: the lines naming them answer it.
        lines = member_lines(library, rows)
        asked = overlap_terms(query.question)
        named = [r for r in lines if _person_named(library.sentence_text(int(r)), asked)]
        scores[np.isin(rows, lines) & ~np.isin(rows, named)] = NEVER_QUOTED
    return rows, scores


def _person_named(line: str, asked: frozenset[str]) -> bool:
    """Whether the person a peer-team line lists ("Cllr Jo Smith, Director of ...") is
    named in full in a question of the terms `asked`."""
    match = PERSON_LINE.match(line.lstrip("• "))
    name = overlap_terms(match.group("name")) if match else frozenset()
    return len(name) >= 2 and name <= asked


CELL_LABEL_WORDS = 6  # at most, before a sponsor or lead cell, in a line that is only that


def _cell_lines(library: Library, rows: np.ndarray) -> np.ndarray:
    """Whether each sentence of `rows` is an action-plan row's sponsor or lead line
    ("Cabinet Sponsor/s: Mayor"): a short column label, a colon and the row's cell."""
    spans = library.sentences.spans
    chunk_rows = np.asarray(spans[rows, 0], dtype=np.int64)
    # Spaces aside: a line is as the PDF set it ("Corp orate"), a cell mended.
    cells: dict[int, set[str]] = {}
    for chunk_row in np.unique(chunk_rows):
        who = _who_cells(library, library.chunks[int(chunk_row)].id)
        if who:
            cells[int(chunk_row)] = {"".join(cell.split()) for cell in who}
    out = np.zeros(len(rows), dtype=bool)
    for i in np.flatnonzero(np.isin(chunk_rows, list(cells))):
        label, colon, value = library.sentence_text(int(rows[i])).rpartition(":")
        out[i] = (
            bool(colon)
            and len(label.split()) <= CELL_LABEL_WORDS
            and "".join(value.split()) in cells[int(chunk_rows[i])]
        )
    return out


# "Who does X share services with?", "who are their partners?": a body, not a person,
# answers it ("who deals with complaints?" asks for a person or a role).
PARTNERS_QUESTION = re.compile(
    r"^\W*who\b.*\b(?:work\w*|shar\w*|partner\w*|collaborat\w*|join\w*|merg\w*)\b.*\bwith\b"
    r"|^\W*who\b.*\bpartners?\b|\bwith whom\b",
    re.IGNORECASE,
)
# A named council, authority or partnership ("South Cambridgeshire and Huntingdonshire
# District Councils", "the Greater Cambridge Partnership").
NAMED_BODY = re.compile(
    r"\b(?:[A-Z][\w'’-]+\s+(?:and\s+)?){1,4}(?:(?:District|Borough|County|City|Town|Parish|"
    r"Combined)\s+(?:Councils?|Authority)|Partnership|Trust|Police|Clinical Commissioning Group)\b"
)
# What is left of a match once the kind of body and a sentence's opening words are set
# aside ("However the City Council"): a name of its own, when a capitalised word is left.
NAMED_BODY_KIND = re.compile(
    r"\b(?:District|Borough|County|City|Town|Parish|Combined|Councils?|Authority|Partnership|"
    r"Trust|Police|Clinical|Commissioning|Group|The|However|Both|In|A|An|This|That|These|"
    r"Those|Its|Their|Our|And|But|With|For|Each|All)\b"
)
OWN_NAME = re.compile(r"\b[A-Z][a-z]")
BODIES_READ = 40  # of the best sentences, those read for naming a body


def _names_other_bodies(
    library: Library, rows: np.ndarray, scores: np.ndarray, asked: tuple[Council, ...]
) -> np.ndarray:
    """1.0 for each of the best sentences `rows` (by `scores`) naming a council or other
    body besides the councils `asked` about, else 0.0."""
    own = _named(asked) if asked else None
    out = np.zeros(len(rows), dtype=np.float32)
    for i in np.argsort(-scores)[:BODIES_READ]:
        for match in NAMED_BODY.finditer(library.sentence_text(int(rows[i]))):
            rest = own.sub(" ", match.group(0)) if own else match.group(0)
            if OWN_NAME.search(NAMED_BODY_KIND.sub(" ", rest)):
                out[i] = 1.0
                break
    return out


SHOWN_READ = 50  # of the best sentences, those read for having been quoted before


def _after_shown(
    library: Library, shown: str, rows: np.ndarray, scores: np.ndarray, margin: float
) -> None:
    """ "tell me more": the sentences `rows` the answer before quoted (`shown`) are not
    quoted again; what follows each in its paragraph comes first, in the order of the
    sentences they follow (`scores`, in place)."""
    shown = " ".join(shown.split())

    def new(row: int) -> bool:
        return " ".join(library.sentence_text(int(row)).split()) not in shown

    said = np.asarray(
        [i for i in np.argsort(-scores)[:SHOWN_READ] if not new(rows[i])], dtype=np.int64
    )
    if not len(said):
        return
    before = scores[said].copy()
    scores[said] -= 1.0
    lifted = before - before.max() + scores.max() + margin
    _lift_in_paragraph(library, rows, scores, rows[said], lifted, new, 0.0)


MORE_SENTENCES = 3  # of the best quote's paragraph, after it, for "tell me more about X"
PARAGRAPH_REACH = 4  # sentences after a good one searched for the figure or date asked for
LIFTED_FROM = 10  # of the best sentences


def _lift_in_paragraph(
    library: Library,
    rows: np.ndarray,
    scores: np.ndarray,
    sources: np.ndarray,
    source_scores: np.ndarray,
    wanted: Callable[[int], bool],
    margin: float,
) -> None:
    """A figure or a date asked for often comes a few sentences after the one that names
    the subject ("The process includes a follow up visit. ... Our expectation is that it
    will occur within the next 12-24 months."): the first sentence that is `wanted`, later
    in the paragraph of one of the best `sources`, scores up to `margin` below it (`scores`
    of `rows`, in place)."""
    spans = library.sentences.spans
    for i in np.argsort(-source_scores)[:LIFTED_FROM]:
        row, score = int(sources[i]), float(source_scores[i])
        text = library.chunks[int(spans[row, 0])].text
        for after in range(row + 1, min(row + 1 + PARAGRAPH_REACH, len(spans))):
            if spans[after, 0] != spans[row, 0] or "\n\n" in text[spans[row, 2] : spans[after, 1]]:
                break
            j = int(np.searchsorted(rows, after))
            if j < len(rows) and rows[j] == after and wanted(after):
                scores[j] = max(scores[j], score - margin)
                break


GENERIC_SHARE = 0.5  # a term in more than this share of passages says little
GENERIC_WEIGHT = float(np.log1p(1 / GENERIC_SHARE))  # the weight of a term that common
SUBJECT_TERMS = 2  # at least this many of a question's rarest terms say what it is about


def _unmentioned(library: Library, query: Query, rows: np.ndarray) -> bool:
    """Whether the question's subject is absent from the sentences in scope: of its own
    words (not the reports' frame, not in most passages), the rarest ones — what makes
    the question about something — appear in no sentence in scope."""
    sentences = library.sentences
    own = _own_text(query, library)
    # "anything in Bedford's plan on ...": the kind of document in scope names no subject.
    terms = _terms_of(own, query) - overlap_terms(" ".join(_report_types(library, rows)))
    if not terms:
        return False
    for word, forms in written_forms(own).items():
        # A word no report uses that the glossary knows the reports' words for ("money":
        # "financial", "budget") is no subject none discusses.
        known_forms = {f for f in forms if f in sentences.vocab}
        unknown = {t for t in overlap_terms(word) & terms if t not in sentences.vocab}
        if unknown and known_forms:
            terms = (terms - unknown) | known_forms
    weights = sentences.term_weights(terms)
    # Rarest first, words the library knows before words it has never seen (a word no
    # report uses may be the question's own paraphrase, or a subject none discusses).
    ranked = sorted(
        ((t >= 0, w, t) for t, w in weights.items() if t < 0 or w > GENERIC_WEIGHT), reverse=True
    )
    specific = [(w, t) for _, w, t in ranked[: max(SUBJECT_TERMS, (len(ranked) + 1) // 2)]]
    if not specific:
        return False
    known = {t: w for w, t in specific if t >= 0}
    if not known or 2 * sum(t < 0 for t in weights) > len(weights):
        # Most of the question's own words are in no report at all: its subject is not
        # there, whatever the common words it shares with them.
        return True
    if _named_subject_absent(library, query, _topic_without_councils(query, library), rows):
        return True
    hits = rows[sentences.matched_weight(rows, known) > 0]
    if query.intent.lead or query.intent.sponsor or not len(hits):
        return not len(hits)
    # An action plan's sponsor and lead cells name portfolios ("Portfolio Holder for
    # Finance, Risk and Welfare"), not what the row is about: a word found only there does
    # not make the question's subject mentioned.
    if len(hits) > MENTIONS_READ:
        return False  # mentioned that often, not only in who-cells
    words = {t for t in terms if sentences.vocab.get(t) in known}
    return not any(words & overlap_terms(text) for text in _without_who_cells(library, hits))


# The subject named after "about" or "on" runs to the next preposition or the end
# ("about digital inclusion for residents": "digital inclusion"); "X or Y" offers two.
NAMED_SUBJECT_SHARE = 0.4  # of its words' weight, the sentences in scope must hold this much
ALTERNATIVES = re.compile(r"\bor\b|/", re.IGNORECASE)
SUBJECT_END = re.compile(
    r"\b(?:in|at|for|from|with|within|by|to|according|across|among|between|that|which|"
    r"did|does|do|is|are|was|were|has|have|had|will|would|should|could|can|might|may)\b"
    r"|[,?;:.!]"
)


# A subject named as an activity ("getting someone in", "slimming down the reports").
ACTIVITY = re.compile(r"\s*[a-z]+ing\b", re.IGNORECASE)


def _named_subject_absent(library: Library, query: Query, topic: str, rows: np.ndarray) -> bool:
    """Whether the subject `topic` names after "about", "on", "regarding" or "of" is absent:
    in each of its alternatives ("X or Y"), the words the sentences `rows` hold weigh less
    than `NAMED_SUBJECT_SHARE` of its words' weight ("council tax levels": only "levels")."""
    match = SUBJECT_AFTER.search(topic)
    if not match:
        return False
    phrase = SUBJECT_END.split(topic[match.start(1) :], maxsplit=1)[0]
    if (query.intent.lead or query.intent.sponsor) and ACTIVITY.match(phrase):
        # "who is in charge of getting someone in to review scrutiny?" describes what an
        # action-plan row does in the asker's words: the row is found by its likeness.
        return False
    sentences = library.sentences
    held_terms: np.ndarray | None = None
    for part in ALTERNATIVES.split(phrase):
        weights = sentences.term_weights(_terms_of(part, query))
        known = {t: w for t, w in weights.items() if t >= 0 and w > GENERIC_WEIGHT}
        if not known:
            return False
        if held_terms is None:
            held_terms = sentences.terms_in(rows)
        held = np.isin(np.fromiter(known, dtype=np.int64), held_terms)
        if np.dot(held, list(known.values())) >= NAMED_SUBJECT_SHARE * sum(known.values()):
            return False
    return True


# "How many apprentices has Lambeth taken on?", "how many strategic purposes do they
# share?", "how many people work there?": what is counted is among the three words after.
COUNTED = re.compile(r"\bhow many\s+((?:[a-z][\w'’-]*\s*){1,3})", re.IGNORECASE)
COUNTED_WITHOUT_S = frozenset({"people", "staff", "children", "men", "women"})
MIN_COUNTED = 4  # letters of a counted word's stem, read in the sentences
# A figure in words before what it counts ("share six 'strategic purposes'").
COUNTED_IN_WORDS = r"\b(?:" + NUMBER_WORDS + r"|eleven|dozen|several|hundreds|thousands)"


def _counted(question: str) -> str:
    """The word a "how many" question counts: the first plural of the three words after
    it ("strategic purposes", "people work"), else the first; "" for none."""
    match = COUNTED.search(question)
    if not match:
        return ""
    words = [w.lower() for w in match.group(1).split()]
    return next((w for w in words if w.endswith("s") or w in COUNTED_WITHOUT_S), words[0])


def _singular(word: str) -> str:
    """`word` without a plural ending: "apprentices" -> "apprentice", "authorities" ->
    "authority", "boxes" -> "box"; "houses" keeps its "e" ("housing" is not a house)."""
    if word.endswith("ies"):
        return word[:-3] + "y"
    if re.search(r"(?:ss|x|z|ch|sh)es$", word):
        return word[:-2]
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def _count_not_given(
    library: Library, query: Query, rows: np.ndarray, scores: np.ndarray, cal: Calibration
) -> tuple[str, tuple[int, float]]:
    """What a "how many X" question counts and its best-scoring mention among the
    sentences in scope (`rows`, `scores`), when no mention gives a figure, nor do the
    sentences beside them in their passages, nor the best sentences (the report may count
    "projects" where the officer says "schemes"): the reports say nothing of how many.
    Else ("", (-1, 0.0))."""
    none = "", (-1, 0.0)
    counted = _counted(query.question)
    if not counted or not overlap_terms(counted) - FRAME_TERMS:
        return none
    # "apprentices": "apprenticeship" mentions it, "appreciates" does not.
    stem = _singular(counted)
    if len(stem) < MIN_COUNTED:
        return none
    if _any_flagged(library, rows[scores >= scores.max() - cal.quote_margin], NUMBER):
        return none
    said = re.compile(r"\b" + re.escape(stem), re.IGNORECASE)
    held = [i for i, r in enumerate(rows) if said.search(library.sentence_text(int(r)))]
    if not held:
        return none
    around = _beside(library, rows[held], 1, 1)
    if _any_flagged(library, around, NUMBER):
        return none
    in_words = re.compile(
        COUNTED_IN_WORDS + r"[\s'‘’-]+(?:[\w-]+\s+)?['‘’]?" + re.escape(stem), re.IGNORECASE
    )
    if any(in_words.search(library.sentence_text(k)) for k in around):
        return none
    best = max(held, key=lambda i: scores[i])
    return counted, (int(rows[best]), float(scores[best]))


# A percentage or a sum of money asked for: the kind of figure an answer must give.
# ("5%" is a figure the asker gives, not one asked for.)
PERCENT_ASKED = re.compile(r"(?<![\d.\s])\s*%|\bpercentage\b|(?<!\d )\bper ?cent\b", re.IGNORECASE)
FIGURE_ASKING = overlap_terms("percentage percent per cent figure amount sum money much total")
TIME_ASKED = re.compile(r"\b(time|hours?|days?|weeks?|months?)\b", re.IGNORECASE)
PERCENT_GIVEN = re.compile(r"\d\s?%|\bper ?cent\b", re.IGNORECASE)
FIGURE_READ = 10  # best sentences near which the figure asked for is looked for


def _figure_not_given(library: Library, query: Query, rows: np.ndarray, scores: np.ndarray) -> str:
    """The kind of figure ("percentage", "sum of money") a question asks for when none of
    the passages of the best sentences in scope gives one: the reports do not say. Else
    ""."""
    if PERCENT_ASKED.search(query.question):
        kind = "percentage"
    elif (
        query.intent.figure
        and MONEY_QUESTION.search(query.question)
        and not TIME_ASKED.search(query.question)
    ):
        kind = "sum of money"
    else:
        return ""
    around = _beside(library, rows[np.argsort(-scores)[:FIGURE_READ]], 1, PARAGRAPH_REACH)
    if kind == "sum of money":
        figures = around[library.sentences.has(around, MONEY) > 0]
    else:
        figures = np.asarray(
            [r for r in around if PERCENT_GIVEN.search(library.sentence_text(int(r)))],
            dtype=np.int64,
        )
    # A figure beside any word of the question's own gives it; one on something else (a
    # satisfaction rate, asked for a council tax rise) does not.
    # What the question asks a figure of: its own words but those asking for the figure, or
    # the conversation's subject ("what percentage?" after "cen beds resident survey").
    own = (_own_terms(query, library) - FIGURE_ASKING) or (
        overlap_terms(query.context) - FRAME_TERMS - FIGURE_ASKING
    )
    if not own:
        return "" if len(figures) else kind
    for r in figures.tolist():
        window = _beside(library, np.asarray([r]), 1, 1)
        if any(own & overlap_terms(library.sentence_text(int(k))) for k in window):
            return ""
    return kind


def _beside(library: Library, rows: np.ndarray, before: int, after: int) -> np.ndarray:
    """The sentences `rows` and those up to `before` before and `after` after each in its
    own passage, sorted, once each."""
    passage_of = library.sentences.spans[:, 0]
    return np.asarray(
        sorted(
            {
                k
                for r in np.asarray(rows, dtype=np.int64).tolist()
                for k in range(r - before, r + after + 1)
                if 0 <= k < len(passage_of) and passage_of[k] == passage_of[r]
            }
        ),
        dtype=np.int64,
    )


def _no_figure_given(
    library: Library,
    query: Query,
    resolved: tuple[str, ...],
    kind: str,
    rows: np.ndarray,
    scores: np.ndarray,
) -> Answer:
    """A percentage or a sum of money asked for that no passage on the subject gives: not
    found, with the closest sentence quoted and cited so that the officer sees what is said."""
    top = int(np.argmax(scores))
    closest = _evidence(library, int(rows[top]), float(scores[top]))
    quoted = _compose(library, query, [closest], [], {}, resolved, per_report=False)
    return replace(
        quoted,
        found=False,
        text=f"The reports of {join_names(list(resolved))} in the library give no {kind} for "
        f"this. The closest passage:\n{quoted.text}",
    )


def _no_count_given(
    library: Library, query: Query, resolved: tuple[str, ...], counted: str, mention: Evidence
) -> Answer:
    """ "How many X" where the reports mention X but never count it: not found, with the
    mention quoted and cited so that the officer sees what is said."""
    quoted = _compose(library, query, [mention], [], {}, resolved, per_report=False)
    return replace(
        quoted,
        found=False,
        text=f"The reports of {join_names(list(resolved))} in the library mention {counted} but "
        f"give no number of them:\n{quoted.text}",
    )


def _terms_of(text: str, query: Query) -> set[str]:
    """The subject terms of `text`: not the reports' frame, not an action-plan column."""
    terms = overlap_terms(text) - FRAME_TERMS
    if query.intent.plan_column:
        terms -= COLUMN_TERMS
    return {t for t in terms if not t.isdigit()}


MENTIONS_READ = 200  # sentences read for a word outside the sponsor and lead cells


def _report_types(library: Library, rows: np.ndarray) -> set[str]:
    """The kinds of report ("action plan", "feedback report") the sentences `rows` are in:
    their words ("action", "plan"; the others are frame words already) name the document."""
    passages = np.unique(np.asarray(library.sentences.spans[rows, 0], dtype=np.int64))
    positions = np.unique(library.report_of_row[passages])
    return {library.reports[library.report_ids[int(p)]].report_type for p in positions}


def _without_who_cells(library: Library, rows: np.ndarray) -> Iterator[str]:
    """The text of each sentence of `rows`, read one at a time, without the sponsor and
    lead cells of the action-plan row it is in ("Cabinet Sponsor/s: Portfolio Holder for
    Finance, Risk and Welfare" loses the portfolio, nothing else)."""
    spans = library.sentences.spans
    for row in rows:
        chunk_row, start, end = (int(x) for x in spans[int(row)])
        chunk = library.chunks[chunk_row]
        text = chunk.text[start:end]
        for cell in _who_cells(library, chunk.id):
            text = re.sub(r"(?m)(?<=: )" + re.escape(cell) + r"\s*$", " ", text)
        yield text


def _who_cells(library: Library, chunk_id: str) -> set[str]:
    """The sponsor and lead cells of the action-plan rows in the passage `chunk_id`."""
    return {
        cell
        for action in library.actions_by_chunk.get(chunk_id, ())
        for cell in (action.sponsor, action.lead)
        if cell
    }


def _subjects_not_discussed(library: Library, query: Query, rows: np.ndarray) -> tuple[str, ...]:
    """The subjects of the service list (climate change, libraries, procurement...) the
    question asks about that no sentence in scope (`rows`) discusses in any of their words,
    when in each alternative ("X or Y") every subject named is missing; else none."""
    # "in the Bromsgrove/Redditch report about X": a part left with no words of its own
    # offers no alternative.
    parts = [
        p for p in ALTERNATIVES.split(_asked_text(query, library)) if overlap_terms(p) - FRAME_TERMS
    ]
    alternatives = [subjects_named(part) for part in parts]
    if not alternatives or not all(alternatives):
        return ()
    missing: dict[str, bool] = {}
    texts = [library.sentence_text(int(row)) for row in rows]
    for subjects in alternatives:
        for subject in subjects:
            if subject.name not in missing:
                missing[subject.name] = not any(subject.said.search(t) for t in texts)
            if not missing[subject.name]:
                return ()
    return tuple(missing)


def _asked_text(query: Query, library: Library) -> str:
    """The question as typed, without its councils and with abbreviations written out: the
    service list reads only these words (a follow-up pointing back, "anything like that at
    Bromsgrove?", asks for the like of the earlier service, not for it by name)."""
    return _written_out(strip_councils(query.question, query.councils), library)


def _own_text(query: Query, library: Library) -> str:
    """The words of the question's own topic, and the earlier turn's subject when it only
    points at it ("what was their verdict on it?")."""
    text = _topic_without_councils(query, library)
    if query.context and POINTING.search(query.question) and not _names_own_subject(query):
        text = f"{text} {strip_councils(query.context, query.councils)}"
    return text


def _own_terms(query: Query, library: Library) -> set[str]:
    """The question's own topic terms: not the reports' frame, not an action-plan column."""
    return _terms_of(_own_text(query, library), query)


# What a question is about follows "about", "on", "regarding" or "of", after an article:
# "anything about flooding in there?", "does it touch on the flood risk?". A pronoun there
# ("verdict on it") points at the conversation's subject instead, and "on track", "on
# time" say how a thing goes, not what it is.
SUBJECT_AFTER = re.compile(
    r"\b(?:about|on|regarding|of)\s+(?:(?:the|a|an|their|our|your)\s+)?"
    r"(?!(?:the|a|an|it|its|that|this|those|these|them|there|each|every|both|either|all|any|"
    r"the\s+same|"
    r"track|schedule|time|target|course|hold|board|top|behalf|hook)\b)"
    r"([\w'-]+)",
    re.IGNORECASE,
)


def _own_subject(query: Query) -> set[str]:
    """The terms of the subject a question names after "about", "on", "regarding" or
    "of" (empty when it names none); an action plan's columns ("the status of delivery")
    are what a row says, not a subject."""
    question = spelt_out(strip_councils(query.question, query.councils))
    named = {t for m in SUBJECT_AFTER.finditer(question) for t in _terms_of(m.group(1), query)}
    return named - COLUMN_TERMS


def _names_own_subject(query: Query) -> bool:
    """Whether a follow-up that points back ("in there", "that plan", "did they") names a
    subject of its own: then that, not the earlier turn's, is what must be in the reports."""
    return bool(_own_subject(query))


def _row_holds_own_subject(row: ActionRow, query: Query, library: Library) -> bool:
    """Whether the action-plan row a conversation is on holds the subject a follow-up names
    ("what is the status of delivery?"); one naming none is about the row. A follow-up on
    another subject ("anything on parking in that plan?") is not about it; a word no report
    uses ("who has that on their plate?") names no subject."""
    text = f"{row.recommendation} {row.action}"
    if any(not s.said.search(text) for s in subjects_named(query.question)):
        # "does the plan say anything about a pay rise?": a service the row never names.
        return False
    subject = {t for t in _own_subject(query) if t in library.sentences.vocab}
    return not subject or bool(subject & overlap_terms(text))


# Every report is a peer challenge's: naming it says nothing about what is asked.
PEER_FRAME = re.compile(
    r"\b(?:the\s+|their\s+|its\s+)?(?:corporate\s+|lga\s+)?peer\s+(?:challenge|review)"
    r"(?:\s+team)?\b|\b(?:the\s+)?peer\s+team\b|\b(?:the\s+)?(?:peer\s+)?(?:challenge|feedback)\s+report\b",
    re.IGNORECASE,
)


def _search_text(query: Query, library: Library) -> str:
    """What is searched for: the topic without council names (nor the peer challenge
    every report is about, when more is asked), else the question."""
    topic = _topic_without_councils(query, library) or query.question
    if query.aggregate:
        # "which councils did the peers reckon were ...": who speaks is no part of it.
        return _without_frame(PEERS_SPEAKING, topic)
    # A follow-up's subject may be the earlier turn's ("the peer team's verdict on it").
    text = _without_frame(PEER_FRAME, topic, query.context)
    partners = " ".join(c.short for c in _joint_partners(query, library))
    return f"{text} {partners} {_named_without_reports(query, library)}".strip()


def _without_frame(frame: re.Pattern[str], topic: str, context: str = "") -> str:
    """`topic` without what `frame` matches, when a subject of two words or more is left
    (with `context`, the subject a follow-up leans on); else `topic` whole."""
    rest = " ".join(frame.sub(" ", topic).split())
    return rest if len(overlap_terms(f"{rest} {context}") - FRAME_TERMS) >= 2 else topic


def _named_without_reports(query: Query, library: Library) -> str:
    """The names of the councils asked about when none has a report: the passages naming
    them are searched, and the sentence that names them answers ("what's the Suffolk
    Coastal and Waveney example about?")."""
    covered = set(library.councils)
    if any(c.name in covered for c in query.councils):
        return ""
    return " ".join(c.short for c in query.councils)


def _joint_partners(query: Query, library: Library) -> tuple[Council, ...]:
    """The councils asked about that are partners in a joint report known by another
    council's name, which the question does not name ("redditch town centre" in the
    Bromsgrove and Redditch report): there the name tells one council's passages from the
    other's, so it is searched for, not only filtered by."""
    named = {c.name for c in query.councils}
    return tuple(c for c in query.councils if library.partners.get(c.name, frozenset()) - named)


def _topic_without_councils(query: Query, library: Library) -> str:
    """The topic without the names the search is already narrowed by: the councils with
    reports or, when none of the named councils has one, the passages naming them."""
    covered = set(library.councils)
    narrowed = [c for c in query.councils if c.name in covered] or list(query.councils)
    out = strip_councils(query.topic, narrowed)
    for typed, _ in query.guesses:
        out = re.sub(r"\b" + re.escape(typed) + r"(?:['’]s)?\b", " ", out, flags=re.IGNORECASE)
    return _written_out(" ".join(out.split()), library)


def _written_out(text: str, library: Library) -> str:
    """`text` with what its abbreviations stand for beside them, for those the library
    never writes ("O&S (overview and scrutiny)"); one it does write ("MTFS", "CEX") is
    matched as it is."""

    def written(typed: str) -> bool:
        terms = overlap_terms(typed)
        return bool(terms) and all(t >= 0 for t in library.sentences.term_weights(terms))

    return written_out(text, written)


def _evidence(library: Library, row: int, score: float) -> Evidence:
    chunk_row, start, end = (int(v) for v in library.sentences.spans[row])
    chunk = library.chunks[chunk_row]
    text = chunk.text[start:end]
    return Evidence(
        int(row),
        int(chunk_row),
        text,
        float(score),
        _recommendation_label(library, chunk, start, end),
    )


def _recommendation_label(library: Library, chunk: Chunk, start: int, end: int) -> str:
    """ "key recommendation 3" when the sentence at start:end of `chunk` states one of the
    register's recommendations; "" otherwise."""
    for rec in library.recommendations_by_chunk.get(chunk.id, ()):
        if chunk.kind == "table row" or (
            rec.start < chunk.start + end and chunk.start + start < rec.end
        ):
            kind = "key recommendation" if rec.key else "recommendation"
            return f"{kind} {rec.number}" if rec.number else kind
    return ""


def _answer_when(
    library: Library, query: Query, mask: np.ndarray, resolved: tuple[str, ...]
) -> Answer | None:
    """The date of each report in scope, quoting the line of its first page that gives it."""
    lines: list[str] = []
    citations: list[Citation] = []
    for report_id, rows in library.rows_by_report.items():
        rows = [int(r) for r in rows if mask[r]]
        report = library.reports[report_id]
        if not rows or not re.fullmatch(r"\d{4}-\d{2}(?:-\d{2})?", report.date):
            continue
        first = min(rows, key=lambda r: library.chunks[r].start)
        chunk = library.chunks[first]
        year, month = report.date[:4], MONTHS[int(report.date[5:7]) - 1]
        quote = next(
            (
                text
                for text in map(library.sentence_text, library.sentences.rows_of([first]))
                if year in text and month in text.lower()
            ),
            "",
        )
        if not quote:
            continue
        n = len(citations) + 1
        line = (
            f"- **{report.council}** — {report.title} ({report.report_type}): {_quote(quote)} [{n}]"
        )
        citations.append(citation_for(chunk, n, 1.0, (quote,), chunk.first_page))
        on_site = _on_site_dates(library, rows, quote)
        if on_site is not None:
            # The body's sentence with the days on site ("their on-site visit (4-7 October").
            row, sentence = on_site
            line += f"; on site: {_quote(sentence)} [{n + 1}]"
            found = library.chunks[row]
            citations.append(citation_for(found, n + 1, 1.0, (sentence,), found.first_page))
        lines.append(line)
    if not citations:
        return None
    text = "The dates on the reports' covers:\n\n" + "\n".join(lines)
    return Answer(query.question, True, text, tuple(citations), resolved, (), query.topic)


ON_SITE = re.compile(r"\bon-?\s?site\b|\bonsite\b", re.IGNORECASE)


def _on_site_dates(library: Library, rows: list[int], cover: str) -> tuple[int, str] | None:
    """(passage row, sentence) of the first sentence of the passages `rows` that gives the
    dates the peer team was on site, other than the cover's line; None when none does."""
    sentences = library.sentences
    for row in sorted(rows, key=lambda r: library.chunks[r].start):
        for sentence in sentences.rows_of([row]):
            text = library.sentence_text(int(sentence))
            if text != cover and ON_SITE.search(text) and _flagged(library, int(sentence), DATE):
                return row, text
    return None


def _answer_single(
    library: Library,
    query: Query,
    vectors: np.ndarray,
    mask: np.ndarray,
    resolved: tuple[str, ...],
    cal: Calibration,
) -> Answer:
    rows, scores = _score_sentences(library, query, vectors, mask, cal)
    floor = cal.named_floor if resolved else cal.single_floor
    if len(rows) == 0 or scores.max() < floor:
        return _reports_do_not_say(query, resolved)
    if scores.max() < cal.absent_ceiling:
        undiscussed = _subjects_not_discussed(library, query, rows)
        if undiscussed or _unmentioned(library, query, rows):
            return _reports_do_not_say(query, resolved, subjects=undiscussed)
    counted, mention = _count_not_given(library, query, rows, scores, cal) if resolved else ("", -1)
    if counted:
        return _no_count_given(library, query, resolved, counted, _evidence(library, *mention))
    kind = _figure_not_given(library, query, rows, scores) if resolved else ""
    if kind:
        return _no_figure_given(library, query, resolved, kind, rows, scores)
    order = np.argsort(-scores)
    best = float(scores[order[0]])
    structured = _evidence_item(library, query, rows, scores, order, cal)
    if structured is not None:
        return _with_further_sources(library, query, structured, vectors, mask)
    chosen: list[Evidence] = []
    for i in order[: MAX_QUOTES * 3]:
        if len(chosen) == MAX_QUOTES or scores[i] < max(floor, best - cal.quote_margin):
            break
        ev = _evidence(library, rows[i], scores[i])
        if any(word_overlap(ev.text, c.text, spaced_words) > SAME_QUOTE for c in chosen):
            continue
        chosen.append(ev)
    chosen += _what_the_row_commits(library, rows, scores, chosen)
    chosen += _elaboration(library, chosen)
    chosen = _with_list_items(library, _with_signpost_headings(library, chosen))
    asked_why = query.intent.why
    if MORE.search(query.question):
        more = MORE_SENTENCES
    elif asked_why:
        more = WHY_READ
    else:
        more = 1
    chosen = _with_continuation(library, chosen, more)
    if asked_why:
        # "why?" (after an answer, or "why don't members trust the numbers?"): the best
        # sentence is most often the finding asked about (the one the answer before quoted),
        # and the reasons are the sentences around it in its paragraph.
        chosen = _with_lead_in(library, chosen, WHY_READ)
    chosen = _with_neighbours(library, chosen)
    # Passages for the remaining citations: fused dense + lexical ranking under the mask.
    extra = rank_passages(
        library, vectors[0], _search_text(query, library), mask, MAX_CITATIONS * 2
    )[0]
    extra_rows = [int(r) for r in extra]
    dense = _cosines(library, vectors[0], extra_rows)
    return _compose(library, query, chosen, extra_rows, dense, resolved, per_report=False)


ELABORATES = 0.6  # share of a recommendation's (weighted) words a body sentence repeats


def _elaboration(library: Library, chosen: list[Evidence]) -> list[Evidence]:
    """When the best quote is a recommendation (a summary line, "Speak up for the borough
    ... on issues controlled by other decision-makers"), the report's own sentence that
    sets it out in the body (repeating most of its words, "... for example on issues such
    as ..."), which holds the detail; none otherwise."""
    if not chosen:
        return []
    sentences = library.sentences
    first = chosen[0].sentence
    if not sentences.has(np.asarray([first]), RECOMMENDATION)[0]:
        return []
    if library.chunks[chosen[0].chunk_row].kind == "table row":
        return []  # an action plan's row: its own columns say the rest
    ids = np.asarray(sentences.term_ids[sentences.terms_at[first] : sentences.terms_at[first + 1]])
    weights = {int(t): float(sentences.weights[t]) for t in set(ids.tolist())}
    total = sum(weights.values())
    if total <= 0:
        return []
    report = library.report_ids[int(library.report_of_row[sentences.spans[first, 0]])]
    rows = sentences.rows_of(library.rows_by_report[report])
    rows = rows[(sentences.has(rows, OK) > 0) & (sentences.has(rows, RECOMMENDATION) == 0)]
    if len(rows) == 0:
        return []
    share = sentences.matched_weight(rows, weights) / total
    taken = {ev.sentence for ev in chosen}
    words = len(chosen[0].text.split())
    for i in np.argsort(-share, kind="stable")[:5]:
        if share[i] < ELABORATES:
            break
        ev = _evidence(library, int(rows[i]), chosen[0].score)
        # The same line again (the recommendation listed twice) holds no more detail.
        if int(rows[i]) not in taken and len(ev.text.split()) >= 1.5 * words:
            return [ev]
    return []


def _evidence_item(
    library: Library,
    query: Query,
    rows: np.ndarray,
    scores: np.ndarray,
    order: np.ndarray,
    cal: Calibration,
) -> Answer | None:
    """When the best evidence sits in a structured item, the item written out whole: an
    action-plan row (with its sponsor, lead and dates) for a question an action plan
    answers, or the signposted examples the best sentences belong to."""
    spans = library.sentences.spans
    top_chunk = library.chunks[int(spans[rows[order[0]], 0])]
    register = library.register
    if top_chunk.kind == "table row" and (
        query.intent.plan_column or top_chunk.report_type == "action plan"
    ):
        row = next((a for a in register.actions if a.chunk_id == top_chunk.id), None)
        if row is not None:
            row = _row_referred_to(library, row, rows, scores, order, cal)
            return action_answer(
                library, query.question, row, query.intent, query.topic, tuple(row.councils)
            )
    best = float(scores[order[0]])
    chosen: list = []
    for i in order[:10]:
        if scores[i] < best - cal.quote_margin:
            break
        chunk = library.chunks[int(spans[rows[i], 0])]
        at = chunk.start + int(spans[rows[i], 1])
        item = next(
            (
                s
                for s in register.signposts
                if s.chunk_id == chunk.id and s.start <= at < max(s.end, s.start + 1)
            ),
            None,
        )
        if item is None:
            if i == order[0]:
                return None
            continue
        if item not in chosen:
            chosen.append(item)
    if not chosen:
        return None
    return signposts_answer(library, query.question, chosen[:3], query.topic, True)


# An action that answers by pointing at another row: "As set out in response to
# Recommendation 3, ...", "This action is linked to Recommendation 3".
REFERS_TO_ROW = re.compile(
    r"\b(?:in response to|linked to|set out (?:under|in)|see)\s+Recommendation\s+(\d+)\b",
    re.IGNORECASE,
)


def _row_referred_to(
    library: Library,
    row: ActionRow,
    rows: np.ndarray,
    scores: np.ndarray,
    order: np.ndarray,
    cal: Calibration,
) -> ActionRow:
    """The row the best sentence points to, when it answers by pointing at another row of
    the plan ("As set out in response to Recommendation 3, ...") and that row's own text
    scores about as well; else `row`."""
    refs = REFERS_TO_ROW.findall(_sentence_text(library, int(rows[order[0]])))
    others = [
        a
        for a in library.register.actions
        if a.report_id == row.report_id and a.ref in refs and a.ref != row.ref
    ]
    if len(others) != 1:
        return row
    if _scores_about_as_well(library, [others[0].chunk_id], rows, scores, cal):
        return others[0]
    return row


# A sentence that leans on the one before it ("This is seen as ...", "However, it ...").
LEANS_ON_PREVIOUS = re.compile(
    r"^\W*(this|these|that|those|it|its|they|their|such|he|she|however|but|also|"
    r"as a result|in addition|furthermore|therefore|this is|both)\b",
    re.IGNORECASE,
)


def _with_neighbours(library: Library, chosen: list[Evidence]) -> list[Evidence]:
    """A quote that leans on the sentence before it ("This risks ...") gets the sentences
    it leans on first (two at most, from the same passage or the one before it in the
    same report); a short heading-like quote (a recommendation's title) gets the
    sentence after it."""
    out: list[Evidence] = []
    taken = {ev.sentence for ev in chosen}
    spans = library.sentences.spans
    for ev in chosen:
        lead_in: list[Evidence] = []
        current = ev
        while len(lead_in) < 2 and LEANS_ON_PREVIOUS.match(current.text):
            before = current.sentence - 1
            if before < 0 or before in taken or not _adjacent(library, before, current):
                break
            current = _evidence(library, before, ev.score)
            lead_in.insert(0, current)
            taken.add(before)
        out += lead_in
        out.append(ev)
        after = ev.sentence + 1
        if (
            (len(ev.text.split()) < 14 and not ev.text.rstrip().endswith((".", ":")))
            and after < len(spans)
            and spans[after, 0] == ev.chunk_row
            and after not in taken
            and not _flagged(library, ev.sentence, PERSON)
            and _flagged(library, after, OK)
        ):
            out.append(_evidence(library, after, ev.score))
            taken.add(after)
    return out


def _with_continuation(library: Library, chosen: list[Evidence], count: int = 1) -> list[Evidence]:
    """The best quote followed by the next `count` sentences of its paragraph, which often
    say what the first only introduces ("The programme came up frequently ... It is seen
    as a bureaucratic solution ..."); "tell me more about X" asks for more of them."""
    if not chosen:
        return chosen
    first = chosen[0]
    if _opens_paragraph(library, first.sentence):
        # A paragraph's first sentence names its subject; the verdict on it comes after.
        count = max(count, OPENING_READ)
    taken = {ev.sentence for ev in chosen}
    added = [
        _evidence(library, row, first.score)
        for row in _paragraph_run(library, first, 1, count, taken)
    ]
    return [first, *added, *chosen[1:]]


OPENING_READ = 2  # sentences after a paragraph's first, when that is the best quote
WHY_READ = 2  # sentences before and after the best quote, asked "why"


def _with_lead_in(library: Library, chosen: list[Evidence], count: int) -> list[Evidence]:
    """The best quote preceded by up to `count` sentences of its paragraph before it, in
    reading order; the rest of `chosen` after them."""
    if not chosen:
        return chosen
    first = chosen[0]
    taken = {ev.sentence for ev in chosen}
    rows = _paragraph_run(library, first, -1, count, taken)
    before = [_evidence(library, row, first.score) for row in reversed(rows)]
    return [*before, first, *chosen[1:]]


def _paragraph_run(
    library: Library, first: Evidence, step: int, count: int, taken: set[int]
) -> list[int]:
    """Up to `count` sentences of `first`'s paragraph from it onwards (`step` 1) or back
    (`step` -1), in the order walked: quotable, not `taken`, and not past a line leading in
    a list (one ending with a colon) or a paragraph break."""
    spans = library.sentences.spans
    text = library.chunks[first.chunk_row].text
    run: list[int] = []
    at = first.sentence
    while len(run) < count:
        step_to = at + step
        earlier, later = (at, step_to) if step > 0 else (step_to, at)
        if (
            not 0 <= step_to < len(spans)
            or spans[step_to, 0] != first.chunk_row
            or step_to in taken
            or not _flagged(library, step_to, OK)
            or library.sentence_text(earlier).rstrip().endswith(":")
            or "\n\n" in text[int(spans[earlier, 2]) : int(spans[later, 1])]  # a new paragraph
        ):
            break
        run.append(step_to)
        at = step_to
    return run


def _opens_paragraph(library: Library, sentence: int) -> bool:
    """Whether `sentence` is the first of its paragraph."""
    spans = library.sentences.spans
    before = sentence - 1
    if before < 0 or spans[before, 0] != spans[sentence, 0]:
        return True
    text = library.chunks[int(spans[sentence, 0])].text
    return "\n\n" in text[int(spans[before, 2]) : int(spans[sentence, 1])]


def _flagged(library: Library, sentence: int, flag: int) -> bool:
    return bool(library.sentences.has(np.asarray([sentence]), flag)[0])


def _any_flagged(library: Library, rows: np.ndarray, flag: int) -> bool:
    """Whether any of the sentences `rows` has `flag`."""
    return bool(len(rows)) and bool(library.sentences.has(rows, flag).any())


def _adjacent(library: Library, sentence: int, ev: Evidence) -> bool:
    """Whether `sentence` is read just before `ev`: in its passage, or ending the passage
    before it in the same report and section."""
    row = int(library.sentences.spans[sentence, 0])
    if row == ev.chunk_row:
        return True
    if row != ev.chunk_row - 1:
        return False
    here, there = library.chunks[ev.chunk_row], library.chunks[row]
    return here.report_id == there.report_id and here.section == there.section


def _with_list_items(library: Library, chosen: list[Evidence]) -> list[Evidence]:
    """A quoted lead-in ("The peers who delivered the peer challenge were:") is followed
    by the list items it introduces, up to MAX_LIST_ITEMS."""
    out: list[Evidence] = []
    taken = {ev.sentence for ev in chosen}
    for ev in chosen:
        out.append(ev)
        if not ev.text.rstrip().endswith(":"):
            continue
        row = ev.sentence + 1
        items = 0
        spans = library.sentences.spans
        while row < len(spans) and spans[row, 0] == ev.chunk_row and items < MAX_LIST_ITEMS:
            text = _sentence_text(library, row)
            if not LIST_ITEM.match(text):
                break
            if row not in taken:
                out.append(_evidence(library, row, ev.score))
                taken.add(row)
            items += 1
            row += 1
    return out


def _with_signpost_headings(library: Library, chosen: list[Evidence]) -> list[Evidence]:
    """A quote from a signposted example is preceded by the example's heading ("Signpost –
    Breckland and South Holland") and followed by any link it gives, so the answer says
    what is signposted and where to find it."""
    out: list[Evidence] = []
    taken = {ev.sentence for ev in chosen}
    for ev in chosen:
        if "signpost" not in library.chunks[ev.chunk_row].section.lower():
            out.append(ev)
            continue
        same = library.sentences.rows_of([ev.chunk_row])
        before = [int(r) for r in same if r <= ev.sentence]
        heading = next(
            (r for r in reversed(before) if SIGNPOST_HEADING.match(_sentence_text(library, r))),
            None,
        )
        if heading is not None and heading not in taken:
            out.append(_evidence(library, heading, ev.score))
            taken.add(heading)
        out.append(ev)
        for r in (int(r) for r in same if r > ev.sentence):
            text = _sentence_text(library, r)
            if SIGNPOST_HEADING.match(text):
                break  # the next signpost
            if LINK.search(text) and r not in taken:
                out.append(_evidence(library, r, ev.score))
                taken.add(r)
                break
    return out


def _sentence_text(library: Library, row: int) -> str:
    return library.sentence_text(row)


def _what_the_row_commits(
    library: Library, rows: np.ndarray, scores: np.ndarray, chosen: list[Evidence]
) -> list[Evidence]:
    """When the best quote is an action-plan row's recommendation, the row's best
    sentence of what the council will do, so the answer says both; when it is a
    signpost's heading, the signpost's first sentence, which says what it shows."""
    if chosen and SIGNPOST_HEADING.match(chosen[0].text):
        follows = chosen[0].sentence + 1
        spans = library.sentences.spans
        if (
            follows < len(spans)
            and spans[follows, 0] == chosen[0].chunk_row
            and follows not in {ev.sentence for ev in chosen}
        ):
            return [_evidence(library, follows, chosen[0].score)]
        return []
    if not chosen or library.chunks[chosen[0].chunk_row].kind != "table row":
        return []
    taken = {ev.sentence for ev in chosen}
    same_row = [
        i
        for i in np.flatnonzero(library.sentences.spans[rows, 0] == chosen[0].chunk_row)
        if rows[i] not in taken
    ]
    for i in sorted(same_row, key=lambda i: -scores[i]):
        ev = _evidence(library, rows[i], scores[i])
        if len(ev.text.split()) >= 8 and not ev.text.startswith("Recommendation"):
            return [ev]
    return []


def _answer_across_reports(
    library: Library,
    query: Query,
    vectors: np.ndarray,
    mask: np.ndarray,
    resolved: tuple[str, ...],
    cal: Calibration,
) -> Answer:
    rows, scores = _score_sentences(library, query, vectors, mask, cal)
    undiscussed = _subjects_not_discussed(library, query, rows) if len(rows) else ()
    if (
        len(rows)
        and scores.max() < cal.absent_ceiling
        and (undiscussed or _unmentioned(library, query, rows))
    ):
        in_scope = [int(p) for p in np.unique(library.report_of_row[mask])]
        return _reports_do_not_say(query, resolved, scope=len(in_scope), subjects=undiscussed)
    spans = library.sentences.spans
    best_by_report: dict[int, Evidence] = {}
    seconds: dict[int, list[Evidence]] = {}
    # Councils named to be compared are each quoted more fully than a list of councils.
    compared = _compared(library, resolved)
    more, margin = (COMPARED_QUOTES - 1, cal.quote_margin) if compared else (1, cal.second_margin)
    for i in np.argsort(-scores):
        if scores[i] < cal.aggregate_floor:
            break
        report = int(library.report_of_row[spans[rows[i], 0]])
        if report not in best_by_report:
            best_by_report[report] = _evidence(library, rows[i], scores[i])
        elif (
            len(seconds.get(report, ())) < more
            and scores[i] >= best_by_report[report].score - margin
        ):
            ev = _evidence(library, rows[i], scores[i])
            if all(
                word_overlap(ev.text, e.text, spaced_words) <= SAME_QUOTE
                for e in (best_by_report[report], *seconds.get(report, ()))
            ):
                seconds.setdefault(report, []).append(ev)
    subject = _subject_terms(library, query, rows, scores) if best_by_report else {}
    if subject:
        # A report whose sentences name the subject the best answers name ("siloes and
        # duplication", asked about silo working) is found though its wording is far
        # from the question's.
        names_it = library.sentences.matched_weight(rows, subject) >= len(subject)
        found = np.flatnonzero(names_it & (scores >= cal.mention_floor))
        found = found[np.argsort(-scores[found], kind="stable")]
        reports = library.report_of_row[spans[rows[found], 0]]
        for i, report in zip(found.tolist(), reports.tolist(), strict=True):
            if report not in best_by_report:
                best_by_report[report] = _evidence(library, rows[i], scores[i])
    in_scope = [int(p) for p in np.unique(library.report_of_row[mask])]
    shown_anyway: set[int] = set()
    if compared and len(rows):
        # Councils named to be compared ("how did Central Beds compare on that?") each show
        # their best passage, though it words the subject far from the question ("nimble"
        # beside "slow decision making"); what it says is not taken for a side. Named side by
        # side ("were Lambeth and Cambridge both told to ..."), a council's best passage must
        # answer as it would a question about that council alone.
        reports = library.report_of_row[spans[rows, 0]]
        floor = cal.mention_floor if COMPARING.search(query.question) else cal.named_floor
        for report in set(in_scope) - set(best_by_report):
            own = np.flatnonzero(reports == report)
            if len(own):
                i = int(own[np.argmax(scores[own])])
                if scores[i] >= floor:
                    best_by_report[report] = _evidence(library, rows[i], scores[i])
                    shown_anyway.add(report)
    stance = {
        r: "mentioned" if r in shown_anyway else _stance(library, ev)
        for r, ev in best_by_report.items()
    }
    wanted = "praised" if query.intent.praised and not query.intent.told else "told"
    first = (
        {"told": 0, "mentioned": 1, "praised": 2}
        if wanted == "told"
        else {"praised": 0, "mentioned": 1, "told": 2}
    )
    if query.intent.told or query.intent.praised:
        order = sorted(best_by_report, key=lambda r: (first[stance[r]], -best_by_report[r].score))
    else:
        # "Did any of the others have X?" takes no side: the best passages first.
        order = sorted(best_by_report, key=lambda r: -best_by_report[r].score)
    best = [best_by_report[r] for r in order]
    quoted, unquoted = best[:MAX_REPORTS_QUOTED], best[MAX_REPORTS_QUOTED:]
    quoted_reports = order[:MAX_REPORTS_QUOTED]
    with_seconds = [ev for r, e in zip(quoted_reports, quoted) for ev in (e, *seconds.get(r, ()))]
    chosen = _with_signpost_headings(library, with_seconds)
    labels = {}
    if query.intent.told or query.intent.praised:
        # "Told to" and "praised" say which side of the question each council is on.
        names = {"told": "told to", "praised": "praised for it"}
        labels = {
            library.report_ids[r]: names[stance[r]] for r in quoted_reports if stance[r] in names
        }
    answer = _compose(library, query, chosen, [], {}, resolved, per_report=True, stances=labels)
    if not chosen:
        return _reports_do_not_say(query, resolved, scope=len(in_scope))
    without = [library.reports[library.report_ids[p]] for p in in_scope if p not in best_by_report]
    found_councils = {c for e in best for c in library.chunks[e.chunk_row].councils}
    scope_councils = {c for p in in_scope for c in library.reports[library.report_ids[p]].councils}
    recommended = {
        c
        for r, e in zip(order, best, strict=True)
        if e.label and r not in shown_anyway
        for c in library.chunks[e.chunk_row].councils
    }
    lead = _aggregate_lead(query, len(found_councils), len(scope_councils))
    if RECOMMENDED.search(query.question) and recommended:
        lead = _recommendation_lead(len(recommended), len(found_councils), len(scope_councils))
    text = lead + "\n\n" + answer.text
    if unquoted:
        text += (
            f"\n\n{len(unquoted)} more reports have a passage on this; filter by council or "
            "date to see them."
        )
    if len(without) > MAX_REPORTS_NAMED:
        text += f"\n\nNo passage found in the other {len(without)} reports in scope."
    elif without:
        text += "\n\nNo passage found in: " + "; ".join(_report_label(r) for r in without) + "."
    return Answer(
        answer.question,
        True,
        text,
        answer.citations,
        answer.councils,
        answer.notices,
        answer.topic,
        aggregate=True,
    )


def _compared(library: Library, resolved: tuple[str, ...]) -> bool:
    """Whether a cross-report question names two or three reports' councils (`resolved`)
    to be answered side by side: "how do Lambeth and Cambridge differ on ...", "was Lambeth
    told that too, or just Bedford?", "how did Central Beds compare on that?"."""
    return 2 <= reports_named(resolved, library.joint) <= MAX_COMPARED


MAX_COMPARED = 3  # councils named in a comparison, each shown with its best passage
COMPARED_QUOTES = 3  # sentences quoted at most for each council compared


def _subject_terms(
    library: Library, query: Query, rows: np.ndarray, scores: np.ndarray
) -> dict[int, float]:
    """The question's own specific words (not the frame, not in most passages) that the
    best-scoring sentence has: the subject as the reports word it ("silo" of "silo
    working flagged as a problem"). Term id -> 1.0; {} when the best sentence has none."""
    if len(rows) == 0:
        return {}
    sentences = library.sentences
    weights = sentences.term_weights(_own_terms(query, library))
    specific = {t: w for t, w in weights.items() if t >= 0 and w > GENERIC_WEIGHT}
    if not specific:
        return {}
    best = int(rows[int(np.argmax(scores))])
    has = set(
        np.asarray(
            sentences.term_ids[sentences.terms_at[best] : sentences.terms_at[best + 1]]
        ).tolist()
    )
    # One of the question's rarest words (as the absent check counts them) must be among
    # them: else the best sentence shares only its commoner words, which name no subject.
    rarest = sorted(specific, key=lambda t: (-specific[t], t))
    if not has & set(rarest[: max(SUBJECT_TERMS, (len(rarest) + 1) // 2)]):
        return {}
    return {t: 1.0 for t in specific if t in has}


CRITICISM = re.compile(
    r"\b(need(s|ed)? to|should|must|lack\w*|limited|not yet|not clear|unclear|inconsisten\w*|"
    r"weak\w*|poor\w*|concern\w*|risk\w*|would benefit|consider|could be|more could|"
    r"however|too many|too much|insufficient|gaps?|frustrat\w*|difficult\w*)\b",
    re.IGNORECASE,
)
PRAISE = re.compile(
    r"\b(strong\w*|good|well|positive\w*|effective\w*|impressive|excellent|commend\w*|"
    r"committed|success\w*|proud|respected|valued|clear|robust|innovative|notable|"
    r"particularly|real strength|strength\w*)\b",
    re.IGNORECASE,
)


def _stance(library: Library, ev: Evidence) -> str:
    """ "told" (a recommendation, or a passage finding fault), "praised", or "mentioned"."""
    if ev.label or library.sentences.has(np.asarray([ev.sentence]), RECOMMENDATION)[0]:
        return "told"
    if CRITICISM.search(ev.text):
        return "told"
    if PRAISE.search(ev.text):
        return "praised"
    return "mentioned"


def _aggregate_lead(query: Query, found: int, scope: int) -> str:
    noun = "council" if scope == 1 else "councils"
    if query.count:
        return f"**{found} of the {scope} {noun}** in scope have a passage on this:"
    return f"Passages on this were found for {found} of the {scope} {noun} in scope:"


def _recommendation_lead(recommended: int, found: int, scope: int) -> str:
    noun = "council" if scope == 1 else "councils"
    verb = "was" if recommended == 1 else "were"
    lead = f"**{recommended} of the {scope} {noun}** in scope {verb} told this in a recommendation"
    others = found - recommended
    if others > 0:
        lead += f"; {others} more {'has' if others == 1 else 'have'} a passage on it"
    return lead + ":"


def _compose(
    library: Library,
    query: Query,
    chosen: list[Evidence],
    extra_rows: list[int],
    dense: dict[int, float],
    resolved: tuple[str, ...],
    per_report: bool,
    stances: dict[str, str] | None = None,
) -> Answer:
    """Number the passages in the order their sentences are used, then add the best
    remaining passages as further sources. `stances` (report id -> "told to" / "praised")
    labels a cross-report answer's lines."""
    # The answer groups quotes by report, so passages are numbered in that reading order.
    report_order = list(dict.fromkeys(library.chunks[ev.chunk_row].report_id for ev in chosen))
    chosen = sorted(
        chosen, key=lambda ev: report_order.index(library.chunks[ev.chunk_row].report_id)
    )
    numbers: dict[int, int] = {}
    quotes: dict[int, list[str]] = {}
    for ev in chosen:
        numbers.setdefault(ev.chunk_row, len(numbers) + 1)
        quotes.setdefault(ev.chunk_row, []).append(ev.text)
    for row in extra_rows:
        if len(numbers) >= max(MAX_CITATIONS, len(chosen)):
            break
        numbers.setdefault(row, len(numbers) + 1)

    lines: list[str] = []
    by_report: dict[str, list[Evidence]] = {}
    for ev in chosen:
        by_report.setdefault(library.chunks[ev.chunk_row].report_id, []).append(ev)
    for evidence in by_report.values():
        # Quotes from one passage read in the passage's order.
        evidence.sort(key=lambda ev: (numbers[ev.chunk_row], ev.sentence))
    for report_id, evidence in by_report.items():
        report = library.reports[report_id]
        body = " ".join(
            (f"({ev.label}) " if ev.label and per_report and not _names_itself(ev.text) else "")
            + f"{_quote(ev.text)} [{numbers[ev.chunk_row]}]"
            for ev in evidence
        )
        prefix = "- " if per_report or len(by_report) > 1 else ""
        lines.append(
            f"{prefix}**{report.council}** ({_report_label(report, with_council=False)})"
            + (f", {stances[report_id]}" if stances and report_id in stances else "")
            + f": {body}"
        )

    # A cited passage scores as its best quoted sentence; a further source by its cosine.
    evidence_score: dict[int, float] = {}
    for ev in chosen:
        evidence_score[ev.chunk_row] = max(ev.score, evidence_score.get(ev.chunk_row, -1.0))
    citations: list[Citation] = []
    for row, n in sorted(numbers.items(), key=lambda item: item[1]):
        chunk = library.chunks[row]
        used = tuple(quotes.get(row, ()))
        score = evidence_score.get(row, dense.get(row, 0.0))
        page = quoted_page(library.reports[chunk.report_id], chunk, used) or chunk.first_page
        citations.append(citation_for(chunk, n, score, used, page))
    councils = resolved or tuple(
        dict.fromkeys(c for ev in chosen for c in library.chunks[ev.chunk_row].councils)
    )
    return Answer(
        query.question,
        True,
        "\n".join(lines),
        tuple(citations),
        councils,
        (),
        query.topic,
        items=() if per_report else _rows_quoted(library, chosen),
    )


def _rows_quoted(library: Library, chosen: list[Evidence]) -> tuple[str, ...]:
    """The action-plan rows whose passages an answer quotes, best quote first: a follow-up
    asking for a column ("which cabinet member has that?") is about them."""
    if not library.actions_by_chunk:
        return ()
    best_first = sorted(chosen, key=lambda ev: -ev.score)
    return tuple(
        dict.fromkeys(
            action.id
            for ev in best_first
            for action in library.actions_by_chunk.get(library.chunks[ev.chunk_row].id, ())
        )
    )


def _with_further_sources(
    library: Library, query: Query, answer: Answer, vectors: np.ndarray, mask: np.ndarray
) -> Answer:
    """A structured answer with the best further passages as sources after its own (as a
    passage answer has), for an officer who wants to read round it."""
    if len(answer.citations) >= MAX_CITATIONS:
        return answer
    cited = {c.chunk_id for c in answer.citations}
    rows = rank_passages(
        library, vectors[0], _search_text(query, library), mask, MAX_CITATIONS * 2
    )[0]
    further = [int(r) for r in rows if library.chunks[int(r)].id not in cited]
    dense = _cosines(library, vectors[0], further)
    citations = list(answer.citations)
    for row in further[: MAX_CITATIONS - len(citations)]:
        chunk = library.chunks[row]
        citations.append(citation_for(chunk, len(citations) + 1, dense.get(row, 0.0)))
    return replace(answer, citations=tuple(citations))


def _cosines(library: Library, vector: np.ndarray, rows: list[int]) -> dict[int, float]:
    """Passage row -> cosine of its passage vector to `vector`."""
    if not rows:
        return {}
    scores = library.dense.scores(vector, np.asarray(rows))
    return {row: float(scores[row]) for row in rows}


def _reports_do_not_say(
    query: Query,
    resolved: tuple[str, ...],
    scope: int = 0,
    subjects: tuple[str, ...] = (),
) -> Answer:
    where = f" of {join_names(list(resolved))}" if resolved else ""
    why = (
        f"none of their passages mentions {' or '.join(subjects)}"
        if subjects
        else "no passage is close enough to the question to answer it"
    )
    return Answer(
        query.question,
        False,
        f"The reports{where} in the library do not say: {why}. Try other words, or widen "
        "the filters.",
        councils=resolved,
        topic=query.topic,
    )


def _report_label(report: Report, with_council: bool = True) -> str:
    label = f"{report.report_type}, {display_date(report.date)}"
    return f"{report.council} ({label})" if with_council else label


def _names_itself(sentence: str) -> bool:
    """Whether a quote already says which recommendation it is ("Recommendation 2: ...")."""
    return bool(re.match(r"\s*(key\s+)?recommendation\s+\w+\s*:", sentence, re.IGNORECASE))


def _quote(sentence: str) -> str:
    """A sentence as it appears in the answer: one line, bullets dropped."""
    text = " ".join(sentence.split())
    return re.sub(r"^[\u2022\-*]\s*", "", text)
