"""Council briefing: the follow-up visit pack for one council, to read or download."""

from __future__ import annotations

import re

import streamlit as st

from peerchat import ui
from peerchat.index.register import briefing_markdown, council_briefing

st.title("Council briefing")
settings = ui.settings()
library = ui.require_library(settings)
register = library.register
if not register.councils:
    st.info("No recommendations or action plans were found in the library's reports.")
    st.stop()

with st.sidebar:
    council = st.selectbox("Council", register.councils)

briefing = council_briefing(register, library.reports, council)
text = briefing_markdown(briefing, library.reports)
slug = re.sub(r"[^a-z0-9]+", "-", council.lower()).strip("-")
st.download_button(
    "Download as Markdown",
    text,
    file_name=f"briefing-{slug}.md",
    mime="text/markdown",
    icon=":material/download:",
)
# Report text inside the briefing is escaped by briefing_markdown; no HTML is allowed.
st.markdown(text)
