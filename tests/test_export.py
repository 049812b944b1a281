"""The conversation as Markdown for a visit brief."""

from __future__ import annotations

from peerchat.core.records import Answer, Citation
from peerchat.export import conversation_markdown
from peerchat.index.search import Filters


def _citation(n: int, council: str, quotes: tuple[str, ...] = ()) -> Citation:
    return Citation(
        n=n,
        chunk_id=f"abc123:{n}:p5-5:0",
        council=council,
        title=f"Corporate Peer Challenge {council}",
        report_type="feedback report",
        date="2017-12-11",
        section="4.1 Understanding of the local place",
        page=5,
        source="cambridge-city-cpc-feedback-2017.pdf",
        text="Set fewer priorities.\nResist adding to them.",
        score=0.5,
        quotes=quotes,
    )


def test_questions_answers_and_sources_with_their_places() -> None:
    answers = [
        Answer(
            question="which councils were told to narrow priorities",
            found=True,
            text="- **Cambridge City Council**: Set fewer priorities. [1]",
            citations=(_citation(1, "Cambridge City Council", ("Set fewer priorities.",)),),
        ),
        Answer(question="and Birmingham?", found=False, text="There is no report\nfor it."),
    ]
    md = conversation_markdown(
        answers, [Filters(councils=("Cambridge City Council",)), None], generated="1 May 2025"
    )
    assert md.startswith("# Peer Challenge Assistant: conversation\n\n_Exported 1 May 2025._")
    assert "## 1. which councils were told to narrow priorities" in md
    assert "_Filtered: councils: Cambridge City Council._" in md
    assert "- **Cambridge City Council**: Set fewer priorities. [1]" in md
    assert (
        "1. **Cambridge City Council**, *Corporate Peer Challenge Cambridge City Council* "
        "(feedback report, 11 December 2017), 4.1 Understanding of the local place, p. 5 "
        "(cambridge-city-cpc-feedback-2017.pdf)\n    > Set fewer priorities."
    ) in md
    assert "## 2. and Birmingham?\n\n> There is no report for it." in md
    assert md.count("**Sources**") == 1, "an answer without citations lists no sources"
    assert md.endswith("\n") and not md.endswith("\n\n")


def test_a_source_without_quotes_shows_the_start_of_its_passage() -> None:
    answer = Answer("q", True, "Answer [1]", citations=(_citation(1, "Lambeth"),))
    md = conversation_markdown([answer])
    assert "    > Set fewer priorities. Resist adding to them." in md


def test_an_empty_conversation() -> None:
    assert "No questions were asked." in conversation_markdown([])
