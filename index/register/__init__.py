"""The recommendation register: recommendations, signposts and action-plan rows built from
the reports' own structure (extract.py), the questions put to it (select.py), the theme
taxonomy (themes.py) and the follow-up visit briefing (briefing.py). Its tables live in the
store (index/store/register.py); JSON is made at the edge (peerchat/render.py).

May import: `peerchat.index.search`, `peerchat.index.store`, `peerchat.index.embedding`,
`peerchat.ingest` and `peerchat.core`.
"""

from peerchat.index.register.briefing import (
    NO_ACTION,
    Briefing,
    BriefingRow,
    briefing_markdown,
    council_briefing,
    findings,
)
from peerchat.index.register.extract import build_register
from peerchat.index.register.select import (
    action_answering,
    actions_for,
    matching_recommendations,
    resolve_council,
    select_recommendations,
    select_signposts,
    theme_counts,
)
from peerchat.index.register.themes import theme_names

__all__ = [
    "NO_ACTION",
    "Briefing",
    "BriefingRow",
    "action_answering",
    "actions_for",
    "briefing_markdown",
    "build_register",
    "council_briefing",
    "findings",
    "matching_recommendations",
    "resolve_council",
    "select_recommendations",
    "select_signposts",
    "theme_counts",
    "theme_names",
]
