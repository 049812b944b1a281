"""Words a PDF broke apart, mended against the reports' own vocabulary.

A narrow table cell wraps a word without a hyphen, and the text layer keeps the break as a
space: "Chief Executive/Corp orate Leadership Team", "Communicatio ns & Communities". Two
fragments are joined when the joined word is a word the reports use elsewhere and a
fragment is not: "Corp" + "orate" -> "Corporate" (the Bedford plan says "Corporate" 24
times and never "orate" on its own). Real word pairs stay apart ("in sight" is not
"insight": "in" and "sight" are words). No list of words to mend is kept anywhere.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

_WORD = re.compile(r"[A-Za-z]+")
# A fragment, one space or line break, a lower-case fragment (a wrapped word goes on in
# lower case); the lookahead finds overlapping pairs.
_PAIR = re.compile(r"(?<![A-Za-z])(?=([A-Za-z]+)[ \n]([a-z]+)(?![A-Za-z]))")
_SHORT = 4  # a known word this short before a break is taken as a word ("in", "to", "for")


@dataclass(frozen=True)
class Vocabulary:
    """How often each word (lower case) occurs in some texts (a report's own, usually).

    `is_word` asks whether a fragment occurs as a word of its own, not only in the broken
    pair being judged: "orate" occurs once in the Bedford plan, in "Corp orate".
    """

    words: Counter = field(default_factory=Counter)
    texts: tuple[str, ...] = ()

    @classmethod
    def of(cls, texts: Iterable[str]) -> Vocabulary:
        """The vocabulary of `texts`."""
        texts = tuple(texts)
        words: Counter = Counter()
        for text in texts:
            words.update(_WORD.findall(text.lower()))
        return cls(words, texts)

    def is_word(self, fragment: str, pair: tuple[str, str]) -> bool:
        """Whether `fragment` (lower case) occurs other than in the pair `pair`."""
        count = self.words[fragment]
        if count == 0:
            return False
        broken = re.compile(rf"(?<![A-Za-z]){pair[0]}\s+{pair[1]}(?![A-Za-z])", re.I)
        return count > sum(len(broken.findall(text)) for text in self.texts)


def mend_words(text: str, vocabulary: Vocabulary) -> str:
    """`text` with each word broken by the PDF ("Corp orate") joined again."""
    if not text or not vocabulary.words:
        return text
    out: list[str] = []
    cursor = 0
    for m in _PAIR.finditer(text):
        a, b = m.group(1), m.group(2)
        start = m.start()
        if start < cursor:
            continue  # the first fragment was already joined to the word before it
        if _joins(a, b, vocabulary):
            out.append(text[cursor:start] + a + b)
            cursor = start + len(a) + 1 + len(b)
    out.append(text[cursor:])
    return "".join(out)


def _joins(a: str, b: str, vocabulary: Vocabulary) -> bool:
    lower_a, lower_b = a.lower(), b.lower()
    if len(lower_a) < 2 or len(lower_b) < 2 or lower_a + lower_b not in vocabulary.words:
        return False
    pair = (lower_a, lower_b)
    a_word, b_word = vocabulary.is_word(lower_a, pair), vocabulary.is_word(lower_b, pair)
    if a_word and b_word:
        return False
    return not (a_word and len(lower_a) < _SHORT)
