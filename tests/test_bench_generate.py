"""The benchmark's generator of never-seen reports (`generate --fresh`): new sentences,
made the same way every time."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from benchmarks.generate import Vocabulary, generate, load_sources
from peerchat.core.councils import CouncilDirectory
from peerchat.ingest.report import read_report
from peerchat.ingest.sentences import sentence_spans


@pytest.fixture(scope="module")
def sources():
    return load_sources(CouncilDirectory.load())


def _sentences(text: str) -> set[str]:
    return {text[s:e].strip() for s, e in sentence_spans(text) if len(text[s:e].strip()) > 30}


def test_freshen_changes_every_sentence_the_same_way_for_a_seed(sources):
    vocabulary = Vocabulary.of(sources)
    paragraphs = [p for source in sources for s in source.sections for p in s.paragraphs][:60]
    sample = set().union(*(_sentences(p) for p in paragraphs))
    fresh = [vocabulary.freshen(random.Random(3), p) for p in paragraphs]
    assert fresh == [vocabulary.freshen(random.Random(3), p) for p in paragraphs]
    assert fresh != [vocabulary.freshen(random.Random(4), p) for p in paragraphs]
    new = set().union(*(_sentences(p) for p in fresh))
    assert len(new) >= 0.9 * len(sample), "about as many sentences as before"
    assert not new & sample, "no sentence of the sample survives"
    words = sum(len(p.split()) for p in paragraphs)
    assert abs(sum(len(p.split()) for p in fresh) - words) < 0.02 * words, "as long as before"


def test_fresh_reports_are_deterministic_and_keep_the_planted_passage(tmp_path: Path, sources):
    first, planted = generate(tmp_path / "a", 2, seed=7, fresh=True)
    generate(tmp_path / "b", 2, seed=7, fresh=True)
    plain, _ = generate(tmp_path / "plain", 2, seed=7)
    for made in first:
        assert (tmp_path / "a" / made.file).read_bytes() == (
            tmp_path / "b" / made.file
        ).read_bytes()
    assert [m.file for m in first] == [m.file for m in plain], "same files, other sentences"
    sample = set()
    for source in sources:
        for section in source.sections:
            for paragraph in section.paragraphs:
                sample |= _sentences(paragraph)
    report = read_report(tmp_path / "a" / first[0].file)
    text = " ".join(report.text.split())
    assert planted and planted[0].text in text, "the planted passage is kept word for word"
    fresh_sentences = _sentences(text) - _sentences(planted[0].text)
    plain_text = " ".join(read_report(tmp_path / "plain" / plain[0].file).text.split())
    assert len(_sentences(plain_text) & sample) > 10, "the plain corpus repeats the sample"
    assert len(fresh_sentences & sample) <= 1, "the fresh one does not"
