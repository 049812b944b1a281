"""The one table of readable report files: suffix -> reader.

Ingest (report.py), the index build (which files of a folder to read), `peerchat doctor`
(are there reports to read?), the app's Library page (what may be uploaded) and the
administrator's tools (peerchat/manage.py) all take the readable types from here: a new
kind of file is one row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from peerchat.core.limits import ReadLimits
from peerchat.ingest.pdf import RawPage, read_pdf
from peerchat.ingest.textfile import read_text_pages


@dataclass(frozen=True)
class Reader:
    """How one kind of file becomes raw pages.

    `laid_out`: its pages carry fonts and positions (a PDF), from which running headers,
    headings and action-plan tables are read; otherwise (a text export) they are read from
    the text alone.
    """

    read: Callable[[Path, ReadLimits], list[RawPage]]
    laid_out: bool


READERS: dict[str, Reader] = {
    ".pdf": Reader(read_pdf, laid_out=True),
    ".txt": Reader(read_text_pages, laid_out=False),
    ".md": Reader(read_text_pages, laid_out=False),
}
SUPPORTED_SUFFIXES = tuple(READERS)
# "not a supported file type (.pdf, .txt, .md)": why any other file is skipped.
UNSUPPORTED = f"not a supported file type ({', '.join(SUPPORTED_SUFFIXES)})"


def reader_for(path: Path | str) -> Reader | None:
    """The reader of `path`'s kind of file (by suffix, any case); None when unsupported."""
    return READERS.get(Path(path).suffix.lower())


def readable(path: Path | str) -> bool:
    """Whether `path` is a kind of file peerchat reads (by suffix; not yet read)."""
    return reader_for(path) is not None


def suffixes_in_words() -> str:
    """The readable suffixes for a sentence: ".pdf, .txt or .md"."""
    *most, last = SUPPORTED_SUFFIXES
    return f"{', '.join(most)} or {last}" if most else last
