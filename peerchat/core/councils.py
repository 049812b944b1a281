"""Directory of English principal local authorities and council-name matching.

The data lives in ``councils.csv`` next to this module (columns
``code,name,short,kind,status,aliases``).  :class:`CouncilDirectory` resolves
single names (:meth:`CouncilDirectory.lookup`) and finds every council
mentioned in free text (:meth:`CouncilDirectory.find`), optionally tolerating
one typo per council name.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

__all__ = ["Council", "CouncilDirectory", "Mention", "display_names"]

_CSV_PATH = Path(__file__).with_name("councils.csv")

# Key priorities: lower wins when two councils claim the same normalised key.
_P_NAME, _P_ALIAS, _P_SHORT, _P_GENERATED = 0, 1, 2, 3
# The kind of council ending an alias: "Cambs City", "Cambs County Council".
_TYPE_SUFFIX = re.compile(
    r"\s+(?:City|County|Borough|District|Metropolitan Borough)?(?:\s+Council)?$"
)

_GENERATED_TEMPLATES: tuple[str, ...] = (
    "{} Council",
    "{} City Council",
    "{} Borough Council",
    "{} District Council",
    "{} County Council",
    "{} Metropolitan Borough Council",
    "{} Metropolitan District Council",
    "{} London Borough Council",
    "{} BC",
    "{} DC",
    "{} CC",
    "{} MBC",
    "{} LBC",
    "London Borough of {}",
    "LB of {}",
    "LB {}",
    "Royal Borough of {}",
    "City of {}",
    "City of {} Council",
    "Borough of {}",
)

# Place names (normalised) that are also ordinary English words or phrases.
# A bare mention only counts when written capitalised ("Reading", not
# "reading the report"); "reading borough council" always counts.
# Place names that are also ordinary English words: never fuzzy-matched, and a bare
# mention only counts when written capitalised.
_PLACE_WORDS: frozenset[str] = frozenset(
    {
        "barking",
        "barrow",
        "bath",
        "bury",
        "craven",
        "derby",
        "eden",
        "hackney",
        "harrow",
        "hart",
        "hull",
        "oxford",
        "reading",
        "rother",
        "rugby",
        "slough",
        "swale",
    }
)

_ORDINARY_WORD_KEYS: frozenset[str] = _PLACE_WORDS | frozenset(
    {
        "chesterfield",
        "carrick",
        "high peak",
        "new forest",
        "three rivers",
        "castle point",
        "south holland",
        "test valley",
        "amber valley",
        "fenland",
        "breckland",
        "broadland",
        "the wirral",
        "scilly",
        "stoke",
        "brighton",
        "windsor",
        "berwick",
    }
)

# Words that fuzzy matching must never turn into a council name.
_COMMON_WORDS: frozenset[str] = _PLACE_WORDS | frozenset(
    {
        "the",
        "a",
        "an",
        "and",
        "or",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "by",
        "with",
        "from",
        "council",
        "councils",
        "central",
        "borough",
        "boroughs",
        "district",
        "districts",
        "county",
        "counties",
        "city",
        "cities",
        "town",
        "unitary",
        "metropolitan",
        "london",
        "authority",
        "authorities",
        "local",
        "government",
        "peer",
        "challenge",
        "review",
        "report",
        "reports",
        "priorities",
        "priority",
        "leadership",
        "leader",
        "change",
        "changes",
        "place",
        "places",
        "ward",
        "wards",
        "leading",
        "heading",
        "needing",
        "eating",
        "dealing",
        "healing",
        "sealing",
        "beating",
        "cover",
        "hover",
        "lover",
        "mover",
        "rover",
        "brunt",
        "burnt",
        "haven",
        "havent",
        "having",
        "hallow",
        "shroud",
        "brant",
        "barney",
        "bonnet",
        "garnet",
        "button",
        "mutton",
        "melting",
        "melon",
        "doves",
        "dower",
        "derry",
        "deary",
        "every",
        "today",
        "there",
        "their",
        "where",
        "which",
        "while",
        "whilst",
        "finance",
        "financial",
        "members",
        "member",
        "officers",
        "officer",
        "staff",
        "people",
        "services",
        "service",
        "housing",
        "planning",
        "growth",
        "strategy",
        "strategic",
        "about",
        "after",
        "again",
        "against",
        "could",
        "would",
        "should",
        "these",
        "those",
        "other",
        "under",
        "upper",
        "lower",
        "great",
        "greater",
        "north",
        "south",
        "east",
        "west",
        "mid",
        "middle",
        "new",
        "old",
        "upon",
        "royal",
        "county's",
        "council's",
        "corporate",
        "culture",
        "capacity",
        "delivery",
        "partners",
        "partnership",
        "partnerships",
        "residents",
        "community",
        "communities",
        "economic",
        "economy",
        "budget",
        "budgets",
        "savings",
        "recommendations",
        "recommendation",
        "feedback",
        "team",
        "teams",
        "chief",
        "executive",
        "political",
        "governance",
        "scrutiny",
        "cabinet",
        "mayor",
        "what",
        "when",
        "whose",
        "why",
        "how",
        "does",
        "did",
        "done",
        "have",
        "has",
        "had",
        "been",
        "being",
        "were",
    }
)

# Codes retired by ONS recodings (boundary changes) -> the council's current code.
_FORMER_CODES: MappingProxyType[str, str] = MappingProxyType(
    {
        "E06000048": "E06000057",  # Northumberland, recoded 2013
        "E08000020": "E08000037",  # Gateshead, recoded 2013
        "E07000097": "E07000242",  # East Hertfordshire, recoded 2014
        "E07000100": "E07000240",  # St Albans, recoded 2014
        "E07000101": "E07000243",  # Stevenage, recoded 2014
        "E07000104": "E07000241",  # Welwyn Hatfield, recoded 2014
        "E08000016": "E08000038",  # Barnsley, recoded April 2025
        "E08000019": "E08000039",  # Sheffield, recoded April 2025
    }
)

_MIN_FUZZY_LEN = 5
_MIN_CLIP = 3  # letters of a word cut short in a covered council's name ("cen beds")
_BREAK_RE = re.compile(r"[.;:!?()\[\]{}\"\n\u201c\u201d]")
_TOKEN_RE = re.compile(r"[A-Za-z0-9]+(?:['\u2019][A-Za-z]+)*")
_ST_RE = re.compile(r"\b(st)\.", re.IGNORECASE)


@dataclass(frozen=True)
class Council:
    """One English local authority.

    Attributes:
        code: ONS GSS code (legacy ONS code for councils abolished in 2009).
        name: Canonical formal name, e.g. ``"Lambeth London Borough Council"``.
        short: Place name, e.g. ``"Lambeth"``.
        kind: ``london borough``, ``metropolitan district``, ``unitary``,
            ``non-metropolitan district``, ``county`` or ``city of london``.
        status: ``current`` or ``abolished``.
        aliases: Irregular extra names people write.
    """

    code: str
    name: str
    short: str
    kind: str
    status: str
    aliases: tuple[str, ...] = ()

    @property
    def is_current(self) -> bool:
        """True if the council still exists."""
        return self.status == "current"


def _norm_token(token: str) -> str:
    """Lower-case a token, dropping possessive ``'s`` and other apostrophes."""
    t = token.lower().replace("\u2019", "'")
    if t.endswith("'s"):
        t = t[:-2]
    t = t.replace("'", "")
    return "saint" if t == "st" else t


def _prepare(text: str) -> str:
    """Normalise punctuation that varies between spellings of one name."""
    text = _ST_RE.sub(r"\1", text)
    return text.replace("&", " and ").replace("-", " ")


@dataclass(frozen=True)
class _Token:
    norm: str
    raw: str
    brk: bool  # sentence punctuation between this token and the previous one
    pause: bool = False  # a comma or a dash between this token and the previous one


def _tokens(text: str) -> list[_Token]:
    """Split ``text`` into normalised tokens, flagging sentence breaks."""
    text = _prepare(text)
    out: list[_Token] = []
    last_end = 0
    for m in _TOKEN_RE.finditer(text):
        norm = _norm_token(m.group())
        if not norm:
            continue
        gap = text[last_end : m.start()]
        pause = "," in gap or " - " in f" {gap} " or "\u2013" in gap
        out.append(_Token(norm, m.group(), bool(_BREAK_RE.search(gap)), pause))
        last_end = m.end()
    return out


def normalise(name: str) -> str:
    """Return the matching key for a council name (case/punctuation folded)."""
    words = (_norm_token(w) for w in _TOKEN_RE.findall(_prepare(name)))
    return " ".join(w for w in words if w)


def _within_one_edit(a: str, b: str) -> bool:
    """True if ``a`` and ``b`` differ by at most one edit (incl. transposition)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


def _deletes(s: str) -> Iterator[str]:
    """Yield ``s`` and every string obtained by deleting one character."""
    yield s
    for i in range(len(s)):
        yield s[:i] + s[i + 1 :]


def _display(council: Council) -> str:
    return council.name


def display_names(councils: Iterable[Council]) -> str:
    """Join council names as ``"A, B and C"`` (empty string for none)."""
    names = [_display(c) for c in councils]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


@dataclass(frozen=True)
class CouncilDirectory:
    """Immutable index of councils with exact and fuzzy name matching."""

    councils: tuple[Council, ...]
    _by_code: dict[str, Council] = field(repr=False, compare=False)
    _keys: dict[str, Council] = field(repr=False, compare=False)
    _fuzzy_keys: dict[str, Council] = field(repr=False, compare=False)
    _max_words: int = field(repr=False, compare=False)
    _fuzzy_index: dict[str, tuple[str, ...]] = field(
        default_factory=dict, repr=False, compare=False
    )
    # A name several councils share ("Cambs"): matched only for one the caller prefers.
    _shared: dict[str, tuple[Council, ...]] = field(default_factory=dict, repr=False, compare=False)
    # The preferred councils' names as words, by their first word's first letters (for
    # names cut short), built once for each set of preferred councils.
    _clip_index: dict[frozenset[str], dict[str, list[tuple[list[str], Council]]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @classmethod
    def load(cls, path: Path | None = None) -> CouncilDirectory:
        """Load the directory from ``path`` (default: the packaged CSV).

        The default directory is cached, so repeated calls are cheap.
        """
        if path is None:
            return _default_directory()
        return cls.from_councils(_read_csv(Path(path)))

    @classmethod
    def from_councils(cls, councils: Iterable[Council]) -> CouncilDirectory:
        """Build a directory (and its name index) from council records."""
        items = tuple(councils)
        claims: dict[str, list[tuple[int, int, Council]]] = {}

        templates = [normalise(t.format("qqqq")) for t in _GENERATED_TEMPLATES]

        def claim(text: str, priority: int, council: Council, *, key: str = "") -> None:
            key = key or normalise(text)
            if key:
                rank = 0 if council.is_current else 1
                claims.setdefault(key, []).append((priority, rank, council))

        for c in items:
            claim(c.name, _P_NAME, c)
            for alias in c.aliases:
                claim(alias, _P_ALIAS, c)
                # "Cambs City" -> "Cambs" too (shared with "Cambs County Council": such a
                # name is only taken for the council a library covers, see `mentions`).
                stem = _TYPE_SUFFIX.sub("", alias)
                if stem != alias and len(stem) >= _MIN_FUZZY_LEN:
                    claim(stem, _P_GENERATED, c)
            # Abolished pre-2009 counties (legacy codes) only match by full
            # name: "Bedfordshire"/"Cheshire" today mean the area.
            if not (c.kind == "county" and c.status == "abolished" and not c.code.startswith("E")):
                claim(c.short, _P_SHORT, c)
            short_key = normalise(c.short)
            for template in templates:
                claim("", _P_GENERATED, c, key=template.replace("qqqq", short_key))

        keys: dict[str, Council] = {}
        fuzzy_keys: dict[str, Council] = {}
        shared: dict[str, tuple[Council, ...]] = {}
        for key, options in claims.items():
            best = min((p, r) for p, r, _ in options)
            winners = {c.code: c for p, r, c in options if (p, r) == best}
            if len(winners) != 1:
                # Genuinely ambiguous: matched only for a council the caller prefers.
                shared[key] = tuple(winners.values())
                continue
            council = next(iter(winners.values()))
            keys[key] = council
            if best[0] < _P_GENERATED and len(key.replace(" ", "")) >= _MIN_FUZZY_LEN:
                fuzzy_keys[key] = council
        max_words = max((k.count(" ") + 1 for k in keys), default=1)
        return cls(
            councils=items,
            _by_code={c.code: c for c in items},
            _keys=keys,
            _fuzzy_keys=fuzzy_keys,
            _max_words=max_words,
            _shared=shared,
        )

    def all(self) -> tuple[Council, ...]:
        """Every council, current and abolished, in file order."""
        return self.councils

    def current(self) -> tuple[Council, ...]:
        """Councils whose status is ``current``."""
        return tuple(c for c in self.councils if c.is_current)

    def by_code(self, code: str) -> Council | None:
        """Council with ONS code ``code`` (case-insensitive), or None.

        Codes retired by ONS recodings (e.g. Barnsley's E08000016) also resolve.
        """
        code = code.strip().upper()
        return self._by_code.get(code) or self._by_code.get(_FORMER_CODES.get(code, ""))

    def lookup(self, name: str) -> Council | None:
        """Resolve one name exactly (case, possessives, ``&``, ``St.`` folded)."""
        return self._keys.get(normalise(name))

    def keys(self) -> dict[str, Council]:
        """A copy of the normalised-name index (for inspection and tests)."""
        return dict(self._keys)

    def find(self, text: str, fuzzy: bool = False, prefer: Iterable[str] = ()) -> list[Council]:
        """Councils mentioned in ``text``, in order of first mention, each once.

        Matching is case-insensitive, on whole words, leftmost-longest, so
        "Central Bedfordshire" is not also "Bedford".  Place names that are
        ordinary words ("reading", "rugby") only match when capitalised, followed by
        Council/Borough/District, or ending a clause ("and reading?").  A council's name
        inside another proper noun ("the Greater Cambridge Partnership", "Cambridge
        station") is not a mention of the council.  With ``fuzzy=True`` a capitalised
        name of 5+ letters with a single typo also matches, and so does a lower-case one
        when it is one of the councils named in ``prefer`` (those a library covers).
        """
        return [m.council for m in self.mentions(text, fuzzy, prefer)]

    def mentions(self, text: str, fuzzy: bool = False, prefer: Iterable[str] = ()) -> list[Mention]:
        """Like :meth:`find`, with what was written for each council and whether it
        was a guess (a typo taken as the nearest name)."""
        preferred = frozenset(prefer)
        toks = _tokens(text)
        found: dict[str, Mention] = {}
        i, n = 0, len(toks)
        while i < n:
            length, council = self._exact_at(toks, i)
            guessed = False
            if fuzzy:
                f_len, f_council = self._fuzzy_at(toks, i, preferred)
                if f_len > length:
                    length, council, guessed = f_len, f_council, True
            if council is None and preferred:
                length, council = self._shared_at(toks, i, preferred)
                guessed = council is not None
            if council is None and preferred:
                length, council = self._clipped_at(toks, i, preferred)
                guessed = council is not None
            if council is None and preferred:
                length, council = self._contracted_at(toks, i, preferred)
                guessed = council is not None
            if council is None or _inside_other_name(toks, i, length):
                i += 1
                continue
            typed = " ".join(t.raw for t in toks[i : i + length])
            found.setdefault(council.code, Mention(council, typed, guessed))
            i += length
        return list(found.values())

    def _span_limit(self, toks: list[_Token], i: int) -> int:
        limit = min(len(toks), i + self._max_words)
        for j in range(i + 1, limit):
            if toks[j].brk:
                return j
        return limit

    def _exact_at(self, toks: list[_Token], i: int) -> tuple[int, Council | None]:
        end = self._span_limit(toks, i)
        for j in range(end, i, -1):
            key = " ".join(t.norm for t in toks[i:j])
            council = self._keys.get(key)
            if council is None:
                continue
            if key in _ORDINARY_WORD_KEYS:
                first = toks[i].raw
                # Lower case only as the object of a short follow-up: "what about
                # hackney?", "and oxford?" (not "a local derby").
                ends_clause = j == len(toks) or toks[j].brk or toks[j].pause
                asked_about = i > 0 and toks[i - 1].norm in _ASKED_ABOUT
                # A possessive is a place's: "what were breckland's recommendations?"
                owner = toks[j - 1].raw.lower().replace("\u2019", "'").endswith("'s")
                if (
                    not first[:1].isupper() and not (ends_clause and asked_about) and not owner
                ) or (len(first) > 1 and first.isupper()):
                    continue
            return j - i, council
        return 0, None

    def _fuzzy_index_get(self) -> dict[str, tuple[str, ...]]:
        index = self._fuzzy_index
        if not index:
            built: dict[str, list[str]] = {}
            for key in self._fuzzy_keys:
                for d in set(_deletes(key)):
                    built.setdefault(d, []).append(key)
            index.update({k: tuple(v) for k, v in built.items()})
        return index

    def _shared_at(
        self, toks: list[_Token], i: int, preferred: frozenset[str]
    ) -> tuple[int, Council | None]:
        """A name several councils share, at `i`, when just one of them is preferred."""
        for j in range(self._span_limit(toks, i), i, -1):
            options = self._shared.get(" ".join(t.norm for t in toks[i:j]), ())
            chosen = [c for c in options if c.name in preferred]
            if len(chosen) == 1:
                return j - i, chosen[0]
        return 0, None

    def _clipped_at(
        self, toks: list[_Token], i: int, preferred: frozenset[str]
    ) -> tuple[int, Council | None]:
        """A covered council's name with its words cut short ("cen beds", "brom"): each word
        written is the start of the name's word, at least `_MIN_CLIP` letters (a lone word
        `_MIN_CLIP + 1`), and the clipped name fits one preferred council only."""
        index = self._clip_index.get(preferred)
        if index is None:
            index = {}
            for key, council in self._keys.items():
                if council.name in preferred:
                    index.setdefault(key[:_MIN_CLIP], []).append((key.split(), council))
            self._clip_index[preferred] = index
        names = index.get(toks[i].norm[:_MIN_CLIP], [])
        if not names:
            return 0, None
        for j in range(self._span_limit(toks, i), i, -1):
            words = [t.norm for t in toks[i:j]]
            shortest = _MIN_CLIP + (len(words) == 1)
            if any(len(w) < shortest or w in _COMMON_WORDS for w in words):
                continue
            hits = {
                c.code: c
                for key, c in names
                if len(key) == len(words)
                and key != words
                and all(k.startswith(w) for k, w in zip(key, words, strict=True))
            }
            if len(hits) == 1:
                return j - i, next(iter(hits.values()))
        return 0, None

    def _contracted_at(
        self, toks: list[_Token], i: int, preferred: frozenset[str]
    ) -> tuple[int, Council | None]:
        """A covered council's one-word place name contracted with an apostrophe
        ("b'grove", "c'bridge"): its first letters, then its last (`_MIN_CLIP` or more),
        fitting one preferred council only."""
        parts = toks[i].raw.lower().replace("\u2019", "'").removesuffix("'s").split("'")
        if len(parts) != 2 or not parts[0] or len(parts[1]) < _MIN_CLIP or parts[1] == "s":
            return 0, None
        head, tail = parts
        hits = {
            c.code: c
            for key, c in self._keys.items()
            if c.name in preferred
            and " " not in key
            and len(key) > len(head) + len(tail)
            and key.startswith(head)
            and key.endswith(tail)
        }
        if len(hits) == 1:
            return 1, next(iter(hits.values()))
        return 0, None

    def _fuzzy_at(
        self, toks: list[_Token], i: int, preferred: frozenset[str] = frozenset()
    ) -> tuple[int, Council | None]:
        first = toks[i]
        lower = not first.raw[:1].isupper()
        if lower and not preferred:
            return 0, None
        index = self._fuzzy_index_get()
        end = self._span_limit(toks, i)
        for j in range(end, i, -1):
            words = [t.norm for t in toks[i:j]]
            if all(w in _COMMON_WORDS for w in words):
                continue
            cand = " ".join(words)
            if len(cand.replace(" ", "")) < _MIN_FUZZY_LEN or cand in self._keys:
                continue
            hits: dict[str, Council] = {}
            for d in _deletes(cand):
                for key in index.get(d, ()):
                    if key[0] == cand[0] and _within_one_edit(cand, key):
                        council = self._fuzzy_keys[key]
                        hits[council.code] = council
            if lower:
                # Lower case: only a council the caller prefers (one with a report).
                hits = {code: c for code, c in hits.items() if c.name in preferred}
            if len(hits) == 1:
                return j - i, next(iter(hits.values()))
        return 0, None


@dataclass(frozen=True)
class Mention:
    """A council named in a text: as written, and whether the name was a guess."""

    council: Council
    typed: str
    guessed: bool = False


# Nouns that make a place name part of another proper noun: "Cambridge Station" is not
# Cambridge City Council, nor is "the Greater Cambridge Partnership".
_OTHER_NOUNS: frozenset[str] = frozenset(
    {
        "partnership",
        "station",
        "airport",
        "university",
        "college",
        "hospital",
        "road",
        "street",
        "corridor",
        "park",
        "deal",
        "trust",
        "police",
        "fire",
        "water",
        "science",
        "biomedical",
        "cathedral",
        "school",  # "Bedford School"; "Lambeth schools" are the borough's
        "busway",
        "line",
        "railway",
        "port",
        "harbour",
        "museum",
        "hub",
        "campus",
        "cluster",
        "growth",
        "enterprise",
        "lep",
        "chamber",
        "clinical",
        "ccg",
        "nhs",
        "fc",
        "united",
        "rovers",
        "athletic",
    }
)


def _inside_other_name(toks: list[_Token], i: int, length: int) -> bool:
    """Whether the name at toks[i:i+length] is part of another proper noun (not when it
    is a possessive: "Central Bedfordshire's partnership working")."""
    if i > 0 and not toks[i].brk and toks[i - 1].norm == "greater":
        return True
    if toks[i + length - 1].raw.lower().endswith(("'s", "\u2019s")):
        return False
    after = i + length
    if after < len(toks) and toks[after].norm in _COMPASS and after + 1 < len(toks):
        after += 1  # "Cambridge North station"
    if after + 1 < len(toks) and toks[after].norm == "to":
        # "the Oxford to Cambridge corridor", "the Bedford to Milton Keynes line"
        end = after + 1
        while end < min(len(toks), after + 4) and toks[end].raw[:1].isupper():
            end += 1
        if end > after + 1 and end < len(toks) and toks[end].norm in _OTHER_NOUNS:
            return True
    return after < len(toks) and not toks[after].brk and toks[after].norm in _OTHER_NOUNS


_ASKED_ABOUT = frozenset({"about", "and", "for", "in", "at", "from", "of", "to", "with", "than"})

_COMPASS = frozenset({"north", "south", "east", "west", "central", "city"})


def _read_csv(path: Path) -> tuple[Council, ...]:
    with path.open(newline="", encoding="utf-8") as fh:
        return tuple(
            Council(
                code=row["code"].strip(),
                name=row["name"].strip(),
                short=row["short"].strip(),
                kind=row["kind"].strip(),
                status=row["status"].strip(),
                aliases=tuple(
                    a.strip() for a in (row.get("aliases") or "").split("|") if a.strip()
                ),
            )
            for row in csv.DictReader(fh)
        )


@lru_cache(maxsize=1)
def _default_directory() -> CouncilDirectory:
    return CouncilDirectory.from_councils(_read_csv(_CSV_PATH))
