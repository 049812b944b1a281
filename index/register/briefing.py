"""The follow-up visit pack for one council: what it was told, what it committed to, who
owns it, what practice it was pointed to, and how its themes compare with other councils'.

`council_briefing` gathers it from the register; `briefing_markdown` writes it. Every line
that states something from a report carries its citation (council, report, section, page).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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


@dataclass(frozen=True)
class BriefingItem:
    """A key recommendation and the action-plan row that answers it (None: no action)."""

    recommendation: Recommendation
    action: ActionRow | None
    shared: ActionRow | None = None  # the row whose merged cells this row's action shares


@dataclass(frozen=True)
class ThemeLine:
    theme: str
    here: int  # this council's recommendations with the theme
    councils: int  # other councils with at least one
    others: int  # other councils in the register


@dataclass(frozen=True)
class Briefing:
    council: str
    reports: tuple[Report, ...]
    items: tuple[BriefingItem, ...]
    further: int  # further recommendations (not listed one by one)
    signposts: tuple[Signpost, ...]
    themes: tuple[ThemeLine, ...]
    has_action_plan: bool
    has_feedback_report: bool


def council_briefing(register: Register, reports: dict[str, Report], council: str) -> Briefing:
    """The briefing for `council` (a canonical name with a report in the register).

    `reports` are the library's reports by id.
    """
    own = [r for r in reports.values() if council in r.councils]
    own.sort(key=lambda r: (r.date, r.source))
    recs = select_recommendations(register, [council])
    key = [r for r in recs if r.key]
    items = []
    for rec in key:
        action = action_answering(register, rec)
        shared = None
        if action is not None and action.shared_with:
            shared = next(
                (
                    a
                    for a in register.actions
                    if a.report_id == action.report_id and a.ref == action.shared_with
                ),
                None,
            )
        items.append(BriefingItem(rec, action, shared))
    counts = theme_counts(register.recommendations)
    # Other councils: those with a report of their own (not a joint report's partner).
    own_ids = {r.id for r in own}
    others = sorted(
        {c for r in register.recommendations if r.report_id not in own_ids for c in r.councils}
        - {council}
    )
    lines = []
    for theme in theme_names():
        here = counts.get((council, theme), 0)
        with_theme = sum(1 for c in others if counts.get((c, theme), 0))
        lines.append(ThemeLine(theme, here, with_theme, len(others)))
    return Briefing(
        council=council,
        reports=tuple(own),
        items=tuple(items),
        further=len(recs) - len(key),
        signposts=tuple(select_signposts(register, [council])),
        themes=tuple(lines),
        has_action_plan=bool(actions_for(register, council)),
        has_feedback_report=any(r.report_type == "feedback report" for r in own),
    )


def briefing_markdown(briefing: Briefing, reports: dict[str, Report]) -> str:
    """The briefing as Markdown; report text is escaped so it cannot change the layout."""
    b = briefing
    out = [f"# Follow-up visit briefing: {esc(b.council)}", ""]
    out += ["## Reports in the library", ""]
    for r in b.reports:
        out.append(f"- {esc(r.title or r.source)}: {r.report_type}, {r.date or 'undated'} "
                   f"({esc(r.source)}, {r.n_pages} pages)")  # fmt: skip
    if not b.has_action_plan:
        out.append(f"- No action plan for {esc(b.council)} is in the library.")
    if not b.has_feedback_report:
        out.append(
            f"- No feedback report for {esc(b.council)} is in the library: the recommendations "
            "below are taken from the action plan's recommendation column."
        )
    out += ["", f"## Key recommendations ({len(b.items)})", ""]
    if not b.items:
        out.append("No key recommendations were found in the library's reports.")
    for item in b.items:
        rec = item.recommendation
        out.append(f"{rec.number}. {esc(rec.text)}  ")
        out.append(f"   {cite(rec.council, reports.get(rec.report_id), rec.section, rec.page)}")
        out += _action_lines(item, reports, b.has_action_plan)
        out.append("")
    if b.further:
        out.append(
            f"The reports also make {b.further} further recommendations "
            f'(`peerchat recommendations --council "{b.council}"` lists them).'
        )
        out.append("")
    out += [f"## Signposted practice ({len(b.signposts)})", ""]
    if not b.signposts:
        out.append("The reports signpost no practice examples.")
    for s in b.signposts:
        out.append(f"- **{esc(s.name)}**: {esc(s.text)}  ")
        if s.recommendation:
            out.append(f"  Supports: {esc(s.recommendation)}  ")
        if s.links:
            out.append(f"  Links: {', '.join(esc(link) for link in s.links)}  ")
        out.append(f"  {cite(s.council, reports.get(s.report_id), s.section, s.page)}")
    out += ["", "## Themes compared with other councils", ""]
    out.append(f"| Theme | {esc(b.council)} | Other councils with the theme |")
    out.append("|---|---:|---:|")
    for line in b.themes:
        out.append(f"| {line.theme} | {line.here} | {line.councils} of {line.others} |")
    out.append("")
    return "\n".join(out)


def _action_lines(item: BriefingItem, reports: dict[str, Report], has_plan: bool) -> list[str]:
    a = item.action
    if a is None:
        why = "no action recorded" if has_plan else "no action recorded (no action plan)"
        return [f"   - Action: {why}"]
    shared = item.shared
    action = a.action or (f"see recommendation {a.shared_with}" if a.shared_with else "")
    if shared is not None and a.action:
        action = f"{shared.action} {a.action}" if not a.action[:1].isupper() else a.action
    sponsor = a.sponsor or (f"{shared.sponsor} (shared with {shared.ref})" if shared else "")
    lead = a.lead or (f"{shared.lead} (shared with {shared.ref})" if shared else "")
    lines = [f"   - Action: {esc(action) or 'none given'}  "]
    lines.append(f"   - Sponsor: {esc(sponsor) or 'not given'}; lead: {esc(lead) or 'not given'}  ")
    when = "; ".join(a.dates)
    if when or a.status:
        lines.append(f"   - When: {esc(when) or 'no date given'}"
                     + (f"; status: {esc(a.status)}" if a.status else "") + "  ")  # fmt: skip
    if item.recommendation.origin != "action plan":  # otherwise cited with the recommendation
        lines.append(
            f"   - {cite(a.council, reports.get(a.report_id), 'Action plan', a.first_page)}"
        )
    return lines


def cite(council: str, report: Report | None, section: str, page: int) -> str:
    """ "(Council, report type date, source; section, p. N)"."""
    what = f"{report.report_type} {report.date}, {report.source}" if report else "report"
    return f"({esc(council)}, {esc(what)}; {esc(section)}, p. {page})"


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|$~])")


def esc(text: str) -> str:
    """Report text made inert in Markdown (no emphasis, links, HTML or table breaks)."""
    return _MD_SPECIAL.sub(r"\\\1", text)
