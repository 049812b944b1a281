"""The recommendation register: `recommendations`, `signposts` and `briefing`."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import click

from peerchat.cli.options import friendly, index_option, open_library, resolve_councils
from peerchat.core.dates import display_date
from peerchat.core.text import printable

CSV_COLUMNS = (
    "council", "report", "date", "number", "key", "section", "page", "themes", "text",
    "source", "chunk_id",
)  # fmt: skip


@click.command()
@index_option
@click.option("--council", multiple=True, help="Only this council (repeatable).")
@click.option("--theme", default=None, help="Only recommendations tagged with this theme.")
@click.option("--key-only", is_flag=True, help="Only key recommendations.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@friendly
def recommendations(
    index_dir: Path | None,
    council: tuple[str, ...],
    theme: str | None,
    key_only: bool,
    as_csv: bool,
    as_json: bool,
) -> None:
    """The recommendations the reports make: council, report, number, section, page, themes."""
    from peerchat.index.register import select_recommendations
    from peerchat.render import recommendation_dict

    if as_csv and as_json:
        raise click.UsageError("use --csv or --json, not both")
    library = open_library(index_dir)
    names = resolve_councils(library, council)
    recs = select_recommendations(library.register, names, theme, key_only)
    rows = [recommendation_dict(r, library) for r in recs]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    if as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        return
    if not recs:
        click.echo("No recommendations match.")
        return
    current = None
    for rec, row in zip(recs, rows, strict=True):
        heading = printable(
            f"{rec.council} — {rec.report_type}, {display_date(rec.date)} ({rec.source})"
        )
        if heading != current:
            if current is not None:
                click.echo()
            click.echo(heading)
            current = heading
        click.echo(f"  {rec.label}. {rec.text}")
        click.echo(f"      [{row['themes']}] {rec.section}, p. {rec.page}")
    reports = len({r.report_id for r in recs})
    click.echo(f"\n{len(recs)} recommendations from {reports} reports.")


@click.command()
@index_option
@click.option("--council", multiple=True, help="Only this council (repeatable).")
@click.option("--search", "text", default="", help="Only signposts mentioning these words.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@friendly
def signposts(index_dir: Path | None, council: tuple[str, ...], text: str, as_json: bool) -> None:
    """The practice examples the reports signpost ("Signpost – ...")."""
    from peerchat.index.register import select_signposts
    from peerchat.render import signpost_dict

    library = open_library(index_dir)
    found = select_signposts(library.register, resolve_councils(library, council), text)
    if as_json:
        click.echo(json.dumps([signpost_dict(s) for s in found], ensure_ascii=False))
        return
    if not found:
        click.echo("No signposted practice matches.")
        return
    for s in found:
        click.echo(f"{s.name}")
        click.echo(f"  {s.text}")
        if s.recommendation:
            click.echo(f"  Supports: {s.recommendation} ({s.match})")
        for link in s.links:
            click.echo(f"  Link: {link}")
        click.echo(printable(f"  ({s.council}, {s.source}; {s.section}, p. {s.page})"))
        click.echo()
    click.echo(f"{len(found)} signposts.")


@click.command()
@click.argument("council")
@index_option
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write it to this file instead of stdout: FILE.docx (Word) or FILE.md (Markdown).",
)
@friendly
def briefing(council: str, index_dir: Path | None, out: Path | None) -> None:
    """The follow-up visit pack for COUNCIL: one table of recommendations and actions
    (sponsor, lead, due date, source page), then findings, signposts and sources.
    Markdown on stdout, or Word or Markdown with --out."""
    from peerchat.index.register import briefing_markdown, council_briefing

    if out is not None and out.suffix.lower() not in (".docx", ".md", ".markdown"):
        raise click.BadParameter(
            f"{out.name}: name a .docx (Word) or .md (Markdown) file", param_hint="--out"
        )
    library = open_library(index_dir)
    (name,) = resolve_councils(library, (council,), param_hint="COUNCIL")
    pack = council_briefing(library.register, library.reports, name)
    if out is None:
        click.echo(briefing_markdown(pack))
        return
    if out.suffix.lower() == ".docx":
        from peerchat.word import briefing_docx

        out.write_bytes(briefing_docx(pack))
    else:
        out.write_text(briefing_markdown(pack), encoding="utf-8")
    click.echo(f"wrote the briefing for {name} to {out}", err=True)
