"""What the CLI's commands share: the options every command takes, the settings they are
built from, and the one place where domain errors become messages and exit codes.

Exit codes: 0 success, 1 runtime failure (PeerchatError: nothing usable, no index...),
2 usage (click's own errors, and a council that cannot be placed: UnknownCouncil).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from peerchat.core.errors import InvalidFilter, PeerchatError, UnknownCouncil
from peerchat.core.settings import Settings

if TYPE_CHECKING:
    from peerchat.index.answer import Assistant
    from peerchat.index.search import Filters
    from peerchat.index.store import Library


def index_option(func: Callable) -> Callable:
    """--index-dir: the index folder."""
    return click.option(
        "--index-dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=None,
        help="Index folder (default data/index, env PEERCHAT_INDEX_DIR).",
    )(func)


def llm_options(func: Callable) -> Callable:
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


def filter_options(func: Callable) -> Callable:
    """--council, --type and --since: the filters every question command takes."""
    func = click.option(
        "--since", default=None, help="Only reports dated on or after (YYYY or date)."
    )(func)
    func = click.option("--type", "report_type", multiple=True, help="Only this report type.")(func)
    return click.option("--council", multiple=True, help="Only this council (repeatable).")(func)


def settings_for(index_dir: Path | None, **overrides: Any) -> Settings:
    """Settings from the environment, then the command's flags (None: not given)."""
    return Settings.from_env(index_dir=index_dir, **overrides)


def friendly(func: Callable) -> Callable:
    """Domain errors as a one-line message on stderr: exit 2 for a council that cannot be
    placed (a usage error), 1 for the rest."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except UnknownCouncil as exc:
            raise click.BadParameter(str(exc), param_hint="--council") from exc
        except PeerchatError as exc:
            click.echo(f"peerchat: {exc}", err=True)
            sys.exit(1)

    return wrapper


def answering(func: Callable) -> Callable:
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
        assistant = load_assistant(
            index_dir, llm_base_url=llm_base_url, llm_model=llm_model, llm_api_key=llm_api_key
        )
        filters = make_filters(assistant, council, report_type, since)
        return func(*args, assistant=assistant, filters=filters, **kwargs)

    return index_option(filter_options(llm_options(wrapper)))


def load_assistant(index_dir: Path | None, **overrides: Any) -> Assistant:
    """The assistant over the live index, with the command's settings."""
    from peerchat.index.answer import Assistant

    return Assistant.load(settings_for(index_dir, **overrides))


def make_filters(
    assistant: Assistant,
    council: Iterable[str],
    report_type: Iterable[str],
    since: str | None,
) -> Filters:
    """The filters of --council, --type and --since (a usage error names a council that
    cannot be placed)."""
    try:
        return assistant.make_filters(council, report_type, since or "")
    except UnknownCouncil as exc:
        raise click.BadParameter(str(exc), param_hint="--council") from exc
    except InvalidFilter as exc:
        hint = "--type" if exc.field == "report_type" else f"--{exc.field}"
        raise click.BadParameter(str(exc), param_hint=hint) from exc


def open_library(index_dir: Path | None) -> Library:
    """The live index, opened read-only."""
    from peerchat.index.store import Library

    return Library.open(settings_for(index_dir).index_dir)


def resolve_councils(
    library: Library, names: Iterable[str], param_hint: str = "--council"
) -> list[str]:
    """The canonical names of the councils `names` mean, each with a report in the
    library; a usage error (exit 2) names one that cannot be placed."""
    from peerchat.core.councils import CouncilDirectory
    from peerchat.index.register import resolve_council

    directory = CouncilDirectory.load()
    try:
        return [resolve_council(name, directory, library.register) for name in names]
    except UnknownCouncil as exc:
        raise click.BadParameter(str(exc), param_hint=param_hint) from exc
