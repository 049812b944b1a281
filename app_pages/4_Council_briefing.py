"""Council briefing: the follow-up visit pack for one council, to read here or take into
a meeting as a Word document (or Markdown)."""

from __future__ import annotations

import re

import streamlit as st

from peerchat import ui
from peerchat.charts import BRIEFING_TABLE_CSS
from peerchat.index.register import briefing_markdown, council_briefing, findings
from peerchat.word import briefing_docx

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _breakable(owner: str) -> str:
    """ "Chief Executive/Corporate Leadership Team" may wrap after each "/" (a zero-width
    space), so a long owner stays in its narrow column."""
    return owner.replace("/", "/\u200b")


st.title("Council briefing")
settings = ui.settings()
library = ui.require_library(settings)
register = library.register
if not register.councils:
    st.info("No recommendations or action plans were found in the library's reports.")
    st.stop()

# On the page, not only in the sidebar: a phone hides the sidebar.
council = st.selectbox("Council", register.councils, key="briefing_council")
briefing = council_briefing(register, library.reports, council)
slug = re.sub(r"[^a-z0-9]+", "-", council.lower()).strip("-")
word, markdown = st.columns(2)
word.download_button(
    "Download Word (.docx)",
    briefing_docx(briefing),
    file_name=f"briefing-{slug}.docx",
    mime=DOCX,
    icon=":material/description:",
    width="stretch",
)
markdown.download_button(
    "Download Markdown",
    briefing_markdown(briefing),
    file_name=f"briefing-{slug}.md",
    mime="text/markdown",
    icon=":material/download:",
    width="stretch",
)

st.caption(ui.escape_markdown(briefing.reports_line))
for note in briefing.notes:
    st.info(ui.escape_markdown(note))

st.subheader(briefing.table_title)
if briefing.rows:
    # A static table wraps every cell, so the whole action can be read (plain text:
    # Streamlit shows it as written); constant CSS gives the long columns the room.
    st.html(BRIEFING_TABLE_CSS)
    st.container(key="briefing-table").table(
        [
            {
                "Recommendation": f"{row.label}: {row.recommendation.text}",
                "Action": row.action_text + (f" ({row.shared})" if row.shared else ""),
                "Sponsor": _breakable(row.sponsor) or "—",
                "Lead": _breakable(row.lead) or "—",
                "Due": row.due or "—",
                "Source": row.source,
            }
            for row in briefing.rows
        ]
    )
else:
    st.write("No key recommendations were found in the library's reports.")

st.subheader("Findings")
st.markdown("\n".join(f"- {ui.escape_markdown(line)}" for line in findings(briefing)))
st.dataframe(
    [
        {
            "Theme": line.theme,
            council: line.here,
            "Other councils with the theme": f"{line.councils} of {line.others}",
        }
        for line in briefing.themes
    ],
    hide_index=True,
)

st.subheader(f"Signposted practice ({len(briefing.signposts)})")
if not briefing.signposts:
    st.write("The reports signpost no practice examples.")
for line in briefing.signposts:
    s = line.signpost
    with st.container(border=True):
        st.markdown(f"**{ui.escape_markdown(s.name)}** {ui.escape_markdown(line.source)}")
        st.markdown(ui.escape_markdown(s.text))
        if s.recommendation:
            st.caption(ui.escape_markdown(f"Supports: {s.recommendation} ({s.match})"))
        if s.links:
            st.caption(ui.escape_markdown("Links: " + ", ".join(s.links)))

st.subheader("Sources")
st.markdown("\n".join(f"{s.n}. {ui.escape_markdown(s.citation)}" for s in briefing.sources))
