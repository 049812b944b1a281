"""Sentence spans of cleaned report text: the unit an extractive answer quotes."""

from __future__ import annotations

import re

# Words after which a full stop does not end a sentence.
ABBREVIATIONS = frozenset(
    [
        "e.g",
        "i.e",
        "etc",
        "cllr",
        "cllrs",
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "no",
        "nos",
        "vs",
        "approx",
        "para",
        "paras",
        "fig",
        "cf",
        "ref",
        "refs",
        "inc",
        "ltd",
        "co",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
    ]
)
END = re.compile(r"[.!?]['\u2019\u201d\")]*\s+(?=[\"'\u2018\u201c(]?[A-Z0-9\u2022])")
MIN_CHARS = 12
# A blank line, or a line that starts a list item or a labelled field ("Action: ...").
BLOCK_BREAK = re.compile(
    r"\n\s*\n|\n(?=\s*(?:\u2022|[-*] |\d+(?:\.\d+)*[.)]? |[a-z][.)] |"
    r"[A-Z][A-Za-z/’' -]{1,40}: ))"
)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of `text`, whitespace trimmed.

    Line breaks that separate list items or paragraphs end a sentence; a full stop after
    an abbreviation or inside a number ("4.4") does not. Fragments shorter than a few
    words are merged into the sentence before them.
    """
    spans: list[tuple[int, int]] = []
    for block_start, block_end in _blocks(text):
        start = block_start
        block = text[block_start:block_end]
        for match in END.finditer(block):
            word = re.search(r"([A-Za-z.]+)[.!?]['\u2019\u201d\")]*\s+$", block[: match.end()])
            if word and word.group(1).lower().rstrip(".") in ABBREVIATIONS:
                continue
            if re.fullmatch(
                r"\s*(?:\u2022\s*)?\(?(?:\d+(?:\.\d+)*|[a-zA-Z]{1,3})", block[: match.start()]
            ):
                continue  # the number of a list item ("1. Prioritise ...")
            cut = block_start + match.start() + 1
            cut = _after_closers(text, cut)
            spans.append((start, cut))
            start = block_start + match.end()
        spans.append((start, block_end))
    return _merge_short(text, [_trim(text, s, e) for s, e in spans if text[s:e].strip()])


def split_sentences(text: str) -> list[str]:
    """The sentences of `text` as strings."""
    return [text[s:e] for s, e in sentence_spans(text)]


def _blocks(text: str) -> list[tuple[int, int]]:
    """Paragraphs and list items: spans separated by a blank line or a bullet line."""
    blocks = []
    start = 0
    for match in BLOCK_BREAK.finditer(text):
        blocks.append((start, match.start()))
        start = match.end()
    blocks.append((start, len(text)))
    return [(s, e) for s, e in blocks if text[s:e].strip()]


def _after_closers(text: str, cut: int) -> int:
    while cut < len(text) and text[cut] in "'\u2019\u201d\")":
        cut += 1
    return cut


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _merge_short(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        short = len(text[start:end]) < MIN_CHARS
        if merged and short and "\n\n" not in text[merged[-1][1] : start]:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged
