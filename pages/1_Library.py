"""The library: the reports in the index, and adding reports to it."""

from __future__ import annotations

import streamlit as st

from peerchat import ui
from peerchat.render import library_rows

st.title("Library")
settings = ui.settings()
assistant = ui.open_assistant(settings)

if assistant is not None:
    rows = library_rows(assistant.library)
    if rows:
        pages = sum(row["pages"] for row in rows)
        passages = sum(row["passages"] for row in rows)
        st.caption(
            f"{len(rows)} reports, {pages} pages, {passages} passages. "
            "Reports are read from the reports folder; add more below."
        )
        st.dataframe(
            rows,
            hide_index=True,
            column_order=(
                "council",
                "type",
                "date",
                "pages",
                "passages",
                "title",
                "file",
                "ingested",
            ),
            column_config={
                "council": st.column_config.TextColumn("Council", width="medium"),
                "type": st.column_config.TextColumn("Type"),
                "date": st.column_config.TextColumn("Date"),
                "pages": st.column_config.NumberColumn("Pages"),
                "passages": st.column_config.NumberColumn("Passages"),
                "title": st.column_config.TextColumn("Title", width="medium"),
                "file": st.column_config.TextColumn("File"),
                "ingested": st.column_config.TextColumn("Ingested (UTC)"),
            },
        )
    else:
        st.info("The library is empty: add reports below.")

st.subheader("Add reports")
result: ui.AddResult | None = st.session_state.pop("add_result", None)
if result is not None:
    if result.added:
        st.success(
            f"Added {len(result.added)} report(s): "
            + ui.escape_markdown(", ".join(result.added))
            + ". They can be asked about now."
        )
    for name, reason in result.skipped:
        st.warning(ui.escape_markdown(f"Skipped {name}: {reason}"))
    if not result.added and not result.skipped:
        st.info("Nothing was added.")

with st.form("add-reports", clear_on_submit=True):
    uploads = st.file_uploader(
        "Feedback reports, action plans or progress reviews (PDF, or .txt / .md exports)",
        type=["pdf", "txt", "md"],
        accept_multiple_files=True,
    )
    submitted = st.form_submit_button("Add to the library", type="primary")

if submitted:
    if not uploads:
        st.warning("Choose one or more files first.")
    else:
        bar = st.progress(0.0, text="Checking the files…")
        with ui.user_errors("adding the reports"):
            added = ui.add_reports(
                [(f.name, f.getvalue()) for f in uploads],
                settings,
                progress=ui.StreamlitProgress(bar),
            )
            st.session_state["add_result"] = added
            st.rerun()
