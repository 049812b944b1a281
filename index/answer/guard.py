"""The guard between a language model and the user: only sentences tied to a passage the
model was given get through.

The model's text is read sentence by sentence as it arrives (so a stream can show guarded
sentences only). For each sentence:

- its `[n]` markers that name no passage the model was given are removed;
- each remaining marker is kept only if its passage supports the sentence: enough of the
  sentence's content words are in the passage (stemmed overlap) and the sentence is close
  in meaning to one of the passage's sentences (embedding cosine);
- a sentence left with no supported marker is dropped. A sentence that had no marker at
  all is dropped too, unless one passage supports it strongly (a higher bar than for a
  marked sentence, and at least six words): then it is attributed to that passage, and
  the answer says so. Why:
  small models often forget a marker on a sentence that is a near-quote, and dropping
  those loses good answers without making any claim safer;
- a sentence that repeats the model's instructions is dropped whatever it cites, and so
  is one the answer has already said;
- a line that is only a council's name (a heading of a council-by-council answer) is kept:
  it claims nothing.

Kept markers are renumbered in order of first use. `Guard.notices()` says how many
sentences were dropped and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from peerchat.index.embedding.embedders import Embedder
from peerchat.index.store.lexical import overlap_terms
from peerchat.ingest.sentences import ABBREVIATIONS, split_sentences

# Support: share of the sentence's content words found in the passage, and the cosine
# to the passage's closest sentence, averaged. Its floors are the embedder's calibration
# (support_floor, min_coverage; for an unmarked sentence, attributed to a passage only on
# much stronger support, attach_floor and attach_coverage), and an unmarked sentence must
# be a sentence rather than an echoed heading:
ATTACH_MIN_WORDS = 6
# Words that say nothing about what a report found.
GENERIC = overlap_terms(
    "council councils borough district city county peer team challenge report reports "
    "found finds recommended recommends recommendation suggested advised noted passage"
)
MARKER = re.compile(
    r"\[\s*(?:(?:passage|source|ref)\s*)?(\d{1,3}(?:\s*[,;]\s*(?:(?:passage|source|ref)\s*)?\d{1,3})*)\s*\]",
    re.IGNORECASE,
)
PREFIX = re.compile(r"^\s*(?:[-*\u2022]|\d{1,2}[.)])\s+|^\s*#{1,6}\s+")
SPLIT = re.compile(
    r"(?:(?<=[.!?\u2026])|(?<=[.!?\u2026][\"'\u2019\u201d)*])|(?<=[.!?\u2026][\"'\u2019\u201d)*]{2})|(?<=\]))"
    r"[ \t]+(?=[^\s\[a-z(])"
)
FILLER_WORDS = frozenset(
    ["council", "borough", "district", "city", "county", "london", "and", "of", "the"]
)
INTERROGATIVES = frozenset(
    "what which who whom whose how when where why is are does did do was were can could".split()
)
MIN_ANSWER_WORDS = 10  # fewer is a heading or a fragment, not an answer
LEAK_WORDS = 6  # a run of this many words of the instructions is a leak


@dataclass(frozen=True)
class Source:
    """A passage as the model saw it: its number in the prompt, text and council."""

    n: int
    text: str
    council: str = ""


class Guard:
    """Feed the model's text in pieces; get back guarded Markdown in pieces."""

    def __init__(
        self,
        sources: list[Source],
        embedder: Embedder,
        instructions: str = "",
        question: str = "",
    ) -> None:
        self.sources = {s.n: s for s in sources}
        self.embedder = embedder
        self.calibration = embedder.calibration
        self.numbers: dict[int, int] = {}  # given n -> n in the answer, in order of use
        self.quotes: dict[int, list[str]] = {}  # given n -> passage sentences used
        self.invalid_markers = 0
        self.unsupported = 0
        self.unmarked = 0
        self.attached = 0
        self.leaked = 0
        self.echoed = 0
        self._question_words = set(_words(question))
        self._sentences = {s.n: split_sentences(s.text) or [s.text] for s in sources}
        self._terms = {s.n: overlap_terms(s.text) for s in sources}
        self._council_terms = {s.n: overlap_terms(s.council) for s in sources}
        flat = [t for s in sources for t in self._sentences[s.n]]
        vectors = embedder.embed(flat) if flat else np.zeros((0, 1), dtype=np.float32)
        self._vectors: dict[int, np.ndarray] = {}
        at = 0
        for s in sources:
            k = len(self._sentences[s.n])
            self._vectors[s.n] = vectors[at : at + k]
            at += k
        self._name_words = {w for s in sources for w in _words(s.council)} - FILLER_WORDS
        self._label_words = self._name_words | FILLER_WORDS
        self._leaks = _shingles(instructions)
        self._seen: set[str] = set()
        self._buffer = ""
        self._out: list[str] = []
        self._gap = 0  # line breaks seen since the last kept text
        self._prefix = ""  # the list marker of the current line, until a sentence is kept
        self._line_has_text = False
        self._at_line_start = True
        self._held: tuple[str, bool] | None = None  # a council heading, on the current line?
        self._held_gap = 0

    # ------------------------------------------------------------------ feeding

    def feed(self, piece: str) -> str:
        """Take the next piece of the model's text; return the guarded text it completes."""
        self._buffer += piece
        out = []
        while "\n" in self._buffer:
            line, self._buffer = self._buffer.split("\n", 1)
            out.append(self._line(line))
            self._end_line()
        out.append(self._line_partial())
        return "".join(out)

    def close(self) -> str:
        """The guarded text of whatever is left at the end of the model's reply."""
        line, self._buffer = self._buffer, ""
        return self._line(line)

    @property
    def text(self) -> str:
        """All the guarded text so far."""
        return "".join(self._out).strip()

    @property
    def kept(self) -> bool:
        """Whether enough got through to be an answer: a cited sentence, and more than a
        heading's worth of words (MIN_ANSWER_WORDS)."""
        return bool(self.numbers) and len(_words(MARKER.sub(" ", self.text))) >= MIN_ANSWER_WORDS

    def notices(self) -> tuple[str, ...]:
        """What the guard removed, for `Answer.notices`."""
        notes = []
        if self.unsupported:
            notes.append(
                f"{_count(self.unsupported, 'sentence')} of the model's answer "
                f"{_was(self.unsupported)} not supported by the passage cited and "
                f"{_was(self.unsupported, 'was', 'were')} dropped"
            )
        if self.unmarked:
            notes.append(
                f"{_count(self.unmarked, 'sentence')} with no source "
                f"{_was(self.unmarked, 'was', 'were')} dropped"
            )
        if self.leaked:
            notes.append(
                f"{_count(self.leaked, 'sentence')} repeating the model's instructions "
                f"{_was(self.leaked, 'was', 'were')} dropped"
            )
        if self.echoed:
            notes.append(
                f"{_count(self.echoed, 'sentence')} repeating the question "
                f"{_was(self.echoed, 'was', 'were')} dropped"
            )
        if self.invalid_markers:
            notes.append(
                f"{_count(self.invalid_markers, 'citation marker')} pointing to no passage "
                f"{_was(self.invalid_markers, 'was', 'were')} removed"
            )
        if self.attached:
            notes.append(
                f"{_count(self.attached, 'sentence')} without a marker "
                f"{_was(self.attached, 'was', 'were')} attributed to the passage "
                f"{_was(self.attached, 'it matches', 'they match')} best"
            )
        return tuple(notes)

    # ------------------------------------------------------------------ lines and sentences

    def _line_partial(self) -> str:
        """Guard the complete sentences of the unfinished last line; keep the rest."""
        parts = _rejoin_abbreviations(SPLIT.split(self._buffer))
        if len(parts) < 2:
            return ""
        self._buffer = parts[-1]
        return "".join(self._sentence(p) for p in parts[:-1])

    def _line(self, line: str) -> str:
        parts = _rejoin_abbreviations(SPLIT.split(line)) if line.strip() else []
        return "".join(self._sentence(p) for p in parts)

    def _end_line(self) -> None:
        self._gap += 1
        self._prefix = ""
        self._line_has_text = False
        self._at_line_start = True
        if self._held is not None:
            self._held = (self._held[0], False)

    def _sentence(self, raw: str) -> str:
        if self._at_line_start:
            self._at_line_start = False
            prefix = PREFIX.match(raw)
            if prefix:
                marker = prefix.group(0).strip()
                self._prefix = "" if marker.startswith("#") else f"{marker} "
                raw = raw[prefix.end() :]
        kind, text = self._judge(raw)
        if kind == "label":
            if not self._line_has_text:
                # Shown only if a sentence about this council follows.
                self._held = (self._prefix + text, True)
                self._held_gap = self._gap
                self._prefix = ""
            return ""
        if kind == "drop":
            return ""
        out = ""
        if self._held is not None:
            label, same_line = self._held
            self._held = None
            self._gap = self._held_gap
            out = self._start_line() + label
            self._out.append(out)
            if same_line:
                self._line_has_text = True
            else:
                self._gap = 1
        piece = (" " if self._line_has_text else self._start_line() + self._prefix) + text
        self._out.append(piece)
        self._line_has_text = True
        self._gap = 0
        return out + piece

    def _start_line(self) -> str:
        return "\n" * min(max(self._gap, 1), 2) if self._out else ""

    def _judge(self, raw: str) -> tuple[str, str]:
        """("keep", the sentence with renumbered supported markers), ("label", a council's
        name) or ("drop", "")."""
        cited = [int(n) for m in MARKER.finditer(raw) for n in re.findall(r"\d+", m.group(1))]
        body = _tidy(_unescape(MARKER.sub(" ", raw)))
        if not _words(body):
            return "drop", ""  # only markers or punctuation
        if body in self._seen:
            return "drop", ""  # said already
        valid = list(dict.fromkeys(n for n in cited if n in self.sources))
        self.invalid_markers += sum(1 for n in cited if n not in self.sources)
        if self._leaks and _shingles(body) & self._leaks:
            self.leaked += 1
            return "drop", ""
        if self._echoes_question(body):
            self.echoed += 1
            return "drop", ""
        if not valid and self._is_label(body):
            return "label", body
        cal = self.calibration
        scores = {n: self._support(body, n) for n in (valid or self.sources)}
        if valid:
            kept = [n for n in valid if _supported(scores[n], cal.support_floor, cal.min_coverage)]
            if not kept:
                self.unsupported += 1
                return "drop", ""
        else:
            best = max(scores, key=lambda n: scores[n][0], default=None)
            if (
                best is None
                or len(_words(body)) < ATTACH_MIN_WORDS
                or not _supported(scores[best], cal.attach_floor, cal.attach_coverage)
            ):
                self.unmarked += 1
                return "drop", ""
            self.attached += 1
            kept = [best]
        self._seen.add(body)
        for n in kept:
            self.numbers.setdefault(n, len(self.numbers) + 1)
            quote = scores[n][2]
            if quote and quote not in self.quotes.setdefault(n, []):
                self.quotes[n].append(quote)
        return "keep", body + " " + "".join(f"[{self.numbers[n]}]" for n in kept)

    def _support(self, sentence: str, n: int) -> tuple[float, float, str]:
        """(support score, word coverage, closest passage sentence) of `sentence` by passage n."""
        terms = overlap_terms(sentence) - self._council_terms[n] - GENERIC
        coverage = len(terms & self._terms[n]) / len(terms) if terms else 0.0
        vectors = self._vectors[n]
        if len(vectors) == 0:
            return 0.0, coverage, ""
        cosines = vectors @ self.embedder.embed([sentence])[0]
        best = int(np.argmax(cosines))
        score = 0.5 * coverage + 0.5 * float(cosines[best])
        return score, coverage, self._sentences[n][best]

    def _echoes_question(self, body: str) -> bool:
        """The question given back ("Question: What research was ...?") is no answer."""
        if re.match(r"\s*(question|q)\s*:", body, re.IGNORECASE):
            return True
        words = _words(body)
        if len(words) < 4 or not self._question_words or words[0] not in INTERROGATIVES:
            return False
        return sum(w in self._question_words for w in words) / len(words) >= 0.8

    def _is_label(self, body: str) -> bool:
        """A council's name alone, e.g. "**Lambeth London Borough Council**:"."""
        words = set(_words(body))
        return len(words) <= 8 and words <= self._label_words and bool(words & self._name_words)


def _supported(support: tuple[float, float, str], floor: float, min_coverage: float) -> bool:
    score, coverage, _ = support
    return score >= floor and coverage >= min_coverage


def _rejoin_abbreviations(parts: list[str]) -> list[str]:
    """Undo splits after "e.g." and the like."""
    out: list[str] = []
    for part in parts:
        if out:
            last = re.search(r"([A-Za-z.]+)\.[\"'\u2019\u201d)*]*$", out[-1])
            if last and last.group(1).lower().rstrip(".") in ABBREVIATIONS:
                out[-1] = f"{out[-1]} {part}"
                continue
        out.append(part)
    return out


def _unescape(text: str) -> str:
    """Undo the escaping of passages in the prompt, which models copy."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')


def _tidy(text: str) -> str:
    """One line; no space before punctuation left by a removed marker."""
    text = " ".join(text.split())
    return re.sub(r"\s+([.,;:!?])", r"\1", text).strip()


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = _words(text)
    return {tuple(words[i : i + LEAK_WORDS]) for i in range(len(words) - LEAK_WORDS + 1)}


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _was(n: int, one: str = "was", many: str = "were") -> str:
    return one if n == 1 else many
