"""Questions at the one door both the CLI and the app use (Assistant.answer/answer_stream):
control characters removed, cut to the limit with a notice rather than an error."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from peerchat.cli import main
from peerchat.core.records import Answer
from peerchat.core.settings import Settings
from peerchat.index.answer import Assistant
from peerchat.index.build import ingest_paths
from peerchat.index.search.query import MAX_QUESTION_CHARS, clean_question

TEXT = Path(__file__).resolve().parent / "data" / "text"
QUESTION = "What did Lambeth say about pre-decision scrutiny?"


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from peerchat.index.embedding import HashEmbedder

    folder = tmp_path_factory.mktemp("question-reports")
    shutil.copy(TEXT / "lambeth-cpc-feedback-2016.md", folder)
    index_dir = tmp_path_factory.mktemp("question-index")
    assert ingest_paths([folder], index_dir, HashEmbedder()).ingested
    return index_dir


@pytest.fixture
def assistant(index_dir: Path, hash_embedder) -> Assistant:
    return Assistant.load(Settings(index_dir=index_dir, embedder="hash"), hash_embedder)


def test_control_and_format_characters_are_removed() -> None:
    hostile = "What\x00 did\x1b[31m Lambeth\u202e say\u200b about\tscrutiny?\r\n\ud800"
    asked = clean_question(hostile)
    assert asked.text == "What did[31m Lambeth say about scrutiny?"
    assert asked.notice == ""
    kept = "Qu’a dit Lambeth — 監査 😀 über «scrutiny»?"
    assert clean_question(kept).text == kept, "letters of any script and emoji stay"


def test_a_long_question_is_cut_with_a_notice() -> None:
    asked = clean_question("word " * 1000, limit=100)
    assert len(asked.text) <= 100 and asked.text.startswith("word word")
    assert asked.notice == (
        "The question was longer than 100 characters: only the first 100 were read."
    )
    # A limit above what the reader takes is held to it.
    assert len(clean_question("x" * 10_000, limit=50_000).text) == MAX_QUESTION_CHARS
    # An enormous question is only looked at up to a few times the limit.
    huge = clean_question("\x00" * 5_000_000 + QUESTION, limit=100)
    assert huge.text == "" and huge.notice


def test_the_assistant_answers_the_cleaned_question_and_says_it_was_cut(
    assistant: Assistant,
) -> None:
    clean = assistant.answer(QUESTION)
    assert clean.question == QUESTION and not any("longer than" in n for n in clean.notices)

    long = QUESTION + " " + "Please be thorough. " * 200
    answer = assistant.answer("\x00" + long)
    assert answer.question == " ".join(long.split())[:2000].rstrip()
    assert answer.notices[0].startswith("The question was longer than 2,000 characters")

    short = Assistant.load(assistant.settings.with_(max_question_chars=20), assistant.embedder)
    *pieces, final = short.answer_stream(QUESTION)
    assert isinstance(final, Answer) and final.question == "What did Lambeth say"
    assert final.notices[0].startswith("The question was longer than 20 characters")


def test_nothing_but_control_characters_asks_for_a_question(assistant: Assistant) -> None:
    answer = assistant.answer("\x00\x01\x1b\x7f")
    assert not answer.found
    assert answer.text == "Ask a question about the reports in the library."


def test_the_cli_prints_the_notice_and_no_control_characters(index_dir: Path) -> None:
    env = {"PEERCHAT_INDEX_DIR": str(index_dir), "PEERCHAT_EMBEDDER": "hash"}
    question = "What did Lambeth\x1b[2J say about scrutiny?\x07 " + "Really. " * 300
    result = CliRunner().invoke(main, ["ask", "--json", question], env=env)
    assert result.exit_code == 0, result.output
    reply = json.loads(result.stdout)
    assert "\x1b" not in reply["question"] and "\x07" not in reply["question"]
    assert reply["notices"][0].startswith("The question was longer than 2,000 characters")
