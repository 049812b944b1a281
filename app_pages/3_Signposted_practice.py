"""Signposted practice: the "Signpost – ..." examples the reports point councils to."""

from __future__ import annotations

import streamlit as st

from peerchat import ui
from peerchat.index.register import select_signposts

st.title("Signposted practice")
settings = ui.settings()
library = ui.require_library(settings)
register = library.register
if not register.signposts:
    st.info("The library's reports signpost no practice examples.")
    st.stop()

with st.sidebar:
    text = st.text_input("Search", placeholder="e.g. digital, shared management")
    councils = st.multiselect(
        "Signposted to", sorted({c for s in register.signposts for c in s.councils})
    )

found = select_signposts(register, councils, text)
st.caption(f"{len(found)} of {len(register.signposts)} signposted examples.")
if not found:
    st.info("No signposted practice matches the search.")
for i, s in enumerate(found):
    # Each example's name is a level-2 heading under the page title (drawn at a card's
    # size by assets/app.css).
    with st.container(border=True, key=f"signpost-{i}"):
        st.header(ui.escape_markdown(s.name), anchor=False)
        st.markdown(ui.escape_markdown(s.text))
        if s.recommendation:
            st.markdown("**Supports:** " + ui.escape_markdown(s.recommendation))
        for link in s.links:
            st.markdown("**Link:** " + ui.escape_markdown(link))
        st.caption(ui.escape_markdown(f"{s.council}, {s.source}; {s.section}, p. {s.page}"))
