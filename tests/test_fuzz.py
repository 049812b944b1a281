"""Fuzzing the doors hostile input comes through: mutated sample PDFs and random text
files to the ingest, random uploads (names and bytes) to the Library's add, and random
questions to the answerer. Nothing may crash or hang past the read limits; every file
that is not ingested is named in the summary with a reason.

Bounded to run in a few seconds per test (hash embedder, small example counts); a failing
example is saved in .hypothesis/ and replayed first on the next run.
"""

from __future__ import annotations

import shutil
import unicodedata
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from peerchat import manage
from peerchat.admin import admin_by_password
from peerchat.core.limits import ReadLimits
from peerchat.core.records import Answer
from peerchat.core.settings import Settings
from peerchat.index.answer import Assistant
from peerchat.index.build import ingest_paths
from peerchat.index.embedding import HashEmbedder
from peerchat.index.search.query import MAX_QUESTION_CHARS

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = {p.name: p.read_bytes() for p in sorted((ROOT / "data" / "reports").glob("*.pdf"))}
TEXTS = Path(__file__).resolve().parent / "data" / "text"
# Generous for a 13-page PDF, short enough that a hang shows as a skipped file quickly.
LIMITS = ReadLimits(timeout=10.0, max_pages=50, max_text_chars=200_000, max_memory_mb=256)
# A read that hung past LIMITS.timeout would push an example past this.
FILE_DEADLINE = timedelta(seconds=60)


# --- mutated files ------------------------------------------------------------------------


@st.composite
def mutated_pdf(draw: st.DrawFn) -> bytes:
    """A sample PDF with a few byte flips, insertions, deletions or a truncation."""
    data = bytearray(SAMPLES[draw(st.sampled_from(sorted(SAMPLES)))])
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "zero"]))
        at = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 256))]
        elif kind == "truncate":
            del data[max(at, 1) :]
        else:  # a run of zeros over whatever was there
            n = draw(st.integers(1, 512))
            data[at : at + n] = bytes(min(n, len(data) - at))
        if not data:
            data = bytearray(b"%")
    return bytes(data)


text_file = st.one_of(
    st.binary(max_size=2048),
    st.text(max_size=2048).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.text(st.characters(codec="latin-1"), max_size=1024).map(lambda t: t.encode("latin-1")),
    st.sampled_from(sorted(TEXTS.iterdir())).map(lambda p: p.read_bytes()[:4096]),
)


@settings(max_examples=12, deadline=FILE_DEADLINE)
@given(
    pdfs=st.lists(mutated_pdf(), min_size=1, max_size=3),
    texts=st.lists(st.tuples(text_file, st.sampled_from([".txt", ".md"])), max_size=3),
)
def test_mutated_pdfs_and_random_text_files_are_ingested_or_named(
    tmp_path_factory: pytest.TempPathFactory,
    pdfs: list[bytes],
    texts: list[tuple[bytes, str]],
) -> None:
    folder = tmp_path_factory.mktemp("fuzz-reports")
    names = []
    for i, data in enumerate(pdfs):
        names.append(f"mutated-{i}.pdf")
        (folder / names[-1]).write_bytes(data)
    for i, (data, suffix) in enumerate(texts):
        names.append(f"random-{i}{suffix}")
        (folder / names[-1]).write_bytes(data)

    summary = ingest_paths(
        [folder], tmp_path_factory.mktemp("fuzz-index"), HashEmbedder(), limits=LIMITS
    )

    skipped = dict(summary.skipped)
    for name in names:
        event(f"{Path(name).suffix} {'ingested' if name in summary.ingested else 'skipped'}")
    for reason in skipped.values():
        event(reason[:40])
    assert len(skipped) == len(summary.skipped), "each file is named once"
    for name in names:
        assert (name in summary.ingested) != (name in skipped), (name, summary.line())
        if name in skipped:
            reason = skipped[name]
            assert reason.strip() and "\n" not in reason and len(reason) < 300, reason
    assert set(summary.ingested) | set(skipped) == set(names)


# --- uploads ------------------------------------------------------------------------------

hostile_prefix = st.one_of(
    st.text(max_size=60),
    st.lists(
        st.sampled_from(["..", ".", "", "etc", "C:", "\\..\\", "~", "\x00", " ", "-"]), max_size=5
    ).map("/".join),
)
upload = st.one_of(
    st.tuples(hostile_prefix, st.sampled_from([".pdf", ".PDF"]), mutated_pdf()),
    st.tuples(hostile_prefix, st.sampled_from([".txt", ".md"]), text_file),
    st.tuples(hostile_prefix, st.sampled_from([".exe", "", ".pdf.exe", ".md/"]), text_file),
).map(lambda parts: (parts[0] + parts[1], parts[2]))


@settings(max_examples=20, deadline=FILE_DEADLINE)
@given(uploads=st.lists(upload, min_size=1, max_size=3))
def test_random_uploads_land_inside_the_reports_folder_or_are_named(
    tmp_path_factory: pytest.TempPathFactory, uploads: list[tuple[str, bytes]]
) -> None:
    root = tmp_path_factory.mktemp("fuzz-upload")
    config = Settings(
        index_dir=root / "index",
        reports_dir=root / "reports",
        embedder="hash",
        admin_password="fuzz",
        parse_timeout=LIMITS.timeout or 10.0,
        max_pages=LIMITS.max_pages,
        max_text_chars=LIMITS.max_text_chars,
        parse_memory_mb=LIMITS.max_memory_mb,
    )
    admin = admin_by_password(config, "fuzz")

    result = manage.add_reports(admin, uploads, config, HashEmbedder())
    event(f"added {len(result.added)} of {len(uploads)}")
    for _n, why in result.skipped:
        event(why[:40])

    saved = sorted(p.name for p in config.reports_dir.iterdir())
    assert sorted(result.added) == saved, "what was added is exactly what is in the folder"
    assert len(result.added) + len(result.skipped) == len(uploads), "each named once"
    for name, reason in result.skipped:
        assert name and reason.strip(), (name, reason)
    # Nothing was written anywhere but the reports folder and the index.
    written = {p.relative_to(root).parts[0] for p in root.rglob("*")}
    assert written <= {"reports", "index"}, written


# --- questions ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    folder = tmp_path_factory.mktemp("fuzz-question-reports")
    for name in ("lambeth-cpc-feedback-2016.md", "cambridge-city-cpc-feedback-2017.md"):
        shutil.copy(TEXTS / name, folder)
    index_dir = tmp_path_factory.mktemp("fuzz-question-index")
    assert len(ingest_paths([folder], index_dir, HashEmbedder()).ingested) == 2
    return Assistant.load(Settings(index_dir=index_dir, embedder="hash"), HashEmbedder())


any_character = st.characters(codec=None, exclude_categories=())
words = st.sampled_from(
    [
        "which",
        "councils",
        "Lambeth",
        "Cambridge",
        "scrutiny",
        "and",
        "what about",
        "they",
        "2017",
        "how many",
        "signposted",
        "?",
        "\x00",
        "\x1b[31m",
        "\u202e",
        "😀",
        "監査",
    ]
)
question = st.one_of(
    st.text(any_character, max_size=300),
    st.lists(words, max_size=60).map(" ".join),
    st.builds(
        lambda text, n: text * n,
        st.text(any_character, min_size=1, max_size=20),
        st.integers(100, 20_000),
    ),
)


@settings(max_examples=200, deadline=timedelta(seconds=10))
@given(asked=question, follow_up=question)
def test_random_questions_get_an_answer_not_an_error(
    assistant: Assistant, asked: str, follow_up: str
) -> None:
    first = assistant.answer(asked)
    assert isinstance(first, Answer)
    for answer in (first, _streamed(assistant, follow_up, first)):
        assert len(answer.question) <= MAX_QUESTION_CHARS
        assert not any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in answer.question), (
            repr(answer.question)
        )
        assert answer.text.strip(), "always something to show"
        numbers = {c.n for c in answer.citations}
        assert numbers == set(range(1, len(answer.citations) + 1))
    plain = asked.isprintable() and not any(ch.isspace() for ch in asked)
    if len(asked) > 4 * MAX_QUESTION_CHARS or (plain and len(asked) > MAX_QUESTION_CHARS):
        assert first.notices and "longer than" in first.notices[0], "a cut question says so"
    if len(asked) <= MAX_QUESTION_CHARS:
        assert not any("longer than" in n for n in first.notices)
    assert isinstance(assistant.search(asked), list)


def _streamed(assistant: Assistant, question: str, before: Answer) -> Answer:
    from peerchat.index.search import Turn

    *pieces, final = assistant.answer_stream(question, [Turn.from_answer(before)])
    assert all(isinstance(p, str) for p in pieces)
    assert isinstance(final, Answer)
    return final
