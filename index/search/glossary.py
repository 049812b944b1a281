"""How the reports write what officers ask: the one glossary both the search and the
answer read.

- "IT" in capitals ("what did they say about IT?", "IT or ICT") is information technology,
  not the pronoun the model and the term index take it for.
- "Cllr" is a councillor, "CEX" a chief executive: a question's word brings its written
  forms into the lexical overlap of the sentences it is answered from.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
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
    }
)


def searched_as(topic: str) -> str:
    """`topic` as it is searched: "IT" alone written out as information technology."""
    return TECHNOLOGY.sub(TECHNOLOGY_SEARCHED, topic)


def spelt_out(question: str) -> str:
    """`question` with "IT" in capitals as the words it stands for, so that reading what it
    is about ("anything about IT systems?") does not take it for the pronoun."""
    return CAPITAL_IT.sub("information technology", question)


def expanded_terms(topic: str) -> set[str]:
    """The overlap terms of `topic` and of the ways the reports write its words."""
    words = topic.lower().split()
    extra = " ".join(WRITTEN_AS[w] for w in words if w in WRITTEN_AS)
    return overlap_terms(f"{topic} {extra}")
