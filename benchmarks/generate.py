"""A synthetic corpus of peer challenge reports, for benchmarks at any size.

Each report recombines sections of the sample reports (tests/data/text) under another
council's name (from peerchat/core/councils.csv), with its own date, report type, page count
and house style (fonts, running header, footer, "Page N of M" or a bare number, a file
name that says nothing or one that does). Every tenth report carries a planted passage
about a made-up programme, recorded with a question about it in `planted.jsonl`, so that
search recall can be checked at every size. `reports.jsonl` records what each file is.

With `--fresh`, the reports' sentences are new (the planted passages stay as they are):
content words are swapped for others of the same kind drawn from the sample's own
vocabulary, numbers and capitalised names are changed, and now and then two sentences of a
paragraph swap their second clauses. No sentence then repeats the sample or another
report, so the embedding cache cannot hide the cost of embedding them (the cold benchmark).

Deterministic from the seed: report i is the same whatever the corpus size, so a smaller
corpus is a prefix of a larger one.

    python -m benchmarks.generate OUT_DIR --count 1000 [--seed 7] [--fresh]
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import random
import re
import textwrap
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.pdf_writer import lines_pdf
from peerchat.core.councils import Council, CouncilDirectory
from peerchat.core.records import Report
from peerchat.ingest.report import read_report
from peerchat.ingest.sentences import sentence_spans

ROOT = Path(__file__).resolve().parent.parent
MATERIAL = ROOT / "tests" / "data" / "text"
PLANT_EVERY = 10
MONTHS = (
    "January February March April May June July August September October November December"
).split()
BIRDS = (
    "Kestrel Heron Curlew Lapwing Plover Skylark Wren Osprey Merlin Bittern Avocet Dunlin "
    "Redshank Siskin Linnet Bunting Fieldfare Redwing Nightjar Dipper Warbler Swift Martin "
    "Swallow Godwit Whimbrel Shelduck Teal Wigeon Pintail Goldeneye Smew Gannet Fulmar"
).split()
STONES = (
    "Quartz Granite Basalt Flint Slate Jasper Garnet Onyx Agate Beryl Cobalt Marble Amber "
    "Copper Pewter Bronze Gypsum Mica Feldspar Topaz Opal Jet Chalk Shale Ochre Umber Sienna "
    "Porphyry Gabbro Dolerite Obsidian Pumice Tufa Marl"
).split()
AIMS = (
    ("brings volunteer drivers to isolated older residents", "volunteer transport"),
    ("pays young people to repair empty homes", "empty homes"),
    ("shares one contact centre with the fire service", "a shared contact centre"),
    ("lends electric bikes to jobseekers", "transport to work"),
    ("trains shop staff to spot financial abuse", "financial abuse"),
    ("turns closed libraries into start-up workspace", "start-up workspace"),
    ("buys food surplus from farms for school holidays", "holiday hunger"),
    ("pairs care leavers with local employers", "care leavers' jobs"),
)


@dataclass(frozen=True)
class Style:
    """A house style: how the pages of one report look."""

    font: str  # a standard PDF font
    bold: str
    size: float
    header: str  # "{council}" is replaced; "" for none
    footer: str  # "{n}", "{m}", "{council}" are replaced


STYLES = (
    Style("Helvetica", "Helvetica-Bold", 11, "", "{n}"),
    Style(
        "Times-Roman", "Times-Bold", 11.5, "{council} Corporate Peer Challenge", "Page {n} of {m}"
    ),
    Style("Helvetica", "Helvetica-Bold", 10, "LGA Corporate Peer Challenge", "{council} | {n}"),
    Style("Times-Roman", "Times-Bold", 12, "Peer challenge feedback", "- {n} -"),
)


@dataclass(frozen=True)
class Generated:
    """One generated report: what a correct ingest should find in it."""

    file: str
    council: str
    report_type: str
    date: str
    pages: int
    style: int


@dataclass(frozen=True)
class Planted:
    """A passage planted in one report, and a question it answers."""

    file: str
    council: str
    text: str
    question: str


@dataclass(frozen=True)
class Section:
    heading: str
    kind: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Source:
    """A sample report cut into sections, with the names to replace in it."""

    names: tuple[str, ...]  # longest first
    sections: tuple[Section, ...]


def load_sources(directory: CouncilDirectory) -> list[Source]:
    """The sample feedback reports, cut into sections."""
    sources = []
    for path in sorted(MATERIAL.iterdir()):
        report = read_report(path, councils=directory)
        if report.report_type != "feedback report":
            continue
        sections = []
        for s in report.sections:
            body = report.text[s.start : s.end].split("\n\n")[1:]  # without the heading
            paragraphs = tuple(p.strip() for p in body if len(p.strip()) > 40)
            if paragraphs:
                sections.append(Section(s.heading, s.kind, paragraphs))
        sources.append(Source(_names(report, directory), tuple(sections)))
    return sources


def _names(report: Report, directory: CouncilDirectory) -> tuple[str, ...]:
    names: set[str] = set()
    for name in report.councils:
        council = directory.lookup(name)
        if council is None:
            continue
        names.update({council.name, council.short})
        names.update(
            re.findall(
                rf"(?:[A-Z][a-z]+ )*{re.escape(council.short)}(?: [A-Z][a-z]+)*", report.text[:600]
            )
        )
    return tuple(sorted(names, key=len, reverse=True))


def generate(
    out: Path, count: int, seed: int = 7, fresh: bool = False
) -> tuple[list[Generated], list[Planted]]:
    """Write `count` report PDFs into `out`, with reports.jsonl and planted.jsonl; with
    `fresh`, every report's sentences are new (see the module's docstring)."""
    out.mkdir(parents=True, exist_ok=True)
    directory = CouncilDirectory.load()
    sources = load_sources(directory)
    vocabulary = Vocabulary.of(sources) if fresh else None
    councils = list(directory.current())
    made: list[Generated] = []
    planted: list[Planted] = []
    for i in range(count):
        rng = random.Random(f"{seed}:{i}")
        council = councils[rng.randrange(len(councils))]
        plant = _plant(i, council) if i % PLANT_EVERY == 0 else None
        freshen = None
        if vocabulary is not None:  # its own generator: the plain corpus stays as it was
            freshen = functools.partial(vocabulary.freshen, random.Random(f"{seed}:{i}:fresh"))
        generated, pdf = _report(i, rng, council, sources, plant, freshen)
        (out / generated.file).write_bytes(pdf)
        made.append(generated)
        if plant is not None:
            planted.append(Planted(generated.file, council.name, plant[0], plant[1]))
    with open(out / "reports.jsonl", "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(asdict(g)) + "\n" for g in made)
    with open(out / "planted.jsonl", "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(asdict(p)) + "\n" for p in planted)
    return made, planted


def _plant(i: int, council: Council) -> tuple[str, str]:
    """A passage about a made-up programme, unique to report i, and a question about it."""
    k = i // PLANT_EVERY
    name = f"{BIRDS[k % len(BIRDS)]} {STONES[(k // len(BIRDS)) % len(STONES)]}"
    if k >= len(BIRDS) * len(STONES):
        name += f" {k // (len(BIRDS) * len(STONES)) + 1}"
    aim, topic = AIMS[k % len(AIMS)]
    text = (
        f"The peer team was shown the {name} programme, which {aim}. Staff and partners "
        f"described the {name} programme as the council's most visible work on {topic}."
    )
    return text, f"Which council runs the {name} programme on {topic}?"


def _report(
    i: int,
    rng: random.Random,
    council: Council,
    sources: list[Source],
    plant: tuple[str, str] | None,
    freshen: Callable[[str], str] | None = None,
) -> tuple[Generated, bytes]:
    year = rng.randrange(2014, 2026)
    month = rng.randrange(12)
    day = rng.randrange(1, 25)
    kind = "progress review" if rng.random() < 0.2 else "feedback report"
    style_no = rng.randrange(len(STYLES))
    style = STYLES[style_no]
    source = sources[rng.randrange(len(sources))]
    title = "Progress Review" if kind == "progress review" else "Feedback Report"
    cover = [
        ("Corporate Peer Challenge", style.size + 12, True),
        (council.name, style.size + 8, True),
        (f"{day}-{day + 3} {MONTHS[month]} {year}", style.size + 2, False),
        (title, style.size + 2, False),
    ]
    body: list[tuple[str, float, bool]] = []
    numbered = 0
    wanted = rng.randrange(7, 13) if kind == "feedback report" else rng.randrange(3, 7)
    chosen = [s for s in source.sections if s.kind not in ("front matter",)]
    # Each report takes its sections from one source, in order, and some from others.
    picks = sorted(rng.sample(range(len(chosen)), min(wanted, len(chosen))))
    sections = [(source, chosen[p]) for p in picks]
    for _ in range(rng.randrange(1, 5)):
        other = sources[rng.randrange(len(sources))]
        numbered_sections = [s for s in other.sections if s.kind == "numbered"]
        if numbered_sections:
            sections.insert(
                rng.randrange(1, len(sections) + 1),
                (other, numbered_sections[rng.randrange(len(numbered_sections))]),
            )
    plant_at = rng.randrange(len(sections)) if plant else -1
    for n, (origin, section) in enumerate(sections):
        if section.kind == "recommendations":
            body.append(("Recommendations", style.size + 1, True))
        else:
            numbered += 1
            body.append((f"{numbered}. {section.heading}", style.size + 3, True))
        paragraphs = list(section.paragraphs)
        if n == plant_at and plant is not None:
            paragraphs.insert(rng.randrange(len(paragraphs) + 1), plant[0])
        for paragraph in paragraphs:
            planted_here = plant is not None and paragraph == plant[0]
            paragraph = _vary(paragraph, rng)
            if freshen is not None and not planted_here:
                paragraph = freshen(paragraph)
            body.append((_rename(paragraph, origin.names, council), style.size, False))
    pages = _layout(cover, body, style)
    m = len(pages)
    decorated = []
    for n, lines in enumerate(pages, start=1):
        extra = []
        if style.header and n > 1:
            extra.append(
                (60, 810, style.size - 2, style.header.format(council=council.short), False)
            )
        footer = style.footer.format(n=n, m=m, council=council.short)
        extra.append((280 if len(footer) < 12 else 60, 30, style.size - 2, footer, False))
        decorated.append(extra + lines)
    named = rng.random() < 0.5
    slug = re.sub(r"[^a-z]+", "-", council.short.lower()).strip("-")
    digest = hashlib.sha1(f"{i}".encode()).hexdigest()[:10]
    file = f"{slug}-cpc-{year}-{i:05d}.pdf" if named else f"document-{digest}.pdf"
    iso = f"{year}-{month + 1:02d}-{day:02d}"
    return Generated(file, council.name, kind, iso, m, style_no), lines_pdf(
        decorated, (style.font, style.bold)
    )


def _vary(paragraph: str, rng: random.Random) -> str:
    """Reports do not repeat each other word for word: now and then a paragraph loses one
    of its later sentences (the sentences themselves stay the sample's)."""
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])", paragraph)
    if len(sentences) >= 3 and rng.random() < 0.6:
        del sentences[rng.randrange(1, len(sentences))]
    return " ".join(sentences)


WORD = re.compile(r"[A-Za-z][a-z]+(?:-[a-z]+)*|\d[\d,.]*\d|\d")
COMMON = 120  # the sample's most frequent words (the, and, council, ...) are never swapped
SWAP = 0.3  # the chance that a content word is swapped


@dataclass(frozen=True)
class Vocabulary:
    """The sample's words by kind (lower case or capitalised, by length and ending), for
    swapping a word for another that reads as the same kind of word."""

    common: frozenset[str]
    by_kind: dict[tuple[bool, int, str], tuple[str, ...]]
    by_band: dict[tuple[bool, int], tuple[str, ...]]  # when a kind has no other word

    @classmethod
    def of(cls, sources: list[Source]) -> Vocabulary:
        counts: Counter[str] = Counter()
        for source in sources:
            for section in source.sections:
                for paragraph in section.paragraphs:
                    counts.update(w for w in WORD.findall(paragraph) if w[0].isalpha())
        common = frozenset(w.lower() for w, _ in counts.most_common(COMMON))
        by_kind: dict[tuple[bool, int, str], set[str]] = {}
        by_band: dict[tuple[bool, int], set[str]] = {}
        for word in counts:
            if word.lower() not in common:
                by_kind.setdefault(_kind(word), set()).add(word)
                by_band.setdefault(_kind(word)[:2], set()).add(word)
        return cls(
            common,
            {k: tuple(sorted(v)) for k, v in by_kind.items() if len(v) > 1},
            {k: tuple(sorted(v)) for k, v in by_band.items() if len(v) > 1},
        )

    def freshen(self, rng: random.Random, paragraph: str) -> str:
        """`paragraph` with new sentences (as the ingest splits them, bullets apart): every
        one has at least one word or number changed, and two may swap their second clauses."""
        spans = sentence_spans(paragraph)
        if not spans:
            return paragraph
        sentences = [self._sentence(rng, paragraph[start:end]) for start, end in spans]
        if len(sentences) >= 2 and rng.random() < 0.5:
            a, b = rng.sample(range(len(sentences)), 2)
            sentences[a], sentences[b] = _swap_clauses(sentences[a], sentences[b])
        out, last = [], 0
        for (start, end), sentence in zip(spans, sentences):
            out += [paragraph[last:start], sentence]
            last = end
        return "".join(out) + paragraph[last:]

    def _sentence(self, rng: random.Random, sentence: str) -> str:
        spots = [m for m in WORD.finditer(sentence) if m.group().lower() not in self.common]
        if not spots:
            return sentence
        forced = rng.randrange(len(spots))  # at least one change, so no sentence repeats
        out, last = [], 0
        for n, match in enumerate(spots):
            if n != forced and rng.random() >= SWAP:
                continue
            out += [sentence[last : match.start()], self._other(rng, match.group())]
            last = match.end()
        return "".join(out) + sentence[last:]

    def _other(self, rng: random.Random, word: str) -> str:
        if word[0].isdigit():  # another number of as many digits, separators kept
            digits = [c for c in word if c.isdigit()]
            first = str(rng.randrange(1, 10)) if digits[0] != "0" else "0"
            new = first + "".join(str(rng.randrange(10)) for _ in digits[1:])
            if new == "".join(digits):  # another number, never the same one
                new = new[:-1] + str((int(new[-1]) + 1) % 10)
            changed = iter(new)
            return "".join(next(changed) if c.isdigit() else c for c in word)
        choices = self.by_kind.get(_kind(word)) or self.by_band.get(_kind(word)[:2]) or (word,)
        pick = rng.randrange(len(choices))
        if choices[pick] == word:  # another word, never the same one
            pick = (pick + 1) % len(choices)
        return choices[pick]


def _kind(word: str) -> tuple[bool, int, str]:
    """Capitalised or not, a length band, and the last two letters (-ed, -ly, -ng, -es...)."""
    return (word[0].isupper(), min(len(word) // 3, 4), word[-2:].lower())


def _swap_clauses(a: str, b: str) -> tuple[str, str]:
    """Two sentences that trade what follows their first comma (each keeps its own end)."""
    if ", " not in a or ", " not in b:
        return a, b
    head_a, tail_a = a.split(", ", 1)
    head_b, tail_b = b.split(", ", 1)
    end_a, end_b = a[-1] if a[-1] in ".!?" else "", b[-1] if b[-1] in ".!?" else ""
    tail_a, tail_b = tail_a.rstrip(".!?"), tail_b.rstrip(".!?")
    return f"{head_a}, {tail_b}{end_a}", f"{head_b}, {tail_a}{end_b}"


def _rename(text: str, names: tuple[str, ...], council: Council) -> str:
    for name in names:
        replacement = council.name if len(name.split()) > 2 else council.short
        text = re.sub(rf"\b{re.escape(name)}\b", replacement, text)
    return text


def _layout(
    cover: list[tuple[str, float, bool]], body: list[tuple[str, float, bool]], style: Style
) -> list[list[tuple[float, float, float, str, bool]]]:
    """Lines placed on A4 pages: the cover alone on page 1, then the body."""
    pages = [
        [(60.0, 700.0 - 40 * n, size, text, bold) for n, (text, size, bold) in enumerate(cover)]
    ]
    page: list[tuple[float, float, float, str, bool]] = []
    y = 780.0
    width = int(480 / (style.size * 0.5))
    for text, size, bold in body:
        lines = textwrap.wrap(text, width=width) or [""]
        if bold and y < 160:
            y = 0  # a heading starts a new page when near the bottom
        for line in lines:
            if y < 70:
                pages.append(page)
                page, y = [], 780.0
            page.append((60.0, y, size, line, bold))
            y -= size * 1.35
        y -= size * 0.9
    if page:
        pages.append(page)
    return pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--fresh", action="store_true", help="new sentences in every report (cold benchmark)"
    )
    args = parser.parse_args()
    made, planted = generate(args.out, args.count, args.seed, args.fresh)
    pages = sum(g.pages for g in made)
    print(f"{len(made)} reports, {pages} pages, {len(planted)} planted passages in {args.out}")


if __name__ == "__main__":
    main()
