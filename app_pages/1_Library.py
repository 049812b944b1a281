"""The library: the reports in the index; for the administrator, adding and removing them."""

from __future__ import annotations

import streamlit as st

from peerchat import manage, ui
from peerchat.ingest.readers import SUPPORTED_SUFFIXES
from peerchat.render import library_rows

st.title("Library")
settings = ui.settings()
library = ui.open_library(settings)

if library is not None:
    rows = library_rows(library)
    if rows:
        pages = sum(row["pages"] for row in rows)
        passages = sum(row["passages"] for row in rows)
        st.caption(
            f"{ui.counted(len(rows), 'report')}, {ui.counted(pages, 'page')}, "
            f"{ui.counted(passages, 'passage')}. Reports are read from the reports folder."
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
        st.info("The library is empty: the administrator can add reports below.")

st.header("Change the library")
admin = ui.admin_panel(settings)
if admin is None:
    st.stop()

st.subheader("Add reports")
result: manage.AddResult | None = st.session_state.pop("add_result", None)
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
        type=[suffix.lstrip(".") for suffix in SUPPORTED_SUFFIXES],
        accept_multiple_files=True,
        max_upload_size=settings.max_upload_mb,
        help=f"Up to {settings.max_upload_mb} MB and {settings.max_pages} pages a file.",
    )
    submitted = st.form_submit_button("Add to the library", type="primary")

if submitted:
    if not uploads:
        st.warning("Choose one or more files first.")
    else:
        bar = st.progress(0.0, text="Checking the files…")
        with ui.user_errors("adding the reports"):
            added = manage.add_reports(
                admin,
                [(f.name, f.getvalue()) for f in uploads],
                settings,
                ui.load_embedder(settings),
                progress=ui.StreamlitProgress(bar),
            )
            st.session_state["add_result"] = added
            st.rerun()

st.subheader("Remove a report")
removed: manage.RemoveResult | None = st.session_state.pop("remove_result", None)
if removed is not None:
    if removed.removed:
        st.success(
            ui.escape_markdown(
                f"Removed {removed.name} from the library: answers no longer cite it. "
                "Its file was set aside, not deleted, so whoever runs this app can put it back."
            )
        )
    else:
        st.warning(
            ui.escape_markdown(
                f"{removed.name} was set aside, but the same report is still in the library "
                "under another file name: remove that one too."
            )
        )
    # A report was removed: the form starts afresh (keys are dropped before it is drawn).
    for key in ("remove_file", "remove_sure"):
        st.session_state.pop(key, None)

files = manage.removable_files(library, settings) if library is not None else []
if not files:
    st.caption("There is no report in the reports folder to remove.")
else:
    # Not cleared on submit: a choice made without ticking the box stays chosen.
    with st.form("remove-report"):
        chosen = st.selectbox(
            "Report file", files, index=None, placeholder="Choose a report", key="remove_file"
        )
        sure = st.checkbox("Yes, take this report out of the library", key="remove_sure")
        remove = st.form_submit_button("Remove from the library", icon=":material/delete:")
    if remove:
        if not chosen:
            st.warning("Choose the report to remove.")
        elif not sure:
            st.warning(
                ui.escape_markdown(f"Tick the box to confirm that {chosen} should be removed.")
            )
        else:
            bar = st.progress(0.0, text="Removing…")
            with ui.user_errors("removing the report"):
                st.session_state["remove_result"] = manage.remove_report(
                    admin,
                    chosen,
                    settings,
                    ui.load_embedder(settings),
                    progress=ui.StreamlitProgress(bar),
                )
                st.rerun()

st.subheader("Re-read the reports folder")
st.caption(
    "For reports copied into the folder by hand, or after changing the catalogue: "
    "new and changed files are read, files gone from the folder are removed."
)
if library is not None:
    ui.build_index_button(settings, "Re-read the reports folder")
