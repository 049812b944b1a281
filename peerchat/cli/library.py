"""The library: `ingest` (bring the index up to date with report files) and `reports`
(what is in it)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from peerchat.cli.options import friendly, index_option, open_library, settings_for


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@index_option
@click.option("--rebuild", is_flag=True, help="Ignore the existing index and read every file.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option(
    "--no-wait", is_flag=True, help="Fail at once if another ingest is updating the index."
)
@friendly
def ingest(
    paths: tuple[Path, ...], index_dir: Path | None, rebuild: bool, quiet: bool, no_wait: bool
) -> None:
    """Bring the index up to date with report files or folders (default data/reports).

    One ingest updates an index at a time: a second one waits for the first to finish
    (or, with --no-wait, exits 1). Readers keep answering from the live index meanwhile.
    """
    from peerchat.core.logs import ingest_finished
    from peerchat.core.text import printable
    from peerchat.index.build import ingest_paths
    from peerchat.index.embedding import make_embedder
    from peerchat.progress import StderrProgress

    settings = settings_for(index_dir, quiet=quiet or None)
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
        click.echo(f"skipped {printable(name)}: {printable(reason)}", err=True)
    for warning in summary.warnings:
        click.echo(f"note: {printable(warning)}", err=True)
    click.echo(summary.line())
    if not summary.ok:
        click.echo("peerchat: nothing usable was ingested", err=True)
        sys.exit(1)


@click.command()
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print the library as JSON.")
@friendly
def reports(index_dir: Path | None, as_json: bool) -> None:
    """The reports in the library: council, type, date, pages, passages."""
    from peerchat.core.text import printable
    from peerchat.render import library_rows

    library = open_library(index_dir)
    rows = library_rows(library)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    if not rows:
        click.echo("The library is empty: add reports with `peerchat ingest PATH`.")
        return
    header = ("council", "type", "date", "pages", "passages", "file")
    table = [header] + [tuple(printable(str(r[h])) for h in header) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
