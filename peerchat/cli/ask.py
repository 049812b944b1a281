"""Questions: `ask` (one answer, or one per stdin line), `chat` (a conversation),
`search` (passages only) and `eval` (scoring a question file)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from peerchat.cli.options import (
    answering,
    filter_options,
    friendly,
    index_option,
    load_assistant,
    make_filters,
)

if TYPE_CHECKING:
    from peerchat.index.answer import Assistant
    from peerchat.index.search import Filters


@click.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per question.")
@friendly
@answering
def ask(question: str, as_json: bool, assistant: Assistant, filters: Filters) -> None:
    """Answer QUESTION with cited passages. QUESTION "-" reads one question per stdin line;
    with --json a line may be {"question": ..., "history": [earlier questions]}, one
    conversation whose last answer is written."""
    from peerchat.render import answer_dict

    questions = (line.rstrip("\n") for line in sys.stdin) if question == "-" else [question]
    for q in questions:
        if question == "-" and not q.strip():
            continue
        if as_json:
            asked, earlier = conversation_line(q) if question == "-" else (q, [])
            result = assistant.answer_after(asked, earlier, filters)
            click.echo(json.dumps(answer_dict(result), ensure_ascii=False), nl=True)
            sys.stdout.flush()
        else:
            _echo_streamed(assistant, q, [], filters)
            if question == "-":
                click.echo()


@click.command()
@friendly
@answering
def chat(assistant: Assistant, filters: Filters) -> None:
    """An interactive session: follow-up questions use the conversation so far."""
    from peerchat.index.search import Turn

    history: list[Turn] = []
    click.echo("Ask about the reports; an empty line or Ctrl-D ends the session.", err=True)
    while True:
        try:
            question = click.prompt("you", prompt_suffix="> ", default="", show_default=False)
        except (EOFError, click.Abort):
            break
        if not question.strip():
            break
        result = _echo_streamed(assistant, question, history, filters)
        click.echo()
        history.append(Turn.from_answer(result))


def _echo_streamed(assistant, question: str, history: list, filters):
    """Print the answer as it arrives, then its notices and sources; return the Answer."""
    from dataclasses import replace

    from peerchat.core.records import Answer
    from peerchat.render import format_answer

    shown = ""
    result = None
    for piece in assistant.answer_stream(question, history, filters):
        if isinstance(piece, Answer):
            result = piece
        else:
            click.echo(piece, nl=False)
            sys.stdout.flush()
            shown += piece
    assert result is not None
    if shown.strip() == result.text.strip():
        click.echo(format_answer(replace(result, text="")))
    else:
        # The model failed part-way: what was shown is replaced by the answer given.
        if shown:
            click.echo("\n")
        click.echo(format_answer(result))
    return result


@click.command()
@click.argument("query")
@index_option
@click.option("--k", "-k", default=5, show_default=True, help="How many passages.")
@filter_options
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of hits.")
@friendly
def search(
    query: str,
    index_dir: Path | None,
    k: int,
    council: tuple[str, ...],
    report_type: tuple[str, ...],
    since: str | None,
    as_json: bool,
) -> None:
    """The passages that best match QUERY, with their citations."""
    from peerchat.index.search import citations_for_hits
    from peerchat.render import citation_dict, format_citation

    assistant = load_assistant(index_dir)
    filters = make_filters(assistant, council, report_type, since)
    citations = citations_for_hits(assistant.search(query, k=k, filters=filters))
    if as_json:
        click.echo(json.dumps([citation_dict(c) for c in citations], ensure_ascii=False))
        return
    if not citations:
        click.echo("No passages found.")
    for c in citations:
        click.echo(format_citation(c, with_text=True))
        click.echo()


@click.command(name="eval")
@click.argument("questions", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@index_option
@click.option("--rows", is_flag=True, help="Print each question's result too.")
@click.option("-k", default=5, show_default=True, help="Evidence must be in the first k citations.")
@friendly
def evaluate_command(questions: Path, index_dir: Path | None, rows: bool, k: int) -> None:
    """Score the assistant on a question file (JSON lines) with the project's scorer."""
    from peerchat.evaluate import evaluate

    assistant = load_assistant(index_dir)
    results, figures = evaluate(questions, assistant, k=k)
    if rows:
        for result in results:
            click.echo(json.dumps(result))
    click.echo(json.dumps(figures))


def conversation_line(line: str) -> tuple[str, list[str]]:
    """A stdin line: a question, or {"question": ..., "history": [earlier questions]}."""
    if line.lstrip().startswith("{"):
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            return line, []
        if isinstance(row, dict) and isinstance(row.get("question"), str):
            history = row.get("history") or []
            if not isinstance(history, list):
                history = []
            return row["question"], [h for h in history if isinstance(h, str)]
    return line, []
