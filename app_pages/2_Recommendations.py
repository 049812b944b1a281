"""Recommendations: every recommendation the reports make (each once), filterable, in a
table with a detail view (cards on a phone, twenty at a time), a theme chart that follows the filters, and
a CSV download."""

from __future__ import annotations

import csv
import io

import streamlit as st

from peerchat import ui
from peerchat.charts import NARROW_SCREEN_CSS, theme_chart
from peerchat.core.dates import display_date
from peerchat.index.register import select_recommendations, theme_counts, theme_names
from peerchat.render import recommendation_dict

ALL_THEMES = "All themes"
CARDS_AT_A_TIME = 20  # recommendation cards on a phone before "Show more"
CSV_COLUMNS = ("council", "report", "date", "label", "key", "section", "page", "themes", "text")

st.title("Recommendations")
settings = ui.settings()
library = ui.require_library(settings)
register = library.register
if not register.recommendations:
    st.info("No recommendations were found in the library's reports.")
    st.stop()
st.html(NARROW_SCREEN_CSS)  # constant CSS: cards on a phone, the table on a wider screen

with st.container(key="filters"):
    left, middle, right = st.columns([3, 2, 2], vertical_alignment="bottom")
    councils = left.multiselect("Council", register.councils, placeholder="All councils")
    theme = middle.selectbox("Theme", [ALL_THEMES, *theme_names()])
    key_only = right.toggle("Key recommendations only")

chosen_theme = None if theme == ALL_THEMES else theme
recs = select_recommendations(register, councils, chosen_theme, key_only)
reports = len({r.report_id for r in recs})
st.caption(
    f"{len(recs)} recommendations from {reports} report{'s' if reports != 1 else ''}; "
    "one repeated in a report is counted once."
)
if not recs:
    st.info("No recommendation matches these filters.")
    st.stop()

rows = [recommendation_dict(r, library) for r in recs]
out = io.StringIO()
writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
writer.writeheader()
writer.writerows(rows)
for row, rec in zip(rows, recs, strict=True):
    row["date"] = display_date(rec.date)
    where = [f"{row['report']} ({row['date']})", f"{rec.section}, p. {rec.page}"]
    if rec.themes:
        where.append("themes: " + ", ".join(rec.themes))
    if row["also"]:
        where.append(f"also at {row['also']}")
    row["where"] = " · ".join(where)
st.download_button(
    "Download CSV",
    out.getvalue(),
    file_name="recommendations.csv",
    mime="text/csv",
    icon=":material/download:",
    help="The recommendations these filters show, one per line.",
)

with st.container(key="wide-only"):
    picked = st.dataframe(
        rows,
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        column_order=("council", "label", "text", "date", "themes", "section", "page"),
        column_config={
            "council": st.column_config.TextColumn("Council", width="medium"),
            "date": st.column_config.TextColumn("Date", width="medium"),
            "label": st.column_config.TextColumn("Recommendation", width="medium"),
            "themes": st.column_config.TextColumn("Themes", width="medium"),
            "text": st.column_config.TextColumn("Text", width="large"),
            "section": st.column_config.TextColumn("Section", width="medium"),
            "page": st.column_config.NumberColumn("Page", width="small"),
        },
    )
    selected = picked.selection.rows if picked is not None else []
    if selected:
        rec = recs[selected[0]]
        with st.container(border=True):
            st.markdown(f"**{ui.escape_markdown(rec.label)}** · {ui.escape_markdown(rec.council)}")
            st.markdown(ui.escape_markdown(rec.text))
            st.caption(ui.escape_markdown(rows[selected[0]]["where"]))
    else:
        st.caption("Select a row to read the recommendation in full.")

# A phone scrolls: the cards come CARDS_AT_A_TIME at a time, so the chart under them is
# reached; new filters start from the first cards again.
filtered_by = (tuple(councils), theme, key_only)
if st.session_state.get("cards-for") != filtered_by:
    st.session_state["cards-for"] = filtered_by
    st.session_state["cards-shown"] = CARDS_AT_A_TIME


def _more_cards() -> None:
    st.session_state["cards-shown"] += CARDS_AT_A_TIME


with st.container(key="narrow-only"):
    shown = st.session_state["cards-shown"]
    for rec, row in zip(recs[:shown], rows[:shown], strict=True):
        with st.container(border=True):
            st.markdown(f"**{ui.escape_markdown(rec.label)}** · {ui.escape_markdown(rec.council)}")
            st.markdown(ui.escape_markdown(rec.text))
            st.caption(ui.escape_markdown(row["where"]))
    if len(recs) > shown:
        st.caption(f"{shown} of {len(recs)} shown; the chart is below.")
        st.button(
            f"Show {min(CARDS_AT_A_TIME, len(recs) - shown)} more",
            key="more-cards",
            on_click=_more_cards,
            icon=":material/expand_more:",
        )

st.subheader("Recommendations by theme and council")
counts = theme_counts(recs)
shown_themes = [chosen_theme] if chosen_theme else list(theme_names())
shown_councils = sorted({c for r in recs for c in r.councils})
st.altair_chart(
    theme_chart(counts, shown_themes, shown_councils, register.councils),
    width="stretch",
)
st.caption(
    "A recommendation can carry more than one theme; a joint report counts for each council."
    + (f" Only the theme {chosen_theme} is shown." if chosen_theme else "")
)
