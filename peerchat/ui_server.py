"""Serve the Streamlit app as `streamlit run` does, with the modules its pages need
imported before the first request: that request then draws the page at once instead of
importing them first (1.5 to 2 s on this 2-core machine under load). `make run` starts
the app this way:

    python -m peerchat.ui_server app.py [streamlit run options, e.g. --server.port 8501]

The embedding model is not loaded here: loading it imports torch, which holds up the
first page by seconds (measured); the chat page starts it once the browser has drawn the
page (peerchat/ui.py, `model_status`).
"""

from __future__ import annotations

import importlib
import sys

# Everything peerchat.ui imports that takes time, and the pages' own imports. peerchat.ui
# itself is left to the app: its Streamlit caches belong to the server's runtime, which
# does not exist yet. tests/test_app_cold_start.py checks that nothing slow is left over.
PRELOAD = (
    "numpy",
    "pandas",
    "peerchat.index.answer",
    "peerchat.index.build",
    "peerchat.index.embedding",
    "peerchat.index.register",
    "peerchat.index.search",
    "peerchat.index.store",
    "peerchat.ingest.readers",
    "peerchat.admin",
    "peerchat.export",
    "peerchat.manage",
    "peerchat.progress",
    "peerchat.render",
)


def preload() -> None:
    """Import the app's modules (see PRELOAD)."""
    for name in PRELOAD:
        importlib.import_module(name)


def main(argv: list[str] | None = None) -> None:
    """`streamlit run ARGV...` in this process, after `preload()`."""
    preload()
    from streamlit.web import cli

    cli.main(["run", *(sys.argv[1:] if argv is None else argv)], prog_name="streamlit")


if __name__ == "__main__":
    main()
