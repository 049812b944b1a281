"""What a question asks for: the kind of answer, read from its wording.

The kinds follow the structure of the reports, not particular questions: an action plan's
columns (the action, its sponsor, its lead, its dates), the register (a council's list of
recommendations), signposted practice, the report's own dates, and in prose a person, a
figure, a date or a yes/no judgement. Cross-council questions also say which side they
want: what councils were told to do, or what they were praised for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from peerchat.index.store.lexical import overlap_terms

# Action-plan columns.
LEAD = re.compile(
    r"\b(who|which (officer|service|team|department|directorate|area|director|lead))\b"
    r".{0,60}\b(lead|leads|leading|led|in charge|responsible|owns?|owning|accountable|"
    r"deliver\w*|heads?|heading|runs?|running|charge)\b"
    r"|\blead (service|officer|area|directorate)\b|\bwho('s| is)? (leading|in charge)\b"
    r"|\bwho will\b|\bwho'?s (doing|delivering|responsible)\b",
    re.IGNORECASE,
)
SPONSOR = re.compile(
    r"\bsponsor\w*|\bportfolio holder\b|\bPH\b|\bcabinet (member|lead|sponsor)\b"
    r"|\bwhich (councillor|member|politician|cabinet)\b|\bpolitical (lead|owner|sponsor)\b",
    re.IGNORECASE,
)
DUE = re.compile(
    r"\bby when\b|\bwhen\b|\bdeadlines?\b|\btime ?scales?\b|\btime ?frames?\b|\btime ?lines?\b"
    r"|\bdue\b|\bhow long\b|\bwhat date\b|\bwhich date\b|\bby what date\b|\bschedule[ds]?\b"
    r"|\bfinish\w*\b|\bcompleted?\b|\bin place\b|\btiming\b",
    re.IGNORECASE,
)
ACTION = re.compile(
    r"\b(commit\w*|pledge\w*|promis\w*|agree[ds]? to|actions?|plans? to|planning to|"
    r"going to|will (it|they|the council|bedford|\w+ council) (do|deliver|put)|respon(d|se)\w*|"
    r"do about|doing about|intend\w*|propos\w*)\b",
    re.IGNORECASE,
)
# "Recommendation 12", "rec 3", "recommendations 5 to 7".
NUMBERED = re.compile(r"\b(?:recommendation|rec|row|item)\.?\s*(?:no\.?\s*)?(\d{1,2})\b", re.I)

# "What was Lambeth told to do?"
TOLD_TO_DO = r"\b(told|advised|asked|urged)\b.{0,40}\bto do\b"
# A list of a council's recommendations.
RECOMMENDATIONS = re.compile(
    r"\brecommendations?\b|\brecs\b|"
    + TOLD_TO_DO
    + r"|\bwhat (were|was) \w+ told\b|\bto-?do list\b|\b(main |key |top )?asks of\b"
    r"|\baction points\b|\bwhat (should|must) .{1,40} do\b"
    r"|\bwhat (did|do|does|have|has) .{1,40}\brecommend\b",
    re.IGNORECASE,
)
# "Lambeth's recommendations on scrutiny": a list narrowed to a topic.
RECOMMENDATIONS_ON = re.compile(
    r"\brecommendations?\b|\brecs\b|\bto-?do\b|\basks\b|" + TOLD_TO_DO, re.I
)
# Words a request for "the recommendations" (or "the signposts") may carry without
# narrowing it to a topic.
LIST_TERMS = overlap_terms(
    "what which were was are is the me give list show tell name summary summarise "
    "summarize rundown run down quick brief overview all main key top headline biggest "
    "most important priority priorities recommendation recommendations recs made make "
    "did do does get got given peer peers team challenge report reports feedback lga "
    "council councils they them their told advised asked set out come came up there any "
    "about please pls overall from for of on in to by with at as and or its it asks ask "
    "coming list lists things thing points point bullets bullet few couple sum up short "
    "gave giving handed respond responds responding response responses "
    # asking politely, and the name of the review itself
    "can could would you i we my want need know cpc corporate "
    "ok so just only actually really ones verdict "
    # how many there were ("the six key recommendations")
    "one two three four five six seven eight nine ten eleven twelve"
)
SIGNPOST_TERMS = overlap_terms(
    "signpost signposts signposted good best practice example examples elsewhere learn "
    "learning other councils doing done well"
)
# What a follow-up asks of the item before it, without naming a new subject.
COLUMN_TERMS = overlap_terms(
    "who lead leads leading sponsor sponsors sponsored when due deadline date dates long "
    "timescale timeframe responsible charge owns owner cabinet member action actions plan "
    "deliver delivering delivered finish finished complete completed area officer"
)


def bare(topic: str, *words: frozenset[str], allowed: int = 0) -> bool:
    """Whether `topic` has no more than `allowed` words beyond the list words (and any
    further `words`)."""
    rest = {t for t in overlap_terms(topic) - LIST_TERMS if not t.isdigit()}
    for more in words:
        rest -= more
    return len(rest) <= allowed


SIGNPOSTS = re.compile(
    r"\bsignpost\w*|\bgood practice\b|\bbest practice\b|\bpractice examples?\b"
    r"|\bexamples? of\b|\bexamples?\b.{0,40}\b(elsewhere|councils?|doing|done)\b"
    r"|\blearn(ing)? from\b|\bwho (else|has done|does(?! what\b))\b|\belsewhere\b"
    # "did the peers point them to anyone doing shared digital well?"
    r"|\b(anyone|anybody|someone|somebody|other councils?|others)\s+(doing|who (does|did|has|have))\b"
    # "who did the peers hold up as a model for ...", "any example given for ..."
    r"|\b(held|hold|holds)\s+up\b|\bas\s+an?\s+(model|exemplar)\b|\brole\s+models?\b"
    r"|\bexamples?\s+(given|cited|offered|quoted|pointed to)\b",
    re.IGNORECASE,
)

PERSON = re.compile(
    r"^\W*(who|whom|whose)\b|\bwho (was|is|were|are|from|at|chairs?|leads?|led)\b"
    r"|\bwhich (person|officer|peer|peers|member|councillor|people|of them)\b"
    r"|\b(name|names) of\b|\bcontact\b",
    re.IGNORECASE,
)
# A sum asked for by what it is: "what saving was pinned on it?", "what's the overspend?"
# ("what cost pressures ...?" asks what they are, not how much).
SUM_ASKED = (
    r"\bwhat(?:['’]s| is| was| were| are)?\s+(?:the\s+|their\s+|its\s+)?(?:\w+\s+)?"
    r"(?:savings?|costs?|overspend\w*|underspend\w*|deficits?|shortfalls?)\b"
    r"(?!\s+(?:pressures?|proposals?|plans?|measures?|options?|programmes?)\b)"
)
FIGURE = re.compile(
    r"\bhow (many|much|long|often|big|large)\b|\bwhat (percentage|proportion|number|amount|"
    r"share|figure|level|sum)\b|\bby how much\b|\bhow many\b|\bnumber of\b"
    # a quantity asked for by its unit ("peer team hours on site: A vs B?")
    r"|\b(hours|days)\b|" + SUM_ASKED,
    re.IGNORECASE,
)
# A figure asked for by its sign or its name alone ("resident sat %", "grants pot size"),
# unless the question asks why, who or when of it ("why don't they trust the figures?").
WHO_ASKED = re.compile(r"\b(?:who|whom|whose)\b", re.IGNORECASE)
FIGURE_NAMED = re.compile(
    r"[%£]|\bper\s?cent\b|\b(?:figures?|size|amount|percentage|proportion)\b", re.IGNORECASE
)
WHEN = re.compile(
    r"^\W*(when|what date|which date|what year|what month|by when)\b|\bwhen\b|\bdates?\b|\bhow soon\b"
    r"|\btiming\b",
    re.I,
)
# "When did the peer team visit?": the report's own dates answer it; a follow-up visit,
# a deadline or a launch is something the text says.
VISIT = re.compile(
    r"\b(visit\w*|peer challenge|peer review|peer team|on ?site|take place|took place|came|come|"
    r"happen\w*|held|carried out|report (was )?(published|dated|written)|"
    r"(peers?|reviewers?|team|they) (were|was) (at|in|with)|"
    r"(were|was) (the )?(peers?|reviewers?|(peer )?team|they) (\w+ly )?(at|in|with))\b",
    re.IGNORECASE,
)
NOT_THE_VISIT = re.compile(
    r"\b(follow[- ]?up|next|return\w*|revisit\w*|second|another|future|deadline|due|meet\w*|"
    r"launch\w*|start\w*|complet\w*|finish\w*|deliver\w*|in place|set up|created|formed|"
    r"established|founded|join\w*|since|expected|plan\w*|will|by when|review of)\b",
    re.IGNORECASE,
)
# The peer team itself: who was on it ("which chief executive sat on the peer team?").
PEER_TEAM = re.compile(
    r"\bpeers\b|\bpeer (challenge |review )?teams?\b|\b(on|in) the team\b|\breviewers?\b",
    re.IGNORECASE,
)
# "what did the peers say about X": the peers as who speaks, not as the subject.
PEERS_SPEAKING = re.compile(
    r"\b(?:the\s+)?peers?(?:\s+team)?\s+(?:(?:did|do|have|had)\s+)?(?:say|says|said|think|thought|"
    r"find|found|felt|feel|suggest\w*|recommend\w*|flag\w*|note\w*|raise\w*|tell|told|make|made|"
    r"like|liked|want\w*|mean|meant|see|saw|reckon\w*|believe\w*|consider\w*|judge\w*|"
    r"conclude\w*|describe\w*|highlight\w*|comment\w*|prais\w*|criticis\w*|rate\w*)\b",
    re.IGNORECASE,
)


# "which of the peers found ...", "which peer recommended ...": one of the team is asked for.
ONE_OF_THE_PEERS = re.compile(
    r"\bwhich\s+(?:one\s+)?(?:of\s+)?(?:the\s+)?(?:\w+\s+)?peers?\b|\bwho\s+(?:on|from|in)\s+the\s+"
    r"(?:peer\s+)?team\b",
    re.IGNORECASE,
)


def names_the_team(text: str) -> bool:
    """Whether `text` is about the peer team itself ("who was on the peer team", "which of
    the peers found ..."), not only what the peers said ("what did the peers say")."""
    if ONE_OF_THE_PEERS.search(text):
        return True
    return bool(PEER_TEAM.search(PEERS_SPEAKING.sub(" ", text)))


# Not a member but when the team came, or what it pointed to.
NOT_A_MEMBER = re.compile(r"\bdates?\b|\bdays?\b|\bexamples?\b", re.IGNORECASE)
MEMBER = re.compile(
    r"\b(who|which (one|\w+( \w+)?)) (was|were|is|are|sat|served|came)\b"
    r"|\b(sat|served|was|were|is|are) (on|in)\b|\b(came|come|was|were) from\b"
    r"|\bwhich of (them|the peers|the team)\b|\bwhich of\b.{0,40}\bpeers\b"
    r"|\b(someone|anyone|anybody|somebody|members?|person|people) (from|on|of)\b",
    re.IGNORECASE,
)
# "Which was visited first, A or B?": the reports' dates, in order.
ORDER = re.compile(r"\b(first|earlier|earliest|later|latest|most recent|older|newer)\b", re.I)
WHY = re.compile(
    r"^\W*(?:(?:so|and|but|ok|okay|then)\W+)?why\b"
    r"|\bwhy (is|are|was|were|do|does|did|has|have|had|should|would|must|can|could|will|not)\b"
    r"|\bwhat caused\b",
    re.I,
)
YES_NO = re.compile(
    r"^\W*(is|are|was|were|do|does|did|has|have|had|can|could|should|will|would)\b", re.I
)

# Cross-council stance.
TOLD = re.compile(
    r"\b(told|advised|recommended|asked|encouraged|urged|needs? to|needed to|should|"
    r"criticis\w*|challenged|weak\w*|problems?|issues?|concerns?|struggl\w*|lack\w*|"
    r"improve|improving|fix|address)\b",
    re.IGNORECASE,
)
PRAISED = re.compile(
    r"\b(prais\w*|commend\w*|strengths?|strong|good at|did well|doing well|positive\w*|"
    r"credit\w*|recognised for|excel\w*|impress\w*|success\w*|well regarded|applaud\w*)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Intent:
    """The kinds of answer a question asks for (several may hold at once)."""

    lead: bool = False
    sponsor: bool = False
    due: bool = False
    action: bool = False
    numbered: int = 0  # "recommendation 12" -> 12
    recommendations: bool = False  # the council's recommendations, no narrower topic
    recommendations_on: bool = False  # the council's recommendations on a topic
    signposts: bool = False
    person: bool = False
    figure: bool = False
    when: bool = False
    why: bool = False
    visit_date: bool = False
    yes_no: bool = False
    peer_team: bool = False  # who was on the peer team
    told: bool = False
    praised: bool = False

    def __or__(self, other: Intent) -> Intent:
        """Either's kinds (numbered: the first that names one)."""
        merged = {
            name: (getattr(self, name) or getattr(other, name))
            for name in self.__dataclass_fields__
        }
        return Intent(**merged)

    @property
    def plan_column(self) -> bool:
        """Whether an action plan's columns answer it (sponsor, lead, dates, the action)."""
        return self.action or self.row_cell

    @property
    def row_cell(self) -> bool:
        """Whether it asks for a cell only an action plan's row has (sponsor, lead, dates,
        a numbered row); "what were they asked to do?" (the action) a report answers too."""
        return self.lead or self.sponsor or self.due or bool(self.numbered)


def read_intent(question: str, topic: str = "") -> Intent:
    """The Intent of `question`; `topic` is what is left of it once councils and the
    question's frame are removed (a list request leaves nothing else)."""
    text = " ".join(question.split())
    numbered = NUMBERED.search(text)
    when = bool(WHEN.search(text))
    told, praised = bool(TOLD.search(text)), bool(PRAISED.search(text))
    return Intent(
        lead=bool(LEAD.search(text)),
        sponsor=bool(SPONSOR.search(text)),
        due=bool(DUE.search(text)),
        action=bool(ACTION.search(text)),
        numbered=int(numbered.group(1)) if numbered else 0,
        recommendations=bool(RECOMMENDATIONS.search(text)) and bare(topic or text),
        recommendations_on=bool(RECOMMENDATIONS_ON.search(text)) and not bare(topic or text),
        signposts=bool(SIGNPOSTS.search(text)),
        person=bool(PERSON.search(text)),
        figure=bool(FIGURE.search(text))
        or (
            bool(FIGURE_NAMED.search(text))
            and not (WHY.search(text) or PERSON.search(text) or WHO_ASKED.search(text) or when)
        ),
        when=when,
        why=bool(WHY.search(text)),
        visit_date=(when or bool(ORDER.search(text)))
        and bool(VISIT.search(text))
        and not NOT_THE_VISIT.search(text),
        yes_no=bool(YES_NO.search(text)),
        peer_team=names_the_team(text)
        and bool(MEMBER.search(text))
        and not (
            FIGURE.search(text) or when or NOT_A_MEMBER.search(text) or SIGNPOSTS.search(text)
        ),
        told=told and not (praised and not re.search(r"\b(told|advised|recommended)\b", text)),
        praised=praised,
    )
