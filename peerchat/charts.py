"""The register's chart and narrow-screen layout for the app's pages: recommendations by
theme and council as horizontal bars with whole theme names, a legend under the chart that
wraps instead of running off the edge, and the Okabe-Ito colour-blind-safe palette.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

# Okabe & Ito (2008), "Color Universal Design": told apart with every common colour-vision
# deficiency. Yellow and black last: yellow is faint on white, black hides the axis.
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)

# A phone (narrower than 640 px) gets the stacked cards, a wider screen the table. The CSS
# names only the containers' keys: no report text is ever part of it.
NARROW_SCREEN_CSS = """<style>
@media (max-width: 640px) { .st-key-wide-only { display: none; } }
@media (min-width: 641px) { .st-key-narrow-only { display: none; } }
</style>"""

# The briefing's table on a wide screen: the recommendation and the action get the room,
# the short cells (sponsor, lead, due, source) wrap within theirs.
BRIEFING_TABLE_CSS = """<style>
@media (min-width: 641px) {
  .st-key-briefing-table table { table-layout: fixed; width: 100%; }
  .st-key-briefing-table th:nth-last-child(6) { width: 24%; }
  .st-key-briefing-table th:nth-last-child(5) { width: 40%; }
  .st-key-briefing-table th:nth-last-child(4),
  .st-key-briefing-table th:nth-last-child(3) { width: 11%; }
  .st-key-briefing-table th:nth-last-child(2) { width: 8%; }
  .st-key-briefing-table th:nth-last-child(1) { width: 6%; }
}
</style>"""


LEGEND_TOP = 52  # px from the plot's bottom to the legend: under the x axis and its title


def _legend_width(names: Sequence[str]) -> int:
    """A generous width in pixels for the legend of `names` (10 px labels, a square, padding)."""
    return max((len(n) for n in names), default=0) * 7 + 32


def _legend_height(names: Sequence[str]) -> int:
    """The room under the plot for the axis, its title and the legend of `names`."""
    return LEGEND_TOP + 24 + 17 * len(names)


def theme_chart(
    counts: Mapping[tuple[str, str], int],
    themes: Sequence[str],
    councils: Sequence[str],
    every_council: Sequence[str] = (),
):
    """An Altair chart of `counts` ((council, theme) -> recommendations): one bar per theme
    in `themes` order, stacked by council in `councils` order, each council its own
    palette colour (listed under the chart, one per line, so none is cut off). A council
    keeps its colour whatever the filters: it is picked by its place in `every_council`
    (the register's councils; `councils` when empty)."""
    import altair as alt
    import pandas as pd

    rows = [
        {"theme": theme, "council": council, "recommendations": counts.get((council, theme), 0)}
        for theme in themes
        for council in councils
        if counts.get((council, theme), 0)
    ]
    data = pd.DataFrame(rows, columns=["theme", "council", "recommendations"])
    order = list(every_council) or list(councils)
    colours = [
        PALETTE[(order.index(c) if c in order else i) % len(PALETTE)]
        for i, c in enumerate(councils)
    ]
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X(
                "sum(recommendations):Q", title="Recommendations", axis=alt.Axis(tickMinStep=1)
            ),
            y=alt.Y(
                "theme:N",
                sort=list(themes),
                title=None,
                axis=alt.Axis(labelLimit=0),  # whole theme names, never "governance and s…"
            ),
            color=alt.Color(
                "council:N",
                scale=alt.Scale(domain=list(councils), range=colours),
                legend=alt.Legend(
                    title="Council",
                    orient="none",
                    # Under the x axis, at the plot's left edge; on a narrow screen moved
                    # left (under the theme names) so its right edge stays in the chart.
                    legendX={"expr": f"min(0, width - {_legend_width(councils)})"},
                    legendY={"expr": f"height + {LEGEND_TOP}"},
                    direction="vertical",
                    labelLimit=0,
                    symbolType="square",
                ),
            ),
            order=alt.Order("council:N"),
            tooltip=["theme:N", "council:N", "recommendations:Q"],
        )
        .properties(
            height=alt.Step(28),
            # A placed legend is not counted in the chart's size: room for it below.
            padding={"left": 5, "top": 5, "right": 5, "bottom": _legend_height(councils)},
        )
    )
