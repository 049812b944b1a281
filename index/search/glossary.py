"""How the reports write what officers ask: the one glossary both the search and the
answer read.

- "IT" in capitals ("what did they say about IT?", "IT or ICT") is information technology,
  not the pronoun the model and the term index take it for.
- "Cllr" is a councillor, "CEX" a chief executive: a question's word brings its written
  forms into the lexical overlap of the sentences it is answered from.
- Local government's abbreviations ("O&S", "HRA") are written out beside them when a
  library never writes them itself, so that the search reads what an officer's shorthand
  means.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from types import MappingProxyType

from peerchat.index.store.lexical import overlap_terms

# "IT systems" says what it is already; "IT" alone is searched as the whole of it.
TECHNOLOGY = re.compile(r"\bIT\b(?!\s+(?:systems?|infrastructure|equipment|estate|services?)\b)")
TECHNOLOGY_SEARCHED = "information technology (IT) systems and infrastructure"
CAPITAL_IT = re.compile(r"\bIT\b")

WRITTEN_AS: Mapping[str, str] = MappingProxyType(
    {
        "councillor": "cllr",
        "councillors": "cllr members",
        "cllr": "councillor",
        "politician": "cllr councillor leader",
        "political": "cllr councillor leader",
        "politicians": "members councillors",
        "member": "cllr councillor",
        "ceo": "chief executive",
        "cex": "chief executive",
        "executive": "cex",
        "exec": "executive cex",
        "lga": "local government association",
        "money": "financial finance budget",
        "finances": "financial finance budget",
        "staff": "workforce employees",
        "residents": "residents community",
        "speak": "spoke",
        "talk": "spoke contact",
        "talked": "spoke",
        "interviewed": "spoke",
        # the other side of what was said: the peers' reservations
        "catch": "concern concerned however risk",
        "downside": "concern concerned however risk",
        "downsides": "concern concerned however risk",
        "drawback": "concern concerned however risk",
        "drawbacks": "concern concerned however risk",
    }
)


# Everyday shorthand typed in a chat box ("for how many yrs?", "perf reporting"). It is
# always written out, even where a report writes it too ("Cllr" before a name): the
# question is about what it stands for ("cllr development"), not the title.
SHORTHAND: Mapping[str, str] = MappingProxyType(
    {
        "yr": "year",
        "yrs": "years",
        "mths": "months",
        "mnths": "months",
        "wks": "weeks",
        "govt": "government",
        "dept": "department",
        "depts": "departments",
        "mgmt": "management",
        "mgr": "manager",
        "mgrs": "managers",
        "info": "information",
        "comms": "communications",
        "perf": "performance",
        "cllr": "councillor",
        "cllrs": "councillors",
        "exec": "executive",
        "org": "organisation",
        "orgs": "organisations",
        "regen": "regeneration",
        "strat": "strategy",
        "env": "environment",
        "ops": "operations",
        "svc": "service",
        "svcs": "services",
        "approx": "approximately",
        "econ": "economic",
        "dev": "development",
    }
)


# Local government's common abbreviations, as officers type them. Those that are also
# English words ("SEND", "PH") count only in capitals.
ABBREVIATIONS: Mapping[str, str] = MappingProxyType(
    {
        "o&s": "overview and scrutiny",
        "osc": "overview and scrutiny committee",
        "hra": "housing revenue account",
        "mtfs": "medium term financial strategy",
        "mtfp": "medium term financial plan",
        "vcs": "voluntary and community sector",
        "vcse": "voluntary, community and social enterprise sector",
        "smt": "senior management team",
        "slt": "senior leadership team",
        "cmt": "corporate management team",
        "clt": "corporate leadership team",
        "elt": "executive leadership team",
        "hr": "human resources",
        "ict": "information and communications technology",
        "kpi": "key performance indicator",
        "kpis": "key performance indicators",
        "asc": "adult social care",
        "csc": "children's social care",
        "lep": "local enterprise partnership",
        "ccg": "clinical commissioning group",
        "stp": "sustainability and transformation plan",
        "ics": "integrated care system",
        "dsg": "dedicated schools grant",
        "cil": "community infrastructure levy",
        "s106": "section 106 planning obligations",
        "fte": "full-time equivalent posts",
        "s151": "section 151 chief finance officer",
        "cfo": "chief finance officer",
        "edi": "equality, diversity and inclusion",
        "asb": "anti-social behaviour",
        "cpc": "corporate peer challenge",
        "pfi": "private finance initiative",
        "send": "special educational needs and disabilities",
        "ph": "portfolio holder",
        "od": "organisational development",
        "mo": "monitoring officer",
        "ce": "chief executive",
        "lt": "leadership team",
        **SHORTHAND,
    }
)
IN_CAPITALS_ONLY = frozenset({"send", "ph", "od", "mo", "lt"})
ABBREVIATION = re.compile(r"(?<![\w&])([a-z]{1,2}&[a-z]{1,2}|[a-z]{2,5}\d{0,3})(?![\w&])", re.I)


def abbreviations_in(text: str) -> list[tuple[str, str]]:
    """(abbreviation, what it stands for) for each known abbreviation in `text`, once."""
    found: dict[str, str] = {}
    for match in ABBREVIATION.finditer(text):
        key = match.group(1).lower()
        if key in ABBREVIATIONS and (key not in IN_CAPITALS_ONLY or match.group(1).isupper()):
            found.setdefault(key, ABBREVIATIONS[key])
    return list(found.items())


def written_out(text: str, written: Callable[[str], bool]) -> str:
    """`text` with what its abbreviations stand for beside them ("O&S (overview and
    scrutiny)"), but for those `written` says the library writes as they are. One that is
    also a word ("SEND") is always written out: a library's "send" is the verb."""
    for typed, meaning in abbreviations_in(text):
        if written(typed) and typed not in IN_CAPITALS_ONLY and typed not in SHORTHAND:
            continue
        text = re.sub(
            r"(?<![\w&])" + re.escape(typed) + r"(?![\w&])",
            lambda m, meaning=meaning: f"{m.group(0)} ({meaning})",
            text,
            flags=re.IGNORECASE,
        )
    return text


def searched_as(topic: str) -> str:
    """`topic` as it is searched: "IT" alone written out as information technology."""
    return TECHNOLOGY.sub(TECHNOLOGY_SEARCHED, topic)


def spelt_out(question: str) -> str:
    """`question` with "IT" in capitals as the words it stands for, so that reading what it
    is about ("anything about IT systems?") does not take it for the pronoun."""
    return CAPITAL_IT.sub("information technology", question)


def written_forms(topic: str) -> dict[str, frozenset[str]]:
    """For each word of `topic` the glossary knows, the terms of the ways the reports write
    it ("money": "financial finance budget")."""
    return {w: overlap_terms(WRITTEN_AS[w]) for w in topic.lower().split() if w in WRITTEN_AS}


def term_groups(topic: str) -> list[tuple[frozenset[str], frozenset[str]]]:
    """The overlap terms of `topic`, word by word: (the word's own terms, those and the
    terms of the ways the reports write it: "staff", "staff workforce employees"). A
    sentence holding any of the second holds the word."""
    groups: dict[tuple[frozenset[str], frozenset[str]], None] = {}
    for word in topic.split():
        terms = overlap_terms(word)
        forms = WRITTEN_AS.get(word.lower().strip(".,;:!?()'\"’"))
        if forms:  # "councillor" is written "cllr" too (its own term is a name word)
            groups.setdefault((terms, terms | overlap_terms(forms)), None)
            continue
        for term in sorted(terms):  # "25/26": three terms of their own ("25", "26", ...)
            one = frozenset({term})
            groups.setdefault((one, one), None)
    return list(groups)


def expanded_terms(topic: str) -> set[str]:
    """The overlap terms of `topic` and of the ways the reports write its words."""
    return set(overlap_terms(topic)).union(*written_forms(topic).values())
