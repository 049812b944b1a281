"""The peer team: who was on it, read from the list every feedback report prints ("The
peers who delivered the peer challenge were:" and a line per peer: name, role, employer).

A question about a member ("which chief executive sat on Lambeth's peer team?", "which one
was the finance person?") is answered from those lines, ranked by the role asked for; a
question naming a council with no report as a peer's employer ("which councils had
someone from Exeter on the peer team?") by the lines naming it.
"""

from __future__ import annotations

import re

import numpy as np

from peerchat.index.search.intent import MEMBER, names_the_team
from peerchat.index.search.query import FRAME_TERMS, Query
from peerchat.index.store.lexical import overlap_terms
from peerchat.index.store.library import Library
from peerchat.index.store.sentences import LIST_ITEM, PERSON

LEAD_IN = re.compile(r"\bpeers?\b.*:\s*$", re.IGNORECASE)
# Words of a question about membership that name no role.
MEMBERSHIP_TERMS = overlap_terms(
    "who whom which one ones sat sit served serve was were is are came come member members "
    "person people someone anyone somebody anybody on in the team peer peers of them went "
    "go visited"
)


def asks_about_members(query: Query) -> bool:
    """Whether the question asks who was on the peer team, itself or as a follow-up to a
    question about the peers ("which one was the finance person?")."""
    if query.intent.peer_team:
        return True
    return (
        query.follow_up
        and names_the_team(f"{query.topic} {query.context}")
        and bool(MEMBER.search(query.question))
    )


def role_terms(text: str) -> set[str]:
    """The words of a membership question that say which member: "chief executive",
    "finance"; none for "who was on the peer team?"."""
    return {t for t in overlap_terms(text) - FRAME_TERMS - MEMBERSHIP_TERMS if not t.isdigit()}


def member_rows(library: Library, mask: np.ndarray) -> np.ndarray:
    """Rows of the sentences, in passages under `mask`, that are lines of a peer-team
    list: a person's line in a list led in by a sentence naming the peers."""
    return member_lines(library, library.sentences.rows_of(np.flatnonzero(mask)))


def member_lines(library: Library, rows: np.ndarray) -> np.ndarray:
    """Those of the sentence `rows` that are lines of a peer-team list."""
    sentences = library.sentences
    rows = rows[sentences.has(rows, PERSON) > 0]
    spans = sentences.spans
    found: list[int] = []
    for row in (int(r) for r in rows):
        if not LIST_ITEM.match(library.sentence_text(row)):
            continue
        back = row - 1
        while back >= 0 and spans[back, 0] == spans[row, 0]:
            text = library.sentence_text(back)
            if not LIST_ITEM.match(text):
                if LEAD_IN.search(text):
                    found.append(row)
                break
            back -= 1
    return np.asarray(found, dtype=np.int64)
