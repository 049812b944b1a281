"""Recommendations: every recommendation the reports make, filterable, with a theme chart."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from peerchat import ui
from peerchat.index.register import select_recommendations, theme_counts, theme_names
from peerchat.render import recommendation_dict

ALL_THEMES = "All themes"

st.title("Recommendations")
settings = ui.settings()
library = ui.require_library(settings)
register = library.register
if not register.recommendations:
    st.info("No recommendations were found in the library's reports.")
    st.stop()

with st.sidebar:
    councils = st.multiselect("Council", register.councils, placeholder="All councils")
    theme = st.selectbox("Theme", [ALL_THEMES, *theme_names()])
    key_only = st.toggle("Key recommendations only")

recs = select_recommendations(register, councils, None if theme == ALL_THEMES else theme, key_only)
reports = len({r.report_id for r in recs})
st.caption(f"{len(recs)} recommendations from {reports} reports.")
if not recs:
    st.info("No recommendation matches these filters.")
    st.stop()

st.dataframe(
    [recommendation_dict(r, library) for r in recs],
    hide_index=True,
    column_order=(
        "council",
        "date",
        "number",
        "key",
        "themes",
        "text",
        "section",
        "page",
        "report",
    ),  # fmt: skip
    column_config={
        "council": st.column_config.TextColumn("Council", width="medium"),
        "date": st.column_config.TextColumn("Date"),
        "number": st.column_config.TextColumn("No."),
        "key": st.column_config.CheckboxColumn("Key"),
        "themes": st.column_config.TextColumn("Themes", width="medium"),
        "text": st.column_config.TextColumn("Recommendation", width="large"),
        "section": st.column_config.TextColumn("Section", width="medium"),
        "page": st.column_config.NumberColumn("Page"),
        "report": st.column_config.TextColumn("Report", width="medium"),
    },
)

st.subheader("Recommendations by theme and council")
counts = theme_counts(recs)
chart = pd.DataFrame(
    [{"theme": t, "council": c, "recommendations": n} for (c, t), n in sorted(counts.items())]
)
st.bar_chart(chart, x="theme", y="recommendations", color="council", horizontal=True)
st.caption(
    "A recommendation can carry more than one theme; a joint report counts for each council."
)
