"""The `peerchat` command line: a thin edge over peerchat.index and peerchat.ingest.

A click group whose commands live in modules by what they serve: library.py (ingest,
reports), ask.py (ask, chat, search, eval), register.py (recommendations, signposts,
briefing) and ops.py (doctor, serve). What they share (options, settings, errors to
messages) is options.py.

Results go to stdout (JSON with --json and nothing else); progress, messages and the
structured logs (peerchat/core/logs.py) to stderr or the log file.
Exit codes: 0 success, 1 runtime failure (nothing usable, no index...), 2 usage (including
a council that cannot be placed).

May import anything of peerchat; nothing imports it.
"""

from __future__ import annotations

import click

from peerchat.cli.ask import ask, chat, evaluate_command, search
from peerchat.cli.library import ingest, reports
from peerchat.cli.ops import doctor, serve
from peerchat.cli.register import briefing, recommendations, signposts
from peerchat.core.errors import PeerchatError
from peerchat.core.settings import Settings

COMMANDS = (
    ingest,
    reports,
    ask,
    chat,
    search,
    evaluate_command,
    recommendations,
    signposts,
    briefing,
    doctor,
    serve,
)


@click.group(commands=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
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
