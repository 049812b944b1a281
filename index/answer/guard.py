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
  it claims nothing. But the sentences under it must cite passages about that council;
- a supported sentence must still not distort its passages (the cited ones, together):
  every figure in it must be in them (or in their section, title or date), a negation must
  agree with the passage sentence it follows, every council it names must be one they are
  about or name, claims such as "already" or "outstanding" must be theirs, and the words
  it adds beyond them are few (ADDED_MAX, ADDED_SHARE) and never a run of ADDED_RUN;
- links, images and HTML are taken out of the model's text before anything is judged, and
  `<` and `>` never leave the guard as such: text escaped in the prompt stays escaped.

The guard's work is bounded: the reply is read up to MAX_REPLY_CHARS characters and
MAX_REPLY_SENTENCES sentences (`Guard.full` then tells the caller to stop reading), each
written sentence is embedded once, and past `deadline` the guard gives up (OutOfTime).

Kept markers are renumbered in order of first use. `Guard.notices()` says how many
sentences were dropped and why.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from time import monotonic
from typing import TYPE_CHECKING

import numpy as np

from peerchat.core.errors import LLMError
from peerchat.index.embedding.embedders import Embedder
from peerchat.index.store.lexical import NAME_WORDS, overlap_terms, tokenize
from peerchat.ingest.sentences import ABBREVIATIONS, split_sentences

if TYPE_CHECKING:
    from peerchat.core.councils import CouncilDirectory

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
# What the guard reads of one reply, at most (the model is also asked for few tokens).
MAX_REPLY_CHARS = 8000
MAX_REPLY_SENTENCES = 40
# Words a sentence may add to its passages: this many, or this share of its words when
# more, and never this many in a row (a true sentence with a made-up ending).
ADDED_MAX = 2
ADDED_SHARE = 0.2
ADDED_RUN = 3
NEGATION = re.compile(
    r"\b(not|no|never|none|nor|neither|nothing|nobody|nowhere|without|cannot|lacks?|"
    r"lacking|lacked|absence|absent|fails?|failed|failing)\b|n['\u2019]t\b",
    re.IGNORECASE,
)
# Words that claim more than a passage may say: a sentence may use them only when its
# passages do.
CLAIMS = frozenset(
    "already outstanding excellent exemplary exceptional best worst inadequate always "
    "fully completely entirely perfect perfectly rated ranked unique leading".split()
)
FIGURE = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?")
NUMBER_WORDS = {
    w: str(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
    if i >= 2  # "one" and "zero" say little ("one of the councils")
} | {"thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70",
     "eighty": "80", "ninety": "90", "hundred": "100", "thousand": "1000",
     "million": "1000000", "billion": "1000000000", "dozen": "12"}  # fmt: skip
# Links, images and HTML in a model's text: none of it leaves the guard.
IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)?")
LINK = re.compile(r"\[([^\]]*)\]\(\s*[^)]*\)?")
REFERENCE_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
LINK_DEFINITION = re.compile(r"^\s*\[[^\]]+\]:\s*\S+.*$")
HTML_COMMENT = re.compile(r"<!--.*?(-->|$)", re.DOTALL)
TAG = re.compile(r"</?[A-Za-z][^<>]*>?|<![^<>]*>?|<\?[^<>]*>?")
URL = re.compile(
    r"\b(?:(?:https?|ftp|file|javascript|vbscript|data|mailto):|www\.)[^\s<>\]\[)]*",
    re.IGNORECASE,
)


class OutOfTime(LLMError):
    """The model's answer (the guard's reading of it included) took longer than allowed."""

    def __init__(self, seconds: float) -> None:
        self.reason = f"no complete answer within {seconds:g} s"
        super().__init__(f"the language model's answer took too long: {self.reason}")


@dataclass(frozen=True)
class Source:
    """A passage as the model saw it: its number in the prompt, text and council (as
    shown), the councils it is about (canonical names; the council shown when none are
    given) and what else names it: its section, title and date."""

    n: int
    text: str
    council: str = ""
    councils: tuple[str, ...] = ()
    context: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return self.councils or ((self.council,) if self.council else ())


class Guard:
    """Feed the model's text in pieces; get back guarded Markdown in pieces."""

    def __init__(
        self,
        sources: list[Source],
        embedder: Embedder,
        instructions: str = "",
        question: str = "",
        councils: CouncilDirectory | None = None,
        deadline: float | None = None,
        time_limit: float = 0.0,
        clock: Callable[[], float] = monotonic,
    ) -> None:
        self.sources = {s.n: s for s in sources}
        self.embedder = embedder
        self.calibration = embedder.calibration
        self.directory = councils
        self.deadline = deadline  # on `clock`; OutOfTime after it ("within `time_limit` s")
        self.time_limit = time_limit
        self.clock = clock
        self.numbers: dict[int, int] = {}  # given n -> n in the answer, in order of use
        self.quotes: dict[int, list[str]] = {}  # given n -> passage sentences used
        self.invalid_markers = 0
        self.unsupported = 0
        self.unmarked = 0
        self.attached = 0
        self.leaked = 0
        self.echoed = 0
        self.distorted: Counter[str] = Counter()  # why -> sentences dropped
        self.cut = ""  # "", "characters" or "sentences": where the reply was cut
        self._received = 0
        self._judged = 0
        self._question_words = set(_words(question))
        self._question_terms = overlap_terms(question)
        self._sentences = {s.n: split_sentences(s.text) or [s.text] for s in sources}
        self._terms = {s.n: overlap_terms(s.text) for s in sources}
        self._context_terms = {s.n: overlap_terms(s.context) for s in sources}
        self._council_terms = {s.n: overlap_terms(" ".join(s.names)) for s in sources}
        self._figures = {s.n: _figures(f"{s.text} {s.context}") for s in sources}
        self._claims = {s.n: _claims(f"{s.text} {s.context}") for s in sources}
        self._negated = {
            s.n: [bool(NEGATION.search(t)) for t in self._sentences[s.n]] for s in sources
        }
        self._named = {
            s.n: frozenset(s.names) | self._councils_in(f"{s.text} {s.context}") for s in sources
        }
        self._urls = {u.rstrip(".,;:") for s in sources for u in URL.findall(s.text)}
        flat = [t for s in sources for t in self._sentences[s.n]]
        vectors = embedder.embed(flat) if flat else np.zeros((0, 1), dtype=np.float32)
        self._vectors: dict[int, np.ndarray] = {}
        at = 0
        for s in sources:
            k = len(self._sentences[s.n])
            self._vectors[s.n] = vectors[at : at + k]
            at += k
        self._name_words = {w for s in sources for n in s.names for w in _words(n)} - FILLER_WORDS
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
        self._heading: frozenset[str] | None = None  # councils of the heading in force

    # ------------------------------------------------------------------ feeding

    def feed(self, piece: str) -> str:
        """Take the next piece of the model's text; return the guarded text it completes.
        Past MAX_REPLY_CHARS the rest is ignored (see `full`)."""
        if self.full:
            return ""  # the text already taken is still guarded (by `close`)
        room = MAX_REPLY_CHARS - self._received
        if len(piece) > room:
            piece = piece[:room]
            self.cut = "characters"
        self._received += len(piece)
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
    def full(self) -> bool:
        """Whether the guard has read all it will of this reply: stop sending it more."""
        return bool(self.cut)

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
        for why, count in sorted(self.distorted.items(), key=lambda item: DISTORTIONS[item[0]]):
            notes.append(
                f"{_count(count, 'sentence')} {DISTORTIONS[why][1]} "
                f"{_was(count, 'was', 'were')} dropped"
            )
        if self.attached:
            notes.append(
                f"{_count(self.attached, 'sentence')} without a marker "
                f"{_was(self.attached, 'was', 'were')} attributed to the passage "
                f"{_was(self.attached, 'it matches', 'they match')} best"
            )
        if self.cut:
            limit = (
                f"{MAX_REPLY_CHARS:,} characters"
                if self.cut == "characters"
                else f"{MAX_REPLY_SENTENCES} sentences"
            )
            notes.append(f"the model's answer was read only up to {limit}")
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
        if self.cut == "sentences":
            return ""
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
        if self.deadline is not None and self.clock() > self.deadline:
            raise OutOfTime(self.time_limit)
        self._judged += 1
        if self._judged > MAX_REPLY_SENTENCES:
            self.cut = "sentences"
            return "drop", ""
        cited = [int(n) for m in MARKER.finditer(raw) for n in re.findall(r"\d+", m.group(1))]
        body = _tidy(_safe(MARKER.sub(" ", raw), self._urls))
        plain = _unescape(body)  # as the passages read, for comparing with them
        if not _words(body):
            return "drop", ""  # only markers or punctuation
        if body in self._seen:
            return "drop", ""  # said already
        valid = list(dict.fromkeys(n for n in cited if n in self.sources))
        self.invalid_markers += sum(1 for n in cited if n not in self.sources)
        if self._leaks and _shingles(plain) & self._leaks:
            self.leaked += 1
            return "drop", ""
        if self._echoes_question(plain):
            self.echoed += 1
            return "drop", ""
        if not valid:
            heading = self._label(plain)
            if heading is not None:
                self._heading = heading
                return "label", body
        cal = self.calibration
        vector = self.embedder.embed([plain])[0]  # once, whatever the passages
        scores = {n: self._support(plain, n, vector) for n in (valid or self.sources)}
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
            kept = [best]
        why = self._distortion(plain, kept, scores)
        if why:
            self.distorted[why] += 1
            return "drop", ""
        if not valid:
            self.attached += 1
        self._seen.add(body)
        for n in kept:
            self.numbers.setdefault(n, len(self.numbers) + 1)
            quote = scores[n][2]
            if quote and quote not in self.quotes.setdefault(n, []):
                self.quotes[n].append(quote)
        return "keep", body + " " + "".join(f"[{self.numbers[n]}]" for n in kept)

    def _support(self, sentence: str, n: int, vector: np.ndarray) -> tuple[float, float, str]:
        """(support score, word coverage, closest passage sentence) of `sentence` (embedded
        as `vector`) by passage n."""
        terms = overlap_terms(sentence) - self._council_terms[n] - GENERIC
        coverage = len(terms & self._terms[n]) / len(terms) if terms else 0.0
        vectors = self._vectors[n]
        if len(vectors) == 0:
            return 0.0, coverage, ""
        cosines = vectors @ vector
        best = int(np.argmax(cosines))
        score = 0.5 * coverage + 0.5 * float(cosines[best])
        return score, coverage, self._sentences[n][best]

    def _distortion(
        self, sentence: str, kept: list[int], scores: dict[int, tuple[float, float, str]]
    ) -> str:
        """Why `sentence` misstates the passages `kept` that support it ("" when it does
        not): see DISTORTIONS."""
        figures = set().union(*(self._figures[n] for n in kept))
        if _figures(sentence) - figures:
            return "figure"
        anchors = [
            self._negated[n][self._sentences[n].index(scores[n][2])]
            for n in kept
            if scores[n][2] in self._sentences[n]
        ]
        negated = bool(NEGATION.search(sentence))
        if negated != any(anchors) and (negated or all(anchors)):
            return "negation"
        named = frozenset().union(*(self._named[n] for n in kept))
        if self._councils_in(sentence) - named:
            return "council"
        if self._heading is not None and not any(
            self._heading & frozenset(self.sources[n].names) for n in kept
        ):
            return "heading"
        if _claims(sentence) - set().union(*(self._claims[n] for n in kept)):
            return "claim"
        terms = set().union(
            *(self._terms[n] | self._council_terms[n] | self._context_terms[n] for n in kept)
        )
        added, run, longest, total = 0, 0, 0, 0
        for term in _ordered_terms(sentence):
            if term in GENERIC or term in self._question_terms:
                continue
            total += 1
            if term in terms:
                run = 0
            else:
                added += 1
                run += 1
                longest = max(longest, run)
        if added > max(ADDED_MAX, int(ADDED_SHARE * total)) or longest >= ADDED_RUN:
            return "added"
        return ""

    def _councils_in(self, text: str) -> frozenset[str]:
        """The councils `text` names (by the council directory, when the guard has one)."""
        if self.directory is None:
            return frozenset()
        return frozenset(c.name for c in self.directory.find(text))

    def _label(self, body: str) -> frozenset[str] | None:
        """The councils of a line that is only a council's name (a heading, e.g.
        "**Lambeth London Borough Council**:"); None for any other line."""
        words = set(_words(body))
        if not words or len(words) > 8:
            return None
        if words <= self._label_words and words & self._name_words:
            return frozenset(
                name
                for s in self.sources.values()
                for name in s.names
                if (set(_words(name)) - FILLER_WORDS) & words
            )
        named = self._councils_in(body)
        if named and words <= FILLER_WORDS | {w for n in named for w in _words(n)}:
            return named
        return None

    def _echoes_question(self, body: str) -> bool:
        """The question given back ("Question: What research was ...?") is no answer."""
        if re.match(r"\s*(question|q)\s*:", body, re.IGNORECASE):
            return True
        words = _words(body)
        if len(words) < 4 or not self._question_words or words[0] not in INTERROGATIVES:
            return False
        return sum(w in self._question_words for w in words) / len(words) >= 0.8


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


DISTORTIONS = {  # why a supported sentence is dropped: (order in the notices, wording)
    "figure": (0, "with a figure that is not in the passage cited"),
    "negation": (1, "whose negation does not agree with the passage cited"),
    "council": (2, "naming a council the passage cited is neither about nor names"),
    "heading": (3, "under the heading of a council the passage cited is not about"),
    "claim": (4, "claiming more than the passage cited says"),
    "added": (5, "adding more than a few words to the passage cited"),
}


def _safe(text: str, allowed_urls: Iterable[str] = ()) -> str:
    """The model's text without links, images, HTML or URLs (those of the passages
    stay, as plain text), and with no `<` or `>` left to open a tag: text the prompt
    escaped stays escaped."""
    text = HTML_COMMENT.sub(" ", text)
    text = IMAGE.sub(" ", text)
    text = LINK.sub(lambda m: m.group(1), text)
    text = REFERENCE_LINK.sub(lambda m: m.group(1), text)
    text = LINK_DEFINITION.sub(" ", text)
    text = TAG.sub(" ", text)
    allowed = set(allowed_urls)
    text = URL.sub(lambda m: m.group(0) if m.group(0).rstrip(".,;:") in allowed else " ", text)
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _unescape(text: str) -> str:
    """Undo the escaping of passages in the prompt, which models copy (for comparing a
    sentence with the passages only: what is shown stays escaped)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')


def _figures(text: str) -> set[str]:
    """The numbers in `text`, written the same way: "2,800" and "2800", "18.0" and "18",
    "eighteen" and "18"."""
    out = set()
    for raw in FIGURE.findall(text):
        number = raw.replace(",", "").rstrip(".")
        if "." in number:
            number = number.rstrip("0").rstrip(".")
        out.add(number.lstrip("0") or "0")
    out.update(NUMBER_WORDS[w] for w in _words(text) if w in NUMBER_WORDS)
    return out


def _claims(text: str) -> set[str]:
    return {w for w in _words(text) if w in CLAIMS}


def _ordered_terms(text: str) -> list[str]:
    """The overlap terms of `text` in the order they are written."""
    return [t[:5] for t in tokenize(text) if t[:5] not in NAME_WORDS]


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
