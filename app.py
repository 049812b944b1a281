"""Peer Challenge Assistant: the Streamlit front end. UI only: it calls the same
`Assistant.answer_stream` as the CLI calls `answer`; the helpers live in peerchat/ui.py.

Run with `make run` (`streamlit run app.py` through peerchat/ui_server.py, which imports
the app's modules before the first request). The chat is the default page; every
script in app_pages/ is a further page. The folder is not called `pages/`: Streamlit runs a
`pages/` folder's scripts by itself (without this file, so without the page menu and the
wide layout) for a first visit to one of them after a restart.
"""

from __future__ import annotations

import time
from pathlib import Path

import streamlit as st

from peerchat import ui
from peerchat.core.records import Answer
from peerchat.export import conversation_markdown

PAGES = "app_pages"  # the further pages, one script each
EXAMPLES = (
    "Which councils were told to strengthen scrutiny?",
    "What did Lambeth commit to on scrutiny, and by when?",
    "Examples of digital transformation we have signposted",
    "What did the peer team say about Cambridge's financial planning?",
)


def chat_page() -> None:
    """Ask questions about the reports; every answer lists its numbered sources.

    The page needs only the library: it is drawn, and questions can be typed, while the
    embedding model loads in the background (a status says so); a question asked meanwhile
    waits for the model and is then answered."""
    st.title("Peer Challenge Assistant")
    settings = ui.settings()
    library = ui.require_library(settings)
    st.caption(
        f"Answers from {len(library.stored)} LGA Corporate Peer Challenge reports "
        f"on {len(library.councils)} councils. Every answer cites the passages it rests on."
    )
    ui.model_status(settings)  # starts loading the model, if this is the first request
    filters = ui.filter_sidebar(library)
    chosen = ui.model_settings_panel(settings)
    conversation = st.sidebar.container()
    exchanges: list[ui.Exchange] = st.session_state.setdefault("exchanges", [])

    typed = st.chat_input(
        "Ask about the peer challenge reports…", max_chars=settings.max_question_chars
    )
    waiting = ui.questions_waiting(typed, filters)

    # Drawn before a question waits for the model: what the last run drew and this one has
    # not yet is shown faded until the run ends. The welcome keeps one place, a placeholder
    # when not shown, so that it goes at once when a question is asked.
    with conversation:
        _conversation_controls(exchanges)
    welcome = st.empty()
    if not exchanges and not waiting:
        with welcome.container():
            _welcome()
    for i, exchange in enumerate(exchanges):
        _show_exchange(exchange, library, settings, i)

    if waiting:
        # The oldest question first; it leaves the queue once answered (or refused with a
        # message), so a question asked while the model loads is not lost.
        asked = waiting[0]
        history = exchanges if asked.history is None else exchanges[: asked.history]
        with st.chat_message("user"):
            st.markdown(ui.escape_markdown(asked.question))
        with st.chat_message("assistant"):
            answer = _answer(settings, chosen, asked, ui.history_of(history))
        waiting.pop(0)
        if answer is not None:
            exchanges.append(ui.Exchange(answer, asked.filters))
            # Drawn again from the history, so each source keeps its place (and an opened
            # source stays open) on later reruns; the next question waiting is answered then.
            st.rerun()


def _answer(settings, chosen, asked: ui.Ask, history) -> Answer | None:
    """Ask the assistant (once the model has loaded), streaming the answer's text as it is
    written (a language model writes it sentence by sentence; the extractive answerer in
    one piece)."""
    final: list[Answer] = []
    with ui.user_errors("answering the question"):
        assistant = ui.with_model_settings(ui.load_assistant(settings, ui.QUESTION_WAITING), chosen)

        def pieces():
            for piece in assistant.answer_stream(asked.question, history, asked.filters):
                if isinstance(piece, Answer):
                    final.append(piece)
                else:
                    yield ui.escape_markdown(piece) + " "

        placeholder = st.empty()
        with st.spinner("Searching the reports…"), placeholder.container():
            st.write_stream(pieces())
        placeholder.empty()
    return final[0] if final else None


def _show_exchange(exchange: ui.Exchange, library, settings, position: int) -> None:
    with st.chat_message("user"):
        st.markdown(ui.escape_markdown(exchange.answer.question))
    with st.chat_message("assistant"):
        ui.show_answer(exchange, library, settings, f"a{position}", position)


def _welcome() -> None:
    with st.chat_message("assistant"):
        st.markdown(
            "Ask a question about the peer challenge reports in the library: what councils "
            "were told, what they committed to, and practice the peer teams signposted. "
            "Narrow the search by council, report type or year in the sidebar; ask a "
            "follow-up such as *and Cambridge?* to carry on."
        )
        st.markdown("**Try one of these:**")
        for i, example in enumerate(EXAMPLES):
            st.button(
                example,
                key=f"example-{i}",
                on_click=ui.ask_next,
                args=(example,),
                icon=":material/chat_bubble:",
            )


def _new_conversation() -> None:
    st.session_state["exchanges"] = []
    ui.forget_questions_waiting()


def _conversation_controls(exchanges: list[ui.Exchange]) -> None:
    st.divider()
    st.subheader("Conversation")
    st.button(
        "New conversation",
        on_click=_new_conversation,
        disabled=not exchanges,
        icon=":material/add_comment:",
        width="stretch",
    )
    st.download_button(
        "Download as Markdown",
        data=conversation_markdown(
            [e.answer for e in exchanges],
            [e.filters for e in exchanges],
            generated=time.strftime("%d %B %Y"),
        ),
        file_name="peer-challenge-conversation.md",
        mime="text/markdown",
        disabled=not exchanges,
        on_click="ignore",
        icon=":material/download:",
        width="stretch",
        help="The questions, answers and their sources, for a visit brief.",
    )


def _pages() -> list:
    chat = st.Page(chat_page, title="Ask", icon=":material/forum:", default=True)
    folder = Path(__file__).resolve().parent / PAGES
    return [chat, *(st.Page(f"{PAGES}/{p.name}") for p in sorted(folder.glob("*.py")))]


st.set_page_config(
    page_title="Peer Challenge Assistant", page_icon=":material/forum:", layout="wide"
)
ui.page_chrome()
try:
    st.navigation(_pages()).run()
except Exception:  # the last line of defence: a short message, never a traceback
    ui.log.exception("unexpected error")
    st.error("Something went wrong. Please reload the page; the details are in the server log.")
