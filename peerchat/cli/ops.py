"""Running peerchat: `doctor` (is the installation ready?) and `serve` (answers over HTTP)."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

import click

from peerchat.cli.options import friendly, index_option, notify, settings_for


@click.command()
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print the checks as a JSON list.")
@friendly
def doctor(index_dir: Path | None, as_json: bool) -> None:
    """Check the installation, the model, the index, the reports folder and free disk.

    One line per check, ok or FAIL with what to do; exit 0 when every check passes.
    """
    from peerchat.doctor import run_checks

    checks = []
    for check in run_checks(settings_for(index_dir)):
        checks.append(check)
        if not as_json:
            click.echo(check.line())
    failed = [c for c in checks if not c.ok]
    if as_json:
        click.echo(json.dumps([asdict(c) for c in checks], ensure_ascii=False))
    else:
        click.echo(
            f"{len(failed)} of {len(checks)} checks failed" if failed else "all checks passed",
            err=True,
        )
    if failed:
        sys.exit(1)


@click.command()
@index_option
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default 8765; 0 picks a free one).")
@friendly
def serve(index_dir: Path | None, host: str | None, port: int | None) -> None:
    """Answer questions over HTTP: GET /health, POST /ask {"question": ...}.

    Replies are the JSON of `peerchat ask --json` plus the index generation that answered.
    A new generation published by an ingest is picked up without a restart.
    """
    from peerchat.core.errors import PeerchatError
    from peerchat.index.embedding import embedder_for
    from peerchat.serve import LiveAssistant, PeerchatServer

    settings = settings_for(index_dir, serve_host=host, serve_port=port)
    live = LiveAssistant(settings, embedder_for(settings, notify))
    try:
        live.get()
    except PeerchatError as exc:
        click.echo(f"note: {exc}; /ask answers 503 until there is an index", err=True)
    try:
        server = PeerchatServer(settings, live)
    except OSError as exc:
        raise PeerchatError(
            f"cannot listen on {settings.serve_host}:{settings.serve_port} ({exc.strerror or exc})"
        ) from exc
    if settings.serve_host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(
            f"note: listening on {settings.serve_host}, beyond this machine; "
            "there is no authentication",
            err=True,
        )
    click.echo(f"serving on {server.url} (index {settings.index_dir}); Ctrl-C stops", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
