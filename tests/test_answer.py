"""Answers on the real sample corpus with the real model: councils, floors, follow-ups,
citations that point where they say."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from peerchat.core.councils import CouncilDirectory
from peerchat.index.search import Filters, Turn, citations_for_hits, understand

DEV = Path(__file__).resolve().parent / "data" / "dev_questions.jsonl"
MARKER = re.compile(r"\[(\d+)\]")


def _dev(kind: str) -> list[dict]:
    rows = [json.loads(line) for line in DEV.read_text().splitlines() if line.strip()]
    return [r for r in rows if r["kind"] == kind]


def _check_citations(answer) -> None:
    """Every [n] points at a citation, citations are numbered 1..n in order of first use,
    and every quoted sentence is in its passage."""
    numbers = [c.n for c in answer.citations]
    assert numbers == list(range(1, len(numbers) + 1))
    used = [int(m) for m in MARKER.findall(answer.text)]
    assert set(used) <= set(numbers), (used, numbers)
    first_use = list(dict.fromkeys(used))
    assert first_use == numbers[: len(first_use)], "numbered in the order they are used"
    for citation in answer.citations:
        for quote in citation.quotes:
            assert quote in citation.text, (citation.n, quote)
            assert " ".join(quote.split()).lstrip("• ") in " ".join(answer.text.split())


@pytest.mark.parametrize("row", _dev("fact") + _dev("signpost"), ids=lambda r: r["id"])
def test_search_puts_an_answering_passage_in_the_top_5(assistant, row):
    citations = citations_for_hits(assistant.search(row["question"], k=5))
    text = " ".join(" ".join(c.text.split()) for c in citations).lower().replace("\u2019", "'")
    assert any(e.lower() in text for e in row["evidence"]), [c.section for c in citations]


def test_lambeth_corporate_disobedience_is_cited_at_its_page(assistant):
    answer = assistant.answer("What did the peer team mean by corporate disobedience?")
    assert answer.found
    first = answer.citations[0]
    assert first.council == "Lambeth London Borough Council"
    assert first.section.startswith("4.4")
    assert "corporate disobedience" in first.text
    report = next(r for r in assistant.library.reports.values() if r.source == first.source)
    text = assistant.library.report_text(report.id)  # report texts stay on disk
    printed_on = report.page_at(text.index("corporate disobedience"))
    assert first.page == printed_on
    _check_citations(answer)


def test_cross_council_question_is_answered_council_by_council(assistant):
    answer = assistant.answer("which councils were told to narrow priorities")
    assert answer.found and answer.aggregate
    cited = {c.council for c in answer.citations}
    for name in ("Lambeth", "Central Bedfordshire", "Cambridge", "Bromsgrove", "Bedford Borough"):
        assert any(name in c for c in cited), (name, cited)
    per_council = [sum(c.council == name for c in answer.citations) for name in cited]
    assert max(per_council) <= 2, "at most two passages per report (a close second quote)"
    lines = [line for line in answer.text.splitlines() if line.startswith("- **")]
    assert len(lines) == len(cited), "one line per report"
    _check_citations(answer)


def test_a_council_with_no_report_is_not_answered_from_others(assistant):
    answer = assistant.answer("What did Birmingham's peer team say about scrutiny?")
    assert not answer.found
    assert answer.citations == ()
    assert "Birmingham City Council" in answer.text
    assert "Lambeth London Borough Council" in answer.text, "lists who is covered"


def test_a_council_mentioned_in_other_reports_is_answered_from_them(assistant):
    answer = assistant.answer(
        "Which council shares services with South Cambridgeshire and Huntingdonshire?"
    )
    assert answer.found
    assert {c.council for c in answer.citations} == {"Cambridge City Council"}
    assert "Huntingdonshire" in answer.citations[0].text


@pytest.mark.parametrize(
    "question",
    [
        "What is the capital of France?",
        "What did the peer team say about air quality monitoring?",
        "What did Lambeth say about potholes?",
    ],
)
def test_a_question_the_reports_cannot_answer(assistant, question):
    answer = assistant.answer(question)
    assert not answer.found, answer.text
    assert "do not say" in answer.text and answer.citations == ()


def test_no_report_of_the_named_type_or_year(assistant):
    plan = assistant.answer("What is in Lambeth's action plan?")
    assert not plan.found and "no action plan for Lambeth" in plan.text
    year = assistant.answer("What did the 2010 peer challenge of Lambeth find?")
    assert not year.found and "dated 2010" in year.text


@pytest.mark.parametrize("question", ["", "   ", "\n"])
def test_an_empty_question(assistant, question):
    answer = assistant.answer(question)
    assert not answer.found and answer.text.startswith("Ask a question")


def test_a_5000_character_question(assistant):
    question = "What did the peer team say about scrutiny in Lambeth? " * 93
    assert len(question) > 5000
    answer = assistant.answer(question[:5000])
    assert answer.found
    assert {c.council for c in answer.citations} == {"Lambeth London Borough Council"}
    _check_citations(answer)


@pytest.mark.parametrize(
    "question",
    [
        "WHAT DID LAMBETH SAY ABOUT SCRUTINY?",
        "What did Lambteh say about scrutiny?",
        "what did Lambeth's peer team say about scrutiny",
    ],
)
def test_capitals_and_typos_of_a_council_name(assistant, question):
    answer = assistant.answer(question)
    assert answer.found, answer.text
    assert answer.councils == ("Lambeth London Borough Council",)
    assert {c.council for c in answer.citations} == {"Lambeth London Borough Council"}
    assert "scrutiny" in answer.text.lower()


def test_follow_up_swaps_the_council_and_keeps_the_topic(assistant):
    first = assistant.answer("which councils were told to narrow priorities")
    follow = assistant.answer("and Cambridge?", [Turn.from_answer(first)])
    assert follow.found, follow.text
    assert {c.council for c in follow.citations} == {"Cambridge City Council"}
    assert follow.topic == first.topic
    assert "priorit" in follow.text.lower()
    _check_citations(follow)


def test_follow_up_with_a_pronoun_keeps_the_council(assistant):
    first = assistant.answer("What did the peer team say about Bedford's priorities?")
    follow = assistant.answer("What did they commit to on scrutiny?", [Turn.from_answer(first)])
    assert follow.found
    assert {c.council for c in follow.citations} == {"Bedford Borough Council"}
    assert "scrutiny" in follow.text.lower()


def test_caller_filters_narrow_the_councils(assistant):
    only = Filters(councils=("Lambeth London Borough Council", "Cambridge City Council"))
    answer = assistant.answer("which councils were told to narrow priorities", filters=only)
    assert {c.council for c in answer.citations} == set(only.councils)
    plans = assistant.answer(
        "what was said about priorities", filters=Filters(report_types=("action plan",))
    )
    assert {c.report_type for c in plans.citations} == {"action plan"}


def test_understanding_a_question():
    directory = CouncilDirectory.load()
    q = understand("How many councils were told to strengthen scrutiny in 2017?", directory)
    assert q.aggregate and q.count and q.years == (2017,)
    assert q.topic == "strengthen scrutiny in 2017"
    q = understand("How many hours did the Bromsgrove and Redditch peer team spend?", directory)
    assert not q.aggregate
    assert [c.short for c in q.councils] == ["Bromsgrove", "Redditch"]
    q = understand("What does Central Beds' action plan say?", directory)
    assert [c.name for c in q.councils] == ["Central Bedfordshire Council"]
    assert q.report_types == ("action plan",)
