"""The `peerchat` command line: a thin edge over ingest/ and index/.

Results go to stdout (JSON with --json and nothing else); progress, messages and the
structured logs (peerchat/core/logs.py) to stderr or the log file.
Exit codes: 0 success, 1 runtime failure (nothing usable, no index...), 2 usage.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from peerchat.core.errors import PeerchatError

if TYPE_CHECKING:
    from peerchat.index.answer import Assistant
    from peerchat.index.search import Filters
from peerchat.core.settings import Settings


def _index_option(func: Callable) -> Callable:
    return click.option(
        "--index-dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=None,
        help="Index folder (default data/index, env PEERCHAT_INDEX_DIR).",
    )(func)


def _llm_options(func: Callable) -> Callable:
    """--llm-base-url/--llm-model/--llm-api-key: answer with a language model."""
    options = [
        click.option(
            "--llm-api-key",
            default=None,
            help="API key for the model endpoint (env PEERCHAT_LLM_API_KEY).",
        ),
        click.option(
            "--llm-model",
            default=None,
            help="Model name at the endpoint (env PEERCHAT_LLM_MODEL).",
        ),
        click.option(
            "--llm-base-url",
            default=None,
            help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1 "
            "(env PEERCHAT_LLM_BASE_URL). Unset: extractive answers.",
        ),
    ]
    for option in options:
        func = option(func)
    return func


def _filter_options(func: Callable) -> Callable:
    """--council, --type and --since: the filters every question command takes."""
    func = click.option(
        "--since", default=None, help="Only reports dated on or after (YYYY or date)."
    )(func)
    func = click.option("--type", "report_type", multiple=True, help="Only this report type.")(func)
    return click.option("--council", multiple=True, help="Only this council (repeatable).")(func)


def _settings(index_dir: Path | None, **overrides: Any) -> Settings:
    return Settings.from_env(index_dir=index_dir, **overrides)


def _friendly(func: Callable) -> Callable:
    """Turn domain errors into a one-line message on stderr and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except PeerchatError as exc:
            click.echo(f"peerchat: {exc}", err=True)
            sys.exit(1)

    return wrapper


def _answering(func: Callable) -> Callable:
    """The options of a question command (--index-dir, filters, model), turned into the
    `assistant` and `filters` the command is called with."""

    @functools.wraps(func)
    def wrapper(
        *args: Any,
        index_dir: Path | None,
        council: tuple[str, ...],
        report_type: tuple[str, ...],
        since: str | None,
        llm_base_url: str | None,
        llm_model: str | None,
        llm_api_key: str | None,
        **kwargs: Any,
    ) -> Any:
        assistant = _assistant(
            index_dir, llm_base_url=llm_base_url, llm_model=llm_model, llm_api_key=llm_api_key
        )
        filters = _filters(assistant, council, report_type, since)
        return func(*args, assistant=assistant, filters=filters, **kwargs)

    return _index_option(_filter_options(_llm_options(wrapper)))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="peerchat")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Peer Challenge Assistant: cited answers over LGA Corporate Peer Challenge reports."""
    from peerchat.core import logs

    try:
        settings = Settings.from_env()
    except PeerchatError:
        return  # a bad setting: the command itself names it (and --help still works)
    try:
        handlers = logs.configure(settings)
    except PeerchatError as exc:
        click.echo(f"peerchat: note: {exc}; logging to stderr at INFO instead", err=True)
        handlers = logs.configure(settings.with_(log_level="INFO", log_file=""))
    ctx.call_on_close(lambda: logs.detach(handlers))


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@_index_option
@click.option("--rebuild", is_flag=True, help="Ignore the existing index and read every file.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option(
    "--no-wait", is_flag=True, help="Fail at once if another ingest is updating the index."
)
@_friendly
def ingest(
    paths: tuple[Path, ...], index_dir: Path | None, rebuild: bool, quiet: bool, no_wait: bool
) -> None:
    """Bring the index up to date with report files or folders (default data/reports).

    One ingest updates an index at a time: a second one waits for the first to finish
    (or, with --no-wait, exits 1). Readers keep answering from the live index meanwhile.
    """
    from peerchat.core.logs import ingest_finished
    from peerchat.index.build import ingest_paths
    from peerchat.index.embedding import make_embedder
    from peerchat.progress import StderrProgress

    settings = _settings(index_dir, quiet=quiet or None)
    targets = list(paths) or [settings.reports_dir]
    with StderrProgress(enabled=not settings.quiet) as progress:
        summary = ingest_paths(
            targets,
            settings.index_dir,
            make_embedder(settings.embedder, settings.model_path),
            chunk_tokens=settings.chunk_tokens,
            rebuild=rebuild,
            progress=progress,
            limits=settings.read_limits,
            workers=settings.ingest_workers,
            wait=not no_wait,
            on_wait=lambda: click.echo("waiting for another ingest to finish…", err=True),
        )
    ingest_finished(summary)
    for name, reason in summary.skipped:
        click.echo(f"skipped {name}: {reason}", err=True)
    for warning in summary.warnings:
        click.echo(f"note: {warning}", err=True)
    click.echo(summary.line())
    if not summary.ok:
        click.echo("peerchat: nothing usable was ingested", err=True)
        sys.exit(1)


@main.command()
@click.argument("query")
@_index_option
@click.option("--k", "-k", default=5, show_default=True, help="How many passages.")
@_filter_options
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of hits.")
@_friendly
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

    assistant = _assistant(index_dir)
    filters = _filters(assistant, council, report_type, since)
    citations = citations_for_hits(assistant.search(query, k=k, filters=filters))
    if as_json:
        click.echo(json.dumps([citation_dict(c) for c in citations], ensure_ascii=False))
        return
    if not citations:
        click.echo("No passages found.")
    for c in citations:
        click.echo(format_citation(c, with_text=True))
        click.echo()


@main.command()
@_index_option
@click.option("--json", "as_json", is_flag=True, help="Print the library as JSON.")
@_friendly
def reports(index_dir: Path | None, as_json: bool) -> None:
    """The reports in the library: council, type, date, pages, passages."""
    from peerchat.index.store import Library
    from peerchat.render import library_rows

    library = Library.open(_settings(index_dir).index_dir)
    rows = library_rows(library)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    if not rows:
        click.echo("The library is empty: add reports with `peerchat ingest PATH`.")
        return
    header = ("council", "type", "date", "pages", "passages", "file")
    table = [header] + [tuple(str(r[h]) for h in header) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())


@main.command()
@click.argument("question")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per question.")
@_friendly
@_answering
def ask(question: str, as_json: bool, assistant: Assistant, filters: Filters) -> None:
    """Answer QUESTION with cited passages. QUESTION "-" reads one question per stdin line."""
    from peerchat.render import answer_dict

    questions = (line.rstrip("\n") for line in sys.stdin) if question == "-" else [question]
    for q in questions:
        if question == "-" and not q.strip():
            continue
        if as_json:
            result = assistant.answer(q, filters=filters)
            click.echo(json.dumps(answer_dict(result), ensure_ascii=False), nl=True)
            sys.stdout.flush()
        else:
            _echo_streamed(assistant, q, [], filters)
            if question == "-":
                click.echo()


@main.command()
@_friendly
@_answering
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


@main.command(name="eval")
@click.argument("questions", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@_index_option
@click.option("--rows", is_flag=True, help="Print each question's result too.")
@click.option("-k", default=5, show_default=True, help="Evidence must be in the first k citations.")
@_friendly
def evaluate_command(questions: Path, index_dir: Path | None, rows: bool, k: int) -> None:
    """Score the assistant on a question file (JSON lines), like the project's scorer."""
    from dataclasses import asdict

    from peerchat.evaluate import evaluate

    assistant = _assistant(index_dir)
    results, figures = evaluate(questions, assistant.answer, k=k)
    if rows:
        for result in results:
            click.echo(json.dumps(asdict(result)))
    click.echo(json.dumps(figures))


def _assistant(index_dir: Path | None, **overrides: Any):
    from peerchat.index.answer import Assistant

    return Assistant.load(_settings(index_dir, **overrides))


def _filters(assistant, council: tuple[str, ...], report_type: tuple[str, ...], since: str | None):
    from peerchat.core.errors import UnknownCouncil

    try:
        return assistant.make_filters(council, report_type, since or "")
    except UnknownCouncil as exc:
        raise click.BadParameter(str(exc), param_hint="--council") from exc


# Commands of the recommendation register, and the operations commands (doctor, serve),
# live in their own modules.
from peerchat import cli_ops, cli_register  # noqa: E402, F401

if __name__ == "__main__":  # pragma: no cover
    main()
