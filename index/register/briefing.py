"""The follow-up visit pack for one council: one table of what it was told and what it
committed to (recommendation | action | sponsor | lead | due | source page), then the
findings (themes beside other councils', further and repeated recommendations) and the
practice it was pointed to, with the reports listed once as numbered sources.

`council_briefing` gathers it from the register; `briefing_markdown` writes it as Markdown
(peerchat/word.py writes the same `Briefing` as a Word document). Each table row cites its
source once, by number and page; the full citation of a report is in the sources list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from peerchat.core.dates import display_date
from peerchat.core.records import ActionRow, Recommendation, Report, Signpost
from peerchat.index.register.select import (
    action_answering,
    actions_for,
    select_recommendations,
    select_signposts,
    theme_counts,
)
from peerchat.index.register.themes import theme_names
from peerchat.index.store.register import Register

NO_ACTION = "no action recorded"


@dataclass(frozen=True)
class Source:
    """A report the briefing cites, numbered in the order first cited."""

    n: int
    report: Report

    @property
    def citation(self) -> str:
        """ "Bedford Borough Council, action plan, January 2024: <title> (file.pdf)"."""
        r = self.report
        return (
            f"{r.council}, {r.report_type}, {display_date(r.date)}: "
            f"{r.title or r.source} ({r.source})"
        )


@dataclass(frozen=True)
class BriefingRow:
    """One row of the table: a recommendation and the action-plan row that answers it
    (`action` None: no action recorded). `cites` are (source number, page) pairs: the
    recommendation's, then the action's when it is printed elsewhere."""

    recommendation: Recommendation
    action: ActionRow | None
    cites: tuple[tuple[int, int], ...]

    @property
    def label(self) -> str:
        return self.recommendation.label

    @property
    def action_text(self) -> str:
        if self.action is None:
            return NO_ACTION
        return self.action.action or "the plan gives no action"

    @property
    def sponsor(self) -> str:
        return self.action.sponsor if self.action is not None else ""

    @property
    def lead(self) -> str:
        return self.action.lead if self.action is not None else ""

    @property
    def due(self) -> str:
        return self.action.due if self.action is not None else ""

    @property
    def shared(self) -> str:
        """ "shared with 5–7" when the action answers several rows."""
        return self.action.shared_label if self.action is not None else ""

    @property
    def source(self) -> str:
        """ "[1] p. 2", or "[2] p. 5; [1] p. 3" (the recommendation's, then the action's)."""
        return "; ".join(f"[{n}] p. {page}" for n, page in self.cites)


@dataclass(frozen=True)
class ThemeLine:
    theme: str
    here: int  # this council's recommendations with the theme
    councils: int  # other councils with at least one
    others: int  # other councils in the register


@dataclass(frozen=True)
class SignpostLine:
    signpost: Signpost
    cite: tuple[int, int]

    @property
    def source(self) -> str:
        return f"[{self.cite[0]}] p. {self.cite[1]}"


@dataclass(frozen=True)
class Briefing:
    council: str
    reports: tuple[Report, ...]
    rows: tuple[BriefingRow, ...]
    further: int  # further recommendations (counted, not listed)
    repeated: tuple[Recommendation, ...]  # recommendations the reports state more than once
    signposts: tuple[SignpostLine, ...]
    themes: tuple[ThemeLine, ...]
    sources: tuple[Source, ...]
    has_action_plan: bool
    has_feedback_report: bool

    @property
    def notes(self) -> tuple[str, ...]:
        """What the library lacks for this council, in a sentence each."""
        out = []
        if not self.has_action_plan:
            out.append(
                f"No action plan for {self.council} is in the library: each key "
                f'recommendation is listed with "{NO_ACTION}".'
            )
        if not self.has_feedback_report:
            out.append(
                f"No feedback report for {self.council} is in the library: the "
                "recommendations are the action plan's LGA recommendation column."
            )
        return tuple(out)

    @property
    def reports_line(self) -> str:
        """ "Drawn from 1 report in the library: [1] (see Sources); each row cites its page."."""
        n = len(self.reports)
        refs = ", ".join(f"[{s.n}]" for s in self.sources)
        return (
            f"Drawn from {n} report{'s' if n != 1 else ''} in the library ({refs}, listed "
            "under Sources); each row cites its source and page once."
        )

    @property
    def table_title(self) -> str:
        if self.has_action_plan:
            return f"Recommendations and actions ({len(self.rows)})"
        return f"Key recommendations ({len(self.rows)})"


def council_briefing(register: Register, reports: dict[str, Report], council: str) -> Briefing:
    """The briefing for `council` (a canonical name with a report in the register).

    `reports` are the library's reports by id. The table holds the council's key
    recommendations with the rows that answer them, then the plan's rows that answer none
    of them; a council with only an action plan has the plan's rows.
    """
    own = [r for r in reports.values() if council in r.councils]
    own.sort(key=lambda r: (r.date, r.source))
    recs = select_recommendations(register, [council])
    listed = [r for r in recs if r.key or r.origin == "action plan"]
    plan_rows = actions_for(register, council)
    numbers: dict[str, int] = {}

    def cite(report_id: str, page: int) -> tuple[int, int]:
        numbers.setdefault(report_id, len(numbers) + 1)
        return numbers[report_id], page

    for report in own:  # the council's reports are the first sources, oldest first
        cite(report.id, 0)
    rows: list[BriefingRow] = []
    used: set[str] = set()
    for rec in listed:
        action = action_answering(register, rec)
        cites = [cite(rec.report_id, rec.page)]
        if action is not None:
            used.add(action.id)
            if action.report_id != rec.report_id:
                cites.append(cite(action.report_id, action.first_page))
        rows.append(BriefingRow(rec, action, tuple(cites)))
    for action in plan_rows:  # rows answering no listed recommendation
        if action.id in used:
            continue
        rec = _plan_recommendation(action)
        rows.append(BriefingRow(rec, action, (cite(action.report_id, action.first_page),)))
    signposts = [
        SignpostLine(s, cite(s.report_id, s.page)) for s in select_signposts(register, [council])
    ]
    counts = theme_counts(recs)
    # Other councils: those with a report of their own (not a joint report's partner).
    own_ids = {r.id for r in own}
    all_counts = theme_counts(register.recommendations)
    others = sorted(
        {c for r in register.recommendations if r.report_id not in own_ids for c in r.councils}
        - {council}
    )
    lines = []
    for theme in theme_names():
        with_theme = sum(1 for c in others if all_counts.get((c, theme), 0))
        lines.append(ThemeLine(theme, counts.get((council, theme), 0), with_theme, len(others)))
    sources = tuple(
        Source(n, reports[rid]) for rid, n in sorted(numbers.items(), key=lambda kv: kv[1])
    )
    return Briefing(
        council=council,
        reports=tuple(own),
        rows=tuple(rows),
        further=sum(1 for r in recs if not r.key and r.origin != "action plan"),
        repeated=tuple(r for r in recs if r.also_pages),
        signposts=tuple(signposts),
        themes=tuple(lines),
        sources=sources,
        has_action_plan=bool(plan_rows),
        has_feedback_report=any(r.report_type == "feedback report" for r in own),
    )


def _plan_recommendation(action: ActionRow) -> Recommendation:
    """The recommendation an action-plan row states (for a row linked to none)."""
    return Recommendation(
        id=f"{action.report_id[:12]}:rec:a{action.ref}",
        report_id=action.report_id,
        councils=action.councils,
        report_type="action plan",
        date=action.date,
        source=action.source,
        number=action.ref,
        key=False,
        text=action.recommendation,
        section="Action plan",
        page=action.first_page,
        start=action.start,
        end=action.end,
        chunk_id=action.chunk_id,
        origin="action plan",
    )


def briefing_markdown(briefing: Briefing) -> str:
    """The briefing as Markdown; report text is escaped so it cannot change the layout."""
    b = briefing
    out = [f"# Follow-up visit briefing: {esc(b.council)}", ""]
    out += [f"{esc(b.reports_line)}", ""]
    out += [f"- {esc(note)}" for note in b.notes]
    if b.notes:
        out.append("")
    out += [f"## {b.table_title}", ""]
    if not b.rows:
        out.append("No key recommendations were found in the library's reports.")
    else:
        out.append("| Recommendation | Action | Sponsor | Lead | Due | Source |")
        out.append("|---|---|---|---|---|---|")
        for row in b.rows:
            action = esc(row.action_text) + (f" *({esc(row.shared)})*" if row.shared else "")
            cells = [
                f"**{esc(row.label)}**: {esc(row.recommendation.text)}",
                action,
                esc(row.sponsor) or "—",
                esc(row.lead) or "—",
                esc(row.due) or "—",
                esc(row.source),
            ]
            out.append("| " + " | ".join(_one_line(c) for c in cells) + " |")
    out += ["", "## Findings", ""]
    out += [f"- {esc(line)}" for line in findings(b)]
    out += ["", f"| Theme | {esc(b.council)} | Other councils with the theme |", "|---|---:|---:|"]
    for line in b.themes:
        out.append(f"| {line.theme} | {line.here} | {line.councils} of {line.others} |")
    out += ["", f"## Signposted practice ({len(b.signposts)})", ""]
    if not b.signposts:
        out.append("The reports signpost no practice examples.")
    for line in b.signposts:
        s = line.signpost
        out.append(f"- **{esc(s.name)}**: {esc(s.text)} {esc(line.source)}  ")
        if s.recommendation:
            out.append(f"  Supports: {esc(s.recommendation)} ({esc(s.match)})  ")
        if s.links:
            out.append(f"  Links: {', '.join(esc(link) for link in s.links)}  ")
    out += ["", "## Sources", ""]
    out += [f"{s.n}. {esc(s.citation)}" for s in b.sources]
    out.append("")
    return "\n".join(out)


def findings(briefing: Briefing) -> list[str]:
    """The findings in a sentence each: what the rows hold, shared actions, further and
    repeated recommendations, the strongest themes."""
    b = briefing
    out = []
    with_action = [r for r in b.rows if r.action is not None]
    if b.has_action_plan:
        dated = sum(1 for r in with_action if r.due)
        out.append(
            f"{len(with_action)} of {len(b.rows)} recommendations have an action in the plan; "
            f"{dated} of them give a due date."
        )
        groups = dict.fromkeys(r.action.shared_refs for r in with_action if r.action.shared_refs)
        for refs in groups:
            out.append(
                f"Recommendations {_refs(refs)} share one action (a merged cell in the plan)."
            )
    if b.further:
        out.append(
            f"The reports also make {b.further} further recommendations "
            f'(`peerchat recommendations --council "{b.council}"` lists them).'
        )
    numbers = {s.report.id: s.n for s in b.sources}
    for rec in b.repeated:
        where = "; ".join(
            f"{section}, p. {page}"
            for section, page in zip(rec.also_sections, rec.also_pages, strict=True)
        )
        out.append(
            f"{rec.label} is repeated ({where}) [{numbers.get(rec.report_id, '?')}]: counted once."
        )
    strongest = sorted((t for t in b.themes if t.here), key=lambda t: -t.here)[:3]
    if strongest:
        out.append(
            "Most frequent themes: "
            + ", ".join(f"{t.theme} ({t.here})" for t in strongest)
            + "; compared with other councils below."
        )
    return out


def _refs(refs: tuple[str, ...]) -> str:
    if len(refs) > 2 and all(r.isdigit() for r in refs):
        numbers = [int(r) for r in refs]
        if numbers == list(range(numbers[0], numbers[-1] + 1)):
            return f"{refs[0]}–{refs[-1]}"
    return ", ".join(refs[:-1]) + " and " + refs[-1]


def _one_line(text: str) -> str:
    return " ".join(text.split())


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|$~])")


def esc(text: str) -> str:
    """Report text made inert in Markdown (no emphasis, links, HTML or table breaks)."""
    return _MD_SPECIAL.sub(r"\\\1", text)
