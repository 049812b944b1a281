"""The service list that tells a subject the reports never discuss (index/search/topics.py)."""

from __future__ import annotations

import pytest

from peerchat.index.search.topics import subjects_named


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("did they comment on climate change?", "climate change"),
        ("anything on bin collections or fly-tipping?", "waste and recycling"),
        ("how many foster carers does it have?", "children's services"),
        ("is there anything about the HRA?", "the housing revenue account"),
        ("what about repairs to council homes?", "housing repairs"),
    ],
)
def test_a_service_is_named_by_an_officers_words(question, subject):
    assert subject in [s.name for s in subjects_named(question)]


@pytest.mark.parametrize(
    "question",
    [
        "do the peers think the meetings are a waste of time?",
        "what did they say about the financial climate?",
        "how should they go about repairing the relationship with members?",
        "what about the adoption of the corporate plan?",
        "did the peers see a culture of fostering innovation?",
        "who trains the managers?",
    ],
)
def test_an_ordinary_use_of_a_services_word_names_no_service(question):
    assert subjects_named(question) == ()


def test_a_report_discussing_a_service_in_its_own_words_counts():
    (libraries,) = subjects_named("what happened to the libraries?")
    assert libraries.said.search("The library service was reshaped")
    (climate,) = subjects_named("any carbon targets?")
    assert climate.said.search("the climate emergency declared in 2019")
    assert not climate.said.search("a challenging financial context")
