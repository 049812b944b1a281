"""The sentences of a generation's passages: spans, vectors, flags and terms, on disk.

Everything per sentence is worked out once, when the generation is written, and kept in
`.npy` files that readers memory-map: a library of thousands of reports holds millions of
sentences, and a question only ever looks at the sentences of its candidate passages.

    sentence_spans.npy     (m, 3) int32: passage row, start, end within the passage text
    sentences.npy          (m, dim) float16: normalised embeddings
    sentence_flags.npy     (m,) uint8: OK | RECOMMENDATION | SIGNPOST | PERSON | NUMBER |
                           DATE | CAUSE | MONEY
    sentence_terms.npy     term ids of each sentence, rows delimited by...
    sentence_terms_at.npy  (m + 1,) int64 offsets into sentence_terms.npy
    terms.json             the term vocabulary, each term's weight (IDF over passages) and
                           its passage count
    sentence_keys.npy      (m,) int64: a stable hash of each sentence's words (0 under four
                           words), so that a new generation can be written from this one
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from peerchat.core.errors import IndexDamaged
from peerchat.core.records import Chunk, Recommendation, Report
from peerchat.index.store.lexical import overlap_terms
from peerchat.index.store.mapped import MappedFiles

SPANS = "sentence_spans.npy"
VECTORS = "sentences.npy"
FLAGS = "sentence_flags.npy"
TERMS = "sentence_terms.npy"
TERMS_AT = "sentence_terms_at.npy"
VOCAB = "terms.json"
KEYS = "sentence_keys.npy"  # (m,) int64: key_hash of each sentence (for incremental writes)

OK = 1  # quotable: not template text shared by reports, not a heading, not a fragment
RECOMMENDATION = 2  # states a recommendation (register, a recommendations section, a plan row)
SIGNPOST = 4  # in a signposted example
PERSON = 8  # names a person ("Dawn Baxendale – CEX, ...") or leads in a list of them
NUMBER = 16  # gives a figure
DATE = 32  # gives a date or a span of time ("by July 2024", "within 2 years")
CAUSE = 64  # gives a cause or a consequence ("as a result of", "risks", "due to")
MONEY = 128  # gives a sum of money ("£8m", "£245,000")

# "Dawn Baxendale – CEX, ...", "Rachel Litherland, Principal Adviser ...": a person.
PERSON_LINE = re.compile(
    r"^\W*(?:(?:Cllr|Councillor|Dr|Mr|Mrs|Ms|Sir|Dame)\.?\s+)?"
    r"(?P<name>[A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+){1,3})(?:\s+(?:OBE|CBE|MBE))?\s*[,–—-]\s"
)
# A list item: a bullet, a dash, "1." or "a)".
LIST_ITEM = re.compile(r"^\s*(\u2022|[-*]\s|\d{1,2}[.)]\s|[a-z][.)]\s)")
FIGURE = re.compile(r"\d|£|%")
# Numbers in words, as figures are written ("one" says too little).
NUMBER_WORDS = (
    "two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    "forty|fifty|hundred|thousand"
)
# A figure in words: "four days onsite", "twelve recommendations".
FIGURE_WORDS = re.compile(
    r"\b(" + NUMBER_WORDS + r")[\s-]+(?:[a-z-]+\s+)?(days?|weeks?|months?|years?|hours?|"
    r"people|staff|councillors|officers|meetings|priorities|"
    r"recommendations|times|sessions|interviews|visits)\b",
    re.IGNORECASE,
)
# A year or a financial year ("2017/18", "2016-2021") dates a sentence; it is not a figure
# an officer asking "how much" or "how many" wants.
YEAR = re.compile(r"\b(19|20)\d\d(\s*[/–-]\s*(19|20)?\d\d)?\b")
# The text of a date, a cause and a sum of money (for the flags above).
MONEY_TEXT = re.compile(r"£\s?\d|\b\d+(\.\d+)?\s?(m|bn|k|million|billion)\b", re.IGNORECASE)

CAUSE_TEXT = re.compile(
    r"\b(because|as a result|result(s|ed|ing)? (in|from)|due to|owing to|caused|leads? to|"
    r"led to|risks?|creates?|means|so that|therefore|consequen\w*|driven by|reason|"
    # a purpose: "This will free up some of his time to allow him to focus on ..."
    r"in order to|to allow|to enable|free up|(will|would) (help|allow|enable|mean))\b",
    re.IGNORECASE,
)

DATE_TEXT = re.compile(
    r"\b(19|20)\d\d\b|\b(january|february|march|april|may|june|july|august|september|"
    r"october|november|december)\b|\b(months?|years?|weeks?)\b",
    re.IGNORECASE,
)


def sentence_features(
    chunks: Sequence[Chunk],
    spans: np.ndarray,
    recommendations: Iterable[Recommendation],
    first_row: int = 0,
) -> tuple[np.ndarray, np.ndarray, list[frozenset[str]]]:
    """Everything a sentence's own passage decides about it: its flags but OK (which needs
    the whole library, see `quotable`), its key (`key_hash`) and its overlap terms.

    `spans` are in row order and whole passages at a time; `chunks[row - first_row]` is the
    passage of span row `row`.
    """
    recs_by_chunk: dict[str, list[Recommendation]] = {}
    for rec in recommendations:
        recs_by_chunk.setdefault(rec.chunk_id, []).append(rec)
    m = len(spans)
    flags = np.zeros(m, dtype=np.uint8)
    keys = np.zeros(m, dtype=np.int64)
    terms: list[frozenset[str]] = []
    previous_text = ""
    for i, (row, start, end) in enumerate(spans):
        chunk = chunks[int(row) - first_row]
        text = chunk.text[start:end].rstrip()
        keys[i] = key_hash(text_key(text))
        terms.append(overlap_terms(text))
        bits = 0
        section = chunk.section.lower()
        if (
            chunk.kind == "table row"
            or "recommendation" in section
            or any(
                rec.start < chunk.start + end and chunk.start + start < rec.end
                for rec in recs_by_chunk.get(chunk.id, ())
            )
        ):
            bits |= RECOMMENDATION
        if "signpost" in section:
            bits |= SIGNPOST
        if PERSON_LINE.match(text.lstrip("• ")):
            bits |= PERSON
            # ... and the lead-in of a list of people ("The peers ... were:").
            if i > 0 and spans[i - 1, 0] == row and previous_text.endswith(":"):
                flags[i - 1] |= PERSON
        if FIGURE.search(YEAR.sub(" ", text)) or FIGURE_WORDS.search(text):
            bits |= NUMBER
        if DATE_TEXT.search(text):
            bits |= DATE
        if CAUSE_TEXT.search(text):
            bits |= CAUSE
        if MONEY_TEXT.search(text):
            bits |= MONEY
        flags[i] |= bits
        previous_text = text
    return flags, keys, terms


def heading_keys(reports: Iterable[Report]) -> np.ndarray:
    """The key hashes of every report title and section heading (sorted, unique)."""
    headings: set[str] = set()
    for report in reports:
        headings.add(text_key(report.title))
        for section in (s for s in report.sections if s.kind != "signpost"):
            # A signpost's heading names what is signposted: it stays quotable.
            headings.update(
                {text_key(section.heading), text_key(f"{section.number} {section.heading}")}
            )
    return np.unique(np.asarray([_stable_hash(h) for h in headings], dtype=np.int64))


def quotable(
    keys: np.ndarray, report_of: np.ndarray, headings: np.ndarray, flags: np.ndarray
) -> np.ndarray:
    """Which sentences may be quoted: four words or more (a non-zero key), not a heading,
    and not template text. Template text is the same sentence in two or more reports (the
    peer challenge's standard scope questions, say): it is no answer to anything, except
    when it gives a date (each report's "we expect the follow-up visit within 2 years")."""
    keys = np.asarray(keys, dtype=np.int64)
    long = keys != 0
    if not long.any():
        return long
    k, r = keys[long], np.asarray(report_of, dtype=np.int64)[long]
    order = np.lexsort((r, k))
    k, r = k[order], r[order]
    # The first sentence of each key in another report than the one before: a key met
    # this way twice is in two reports.
    other_report = np.concatenate(([True], (k[1:] != k[:-1]) | (r[1:] != r[:-1])))
    values, counts = np.unique(k[other_report], return_counts=True)
    shared = np.isin(keys, values[counts >= 2]) & ((np.asarray(flags) & DATE) == 0)
    in_heading = np.isin(keys, headings)
    return long & ~shared & ~in_heading


def term_weights(df: Sequence[int], passages: int) -> list[float]:
    """Each term's weight from the number of passages it is in (an IDF)."""
    n = max(1, passages)
    return [math.log(1 + n / d) for d in df]


def write_terms(
    folder: Path,
    flags: np.ndarray,
    term_ids: np.ndarray,
    terms_at: np.ndarray,
    vocab: Sequence[str],
    df: Sequence[int],
    passages: int,
) -> None:
    """Write the sentences' flags and terms, and the term vocabulary with its weights."""
    np.save(folder / FLAGS, np.asarray(flags, dtype=np.uint8))
    np.save(folder / TERMS, np.asarray(term_ids, dtype=np.int32))
    np.save(folder / TERMS_AT, np.asarray(terms_at, dtype=np.int64))
    (folder / VOCAB).write_text(
        json.dumps({"terms": list(vocab), "weights": term_weights(df, passages), "df": list(df)}),
        encoding="utf-8",
    )


def term_lists(
    terms: Sequence[frozenset[str]], vocab: dict[str, int]
) -> tuple[np.ndarray, np.ndarray]:
    """(term ids, offsets) of each sentence's terms that `vocab` knows, ids sorted."""
    ids: list[int] = []
    at = np.zeros(len(terms) + 1, dtype=np.int64)
    for i, own in enumerate(terms):
        ids.extend(sorted(vocab[t] for t in own if t in vocab))
        at[i + 1] = len(ids)
    return np.asarray(ids, dtype=np.int32), at


def write_sentence_features(
    folder: Path,
    chunks: Iterable[Chunk],
    spans: np.ndarray,
    reports: Iterable[Report],
    recommendations: Iterable[Recommendation],
    block: int = 4096,
) -> None:
    """Work out and write the flags, keys and terms of every sentence (`spans` in row
    order) of a whole library, `block` passages at a time: a library holds millions of
    sentences, and their term sets, held at once, took gigabytes. `chunks` is read twice,
    in row order (a list, or Passages reading them from a store)."""
    vocab: dict[str, int] = {}
    df: list[int] = []
    position: dict[str, int] = {}
    owners: list[int] = []
    for chunk in chunks:
        owners.append(position.setdefault(chunk.report_id, len(position)))
        for term in overlap_terms(chunk.text):
            if term not in vocab:
                vocab[term] = len(vocab)
                df.append(0)
            df[vocab[term]] += 1
    report_of_row = np.asarray(owners, dtype=np.int64)
    del owners
    recommendations = list(recommendations)
    m, n = len(spans), len(report_of_row)
    flags = np.zeros(m, dtype=np.uint8)
    keys = np.zeros(m, dtype=np.int64)
    first = np.searchsorted(spans[:, 0], np.arange(n + 1), side="left") if m else np.zeros(n + 1)
    id_parts: list[np.ndarray] = []
    terms_at = np.zeros(m + 1, dtype=np.int64)
    passages = iter(chunks)  # read once more, in order (they may be read from disk)
    for lo_row in range(0, n, block):
        hi_row = min(n, lo_row + block)
        lo, hi = int(first[lo_row]), int(first[hi_row])
        # Whole passages a block: a sentence's flags look only within its passage.
        part = list(itertools.islice(passages, hi_row - lo_row))
        flags[lo:hi], keys[lo:hi], terms = sentence_features(
            part, spans[lo:hi], recommendations, first_row=lo_row
        )
        ids, at = term_lists(terms, vocab)
        id_parts.append(ids)
        terms_at[lo + 1 : hi + 1] = terms_at[lo] + at[1:]
    report_of = report_of_row[spans[:, 0]] if len(spans) else np.zeros(0, dtype=np.int64)
    flags |= np.where(quotable(keys, report_of, heading_keys(reports), flags), OK, 0).astype(
        np.uint8
    )
    term_ids = np.concatenate(id_parts) if id_parts else np.zeros(0, dtype=np.int32)
    np.save(folder / KEYS, keys)
    write_terms(folder, flags, term_ids, terms_at, list(vocab), df, n)


def key_hash(key: str) -> int:
    """A sentence key's stable 64-bit hash; 0 for keys of fewer than four words, which are
    never quoted."""
    if len(key.split()) < 4:
        return 0
    return _stable_hash(key) or 1


def _stable_hash(text: str) -> int:
    return int.from_bytes(
        hashlib.blake2b(text.encode(), digest_size=8).digest(), "little", signed=True
    )


def text_key(text: str) -> str:
    """Text reduced to its lower-case words and figures, for comparing sentences and
    headings (two reports' "spoke to more than 70 people" and "... 180 people" differ)."""
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


@dataclass
class SentenceIndex:
    """A generation's sentences, memory-mapped. Read-only; shared between threads."""

    spans: np.ndarray  # (m, 3): passage row, start, end
    vectors: np.ndarray  # (m, dim) float16
    flags: np.ndarray  # (m,) uint8
    term_ids: np.ndarray  # int32
    terms_at: np.ndarray  # (m + 1,) int64
    vocab: dict[str, int]
    weights: np.ndarray  # (len(vocab),) float32
    first: np.ndarray  # (passages + 1,): the sentences of passage r are first[r]:first[r+1]

    @classmethod
    def load(cls, folder: Path, passages: int, mapped: MappedFiles | None = None) -> SentenceIndex:
        """The sentences of `folder`, memory-mapped once each file is checked (`mapped`
        holds them; IndexDamaged names a damaged one)."""
        mapped = mapped or MappedFiles(folder.parent)
        spans = mapped.open(folder / SPANS)
        try:
            vocab_data = json.loads((folder / VOCAB).read_text(encoding="utf-8"))
            vocab_terms, vocab_weights = vocab_data["terms"], vocab_data["weights"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexDamaged(folder.parent, folder / VOCAB, f"it cannot be read ({exc})") from exc
        if spans.ndim != 2 or spans.shape[1:] != (3,):
            raise IndexDamaged(folder.parent, folder / SPANS, f"its shape is {spans.shape}")
        first = np.searchsorted(np.asarray(spans[:, 0]), np.arange(passages + 1), side="left")
        return cls(
            spans=spans,
            vectors=mapped.open(folder / VECTORS),
            flags=mapped.open(folder / FLAGS),
            term_ids=mapped.open(folder / TERMS),
            terms_at=mapped.open(folder / TERMS_AT),
            vocab={t: i for i, t in enumerate(vocab_terms)},
            weights=np.asarray(vocab_weights, dtype=np.float32),
            first=first.astype(np.int64),
        )

    def __len__(self) -> int:
        return int(len(self.spans))

    def rows_of(self, passage_rows: Iterable[int]) -> np.ndarray:
        """The sentence rows of the given passages, in passage order."""
        ranges = [np.arange(self.first[r], self.first[r + 1]) for r in passage_rows]
        return np.concatenate(ranges).astype(np.int64) if ranges else np.zeros(0, np.int64)

    def has(self, rows: np.ndarray, flag: int) -> np.ndarray:
        """1.0 where the sentence has `flag`, else 0.0."""
        return ((np.asarray(self.flags[rows]) & flag) > 0).astype(np.float32)

    def cosines(self, rows: np.ndarray, query_vectors: np.ndarray) -> np.ndarray:
        """Each sentence's best cosine with any of the query vectors (rows)."""
        if len(rows) == 0:
            return np.zeros(0, dtype=np.float32)
        vectors = np.asarray(self.vectors[rows], dtype=np.float32)
        q = np.asarray(query_vectors, dtype=np.float32).reshape(-1, vectors.shape[1])
        return (vectors @ q.T).max(axis=1)

    def term_weights(self, terms: Iterable[str]) -> dict[int, float]:
        """Term id -> weight for the query terms the library knows (ids of unknown terms
        are negative, weighing as much as the rarest term)."""
        unknown = float(self.weights.max()) if len(self.weights) else 1.0
        out: dict[int, float] = {}
        for n, term in enumerate(sorted(set(terms))):
            tid = self.vocab.get(term)
            out[tid if tid is not None else -1 - n] = (
                float(self.weights[tid]) if tid is not None else unknown
            )
        return out

    def matched_weight(self, rows: np.ndarray, weights: dict[int, float]) -> np.ndarray:
        """For each sentence, the summed weight of the query terms it contains."""
        out = np.zeros(len(rows), dtype=np.float32)
        known = {t: w for t, w in weights.items() if t >= 0}
        if not known or len(rows) == 0:
            return out
        lookup = np.zeros(len(self.weights), dtype=np.float32)
        lookup[list(known)] = list(known.values())
        ids, lengths = self._terms_of_rows(rows)
        if len(ids) == 0:
            return out
        owner = np.repeat(np.arange(len(rows)), lengths)
        np.add.at(out, owner, lookup[ids])
        return out

    def matched_groups(self, rows: np.ndarray, groups: list[dict[int, float]]) -> np.ndarray:
        """For each sentence, the summed weight over `groups` (term id -> weight, the forms
        of one word) of the heaviest term of the group it contains."""
        out = np.zeros(len(rows), dtype=np.float32)
        if len(rows) == 0:
            return out
        ids, lengths = self._terms_of_rows(rows)
        if len(ids) == 0:
            return out
        owner = np.repeat(np.arange(len(rows)), lengths)
        # Only the terms some group asks about are read, group by group.
        asked = np.zeros(len(self.weights), dtype=bool)
        asked[[t for group in groups for t in group if t >= 0]] = True
        keep = asked[ids]
        ids, owner = ids[keep], owner[keep]
        for group in groups:
            known = {t: w for t, w in group.items() if t >= 0}
            if not known:
                continue
            lookup = np.zeros(len(self.weights), dtype=np.float32)
            lookup[list(known)] = list(known.values())
            best = np.zeros(len(rows), dtype=np.float32)
            np.maximum.at(best, owner, lookup[ids])
            out += best
        return out

    def terms_in(self, rows: np.ndarray) -> np.ndarray:
        """The ids of the terms the sentences `rows` hold between them, sorted."""
        return np.unique(self._terms_of_rows(rows)[0])

    def _terms_of_rows(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every term id of the sentences `rows`, in row order, and how many each has."""
        rows = np.asarray(rows, dtype=np.int64)
        starts = np.asarray(self.terms_at[rows])
        lengths = np.asarray(self.terms_at[rows + 1]) - starts
        if len(rows) == 0 or lengths.sum() == 0:
            return np.zeros(0, dtype=np.int64), lengths
        offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
        positions = np.arange(lengths.sum()) + offsets
        return np.asarray(self.term_ids[positions], dtype=np.int64), lengths
