"""Streamlit helpers shared by the app's pages: settings, the library, the embedding model
(loaded in the background, with a status) and the cached assistant, the states
a user meets (no index, empty library, errors), the administrator's sign-in, answers with
their sources, and filters. Changing the library itself is peerchat/manage.py.

Report and model text is always shown escaped: nothing here uses `unsafe_allow_html`. The
one script the app runs in the browser (assets/app.js, put on every page by `page_chrome`)
is fixed text that holds none of it.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitAPIException, StreamlitSecretNotFoundError

from peerchat import manage
from peerchat.admin import (
    Admin,
    Throttle,
    TooManyAttempts,
    admin_by_password,
    admin_by_sign_in,
    admin_mode,
)
from peerchat.core import logs
from peerchat.core.dates import display_date
from peerchat.core.errors import IndexIncompatible, IndexMissing, NotAuthorised, PeerchatError
from peerchat.core.logs import event, seconds_since
from peerchat.core.records import REPORT_TYPES, Answer, Citation, join_names
from peerchat.core.settings import Settings
from peerchat.index.answer import Assistant, generation_key
from peerchat.index.build import IngestSummary
from peerchat.index.embedding import Embedder, embedder_for
from peerchat.index.search import Filters, Turn
from peerchat.index.store import Library
from peerchat.progress import LABELS, UNITS

log = logging.getLogger("peerchat.app")

LIBRARY_PAGE = "app_pages/1_Library.py"
ASSETS = Path(__file__).resolve().parent / "assets"
# Every ASCII character Markdown (or Streamlit's `:color[...]` / `$math$` extensions) treats
# specially; a backslash makes each one literal.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:&=\"'])")
# In answer text the answerer's own bullets and bold stay; links, images, HTML, math and
# directives cannot form.
_ANSWER_SPECIAL = re.compile(r"([\\\[\]<>$:&`])")
_MARKER = re.compile(r"\\\[(\d+)\\\]")


# --- the page ------------------------------------------------------------------------------


@functools.cache
def _asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def page_chrome() -> None:
    """The app's stylesheet and script (assets/app.css, assets/app.js) on the page: caption
    contrast, the phone layout of a source's printed page, [n] links that open their
    source, focus kept in the chat box, names for the select boxes' buttons. app.py calls
    it before every page."""
    st.html(f"<style>{_asset('app.css')}</style>")
    st.html(
        f'<span class="peerchat-script"></span><script>{_asset("app.js")}</script>',
        unsafe_allow_javascript=True,
    )


# --- settings and the cached assistant -------------------------------------------------


def settings() -> Settings:
    """The app's settings: defaults < PEERCHAT_* environment variables. The structured
    logs are configured from them once per server (and again if they change)."""
    chosen = Settings.from_env()
    _configure_logs(chosen.log_level, chosen.log_file, chosen.log_questions, chosen)
    return chosen


@st.cache_resource(show_spinner=False, max_entries=1)
def _configure_logs(level: str, file: str, questions: bool, _settings: Settings) -> None:
    logs.configure(_settings)


# The embedding model takes seconds to load (torch, then the weights): it loads in a thread
# of its own while the page is drawn, the library browsed and questions typed; a question
# asked meanwhile waits for it, with a status saying so.
MODEL_LOADING = (
    "**Getting the search ready:** the model that matches questions to passages is loading "
    "(this takes a few seconds after the app starts). You can ask now: your question will "
    "be answered as soon as it has loaded."
)
MODEL_READY = "The search is ready: questions are answered now."
MODEL_WAITING = (
    "**Waiting for the search model:** it is still loading (this takes a few seconds after "
    "the app starts); this carries on as soon as it has loaded."
)
QUESTION_WAITING = (
    "**Your question will be answered as soon as the search model has loaded.** It is still "
    "loading: this takes a few seconds after the app starts."
)
_MODEL_WAS_LOADING = "model_was_loading"  # session state: this session saw MODEL_LOADING
_IN_PAGE_RUN = "model_status_in_page_run"  # session state: the status is drawn by the page
STATUS_REFRESH = 1.0  # seconds between the browser's checks on the model while it loads


class ModelLoad:
    """The embedding model, loaded in a background thread once `start` is called.
    Thread-safe: `start` starts one thread however often it is called, and the outcome is
    a Future, which any number of sessions may wait on."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.started = 0.0  # time.monotonic() when the thread started; 0 before
        self._future: Future[Embedder] = Future()
        self._lock = threading.Lock()

    def start(self) -> ModelLoad:
        """Start loading, unless it has started."""
        with self._lock:
            if not self.started:
                self.started = time.monotonic()
                threading.Thread(target=self._load, name="peerchat-model-load", daemon=True).start()
        return self

    def _load(self) -> None:
        try:
            # An ONNX backend's first load exports the model (a minute): the log says so.
            embedder = embedder_for(self.settings, log.info)
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits, who reports it
            log.error("the embedding model could not be loaded: %s", exc)
            self._future.set_exception(exc)
            return
        event(log, "model_loaded", embedder=embedder.name, seconds=seconds_since(self.started))
        self._future.set_result(embedder)

    @property
    def ready(self) -> bool:
        """Whether loading has finished (loaded, or failed)."""
        return self._future.done()

    def wait(self) -> Embedder:
        """The embedder, loading it if no one has started to; raises what stopped it loading
        (a PeerchatError names the model folder and the reason)."""
        return self.start()._future.result()


@st.cache_resource(show_spinner=False)
def _model_loading(model_key: str, _settings: Settings) -> ModelLoad:
    return ModelLoad(_settings)


def model_loading(settings: Settings) -> ModelLoad:
    """The embedding model of these settings (embedder, model path, backend, model cache),
    shared by every session: loaded once, in the background, from the first request that
    needs it (or, on the chat page, as soon as the browser has drawn the page)."""
    key = repr(
        (settings.embedder, settings.model_path, settings.embed_backend, str(settings.model_cache))
    )
    return _model_loading(key, settings)


def load_embedder(settings: Settings, waiting_text: str = MODEL_WAITING) -> Embedder:
    """The embedding model `settings` choose, once loaded; while it loads, a status on the
    page (`waiting_text`, announced to a screen reader) says what is being waited for."""
    loading = model_loading(settings)
    if not loading.ready:
        waiting = st.empty()
        waiting.info(waiting_text, icon=":material/hourglass_top:")
        try:
            return loading.wait()
        finally:
            waiting.empty()
    return loading.wait()


def model_status(settings: Settings) -> None:
    """On the chat page, while the model loads: a status (role="status", so a screen reader
    announces it) that goes once the model has loaded, and a note that it is ready for a
    session that saw it loading. A model that failed to load is named with its reason.

    The first request after a start draws the page before the model starts loading: the
    status starts it on its first refresh, which the browser asks for a second after it
    has drawn the status. Loading imports torch, which holds the interpreter for a second
    or more at a time; started with the page, it held up the chat box by up to 2 s
    (measured under load), as the browser was still fetching the box's code. A question
    asked before then starts the model itself."""
    # Always one container here, whatever it holds: an element that came and went at this
    # place would move everything after it, and Streamlit would draw that afresh (an opened
    # source would lose the keyboard focus).
    with st.container():
        loading = model_loading(settings)
        if not loading.ready:
            st.session_state[_MODEL_WAS_LOADING] = True
            st.session_state[_IN_PAGE_RUN] = True
            _model_status_poll(loading)
            return
        try:
            loading.wait()
        except PeerchatError as exc:
            st.error(
                f"The search cannot start: {exc}. `peerchat doctor` checks the installation; "
                "restart the app once it is put right."
            )
            return
        except Exception:
            st.error(
                "The search cannot start: the model failed to load; the details are in the "
                "server log."
            )
            return
        try:
            load_assistant(settings)  # at once, now that the model is there
        except IndexIncompatible as exc:  # built with another model
            show_index_incompatible(settings, exc)
            return
        if st.session_state.pop(_MODEL_WAS_LOADING, False):
            st.success(MODEL_READY, icon=":material/check_circle:")


@st.fragment(run_every=STATUS_REFRESH)
def _model_status_poll(loading: ModelLoad) -> None:
    # Drawn in the page's run: the flag is set, and nothing starts. Each refresh after:
    # start (once), and when loading has finished, run the whole page again.
    if not st.session_state.pop(_IN_PAGE_RUN, False):
        loading.start()
    if loading.ready:
        st.rerun()  # the whole page: the status goes
    st.info(MODEL_LOADING, icon=":material/hourglass_top:")


# --- the library and the assistant -------------------------------------------------------


@st.cache_resource(show_spinner="Opening the library…", max_entries=4)
def _library_for(index_dir: str, generation: str) -> Library:
    return Library.open(Path(index_dir))


def load_library(settings: Settings) -> Library:
    """The live index's library, shared by every session (it needs no model: the page can
    show it while the model loads); reopened when a new generation is published. Raises
    IndexMissing / IndexIncompatible."""
    return _library_for(str(settings.index_dir), generation_key(settings.index_dir))


@st.cache_resource(show_spinner=False, max_entries=4)
def _assistant_for(
    settings_key: str, generation: str, _settings: Settings, _embedder: Embedder
) -> Assistant:
    library = _library_for(str(_settings.index_dir), generation)
    return Assistant.load(_settings, embedder=_embedder, library=library)


def load_assistant(settings: Settings, waiting_text: str = MODEL_WAITING) -> Assistant:
    """The assistant over the live index, shared by every session, once the model has
    loaded (`waiting_text` says so meanwhile); it reloads when a new index generation is
    published. Raises IndexMissing / IndexIncompatible, and what stopped the model loading.
    """
    embedder = load_embedder(settings, waiting_text)
    return _assistant_for(repr(settings), generation_key(settings.index_dir), settings, embedder)


def open_library(settings: Settings) -> Library | None:
    """The library, or None after showing why there is none (no index, a broken one)."""
    try:
        return load_library(settings)
    except IndexMissing:
        show_no_index(settings)
    except IndexIncompatible as exc:
        show_index_incompatible(settings, exc)
    except PeerchatError as exc:
        st.error(str(exc))
    return None


def show_index_incompatible(settings: Settings, exc: IndexIncompatible) -> None:
    """Why the index cannot be used, and how to rebuild it (here, for the administrator)."""
    st.error(f"The index cannot be used: {exc.reason}.")
    st.caption(f"Rebuild it here, or from a terminal with `{_rebuild_command(settings)}`.")
    build_index_button(settings, "Rebuild the index", rebuild=True)


def require_library(settings: Settings, allow_empty: bool = False) -> Library:
    """The library; otherwise show the no-index (or empty-library) state and stop."""
    library = open_library(settings)
    if library is None:
        st.stop()
    show_ingest_result()  # the index was just built from the no-index state
    if not library.stored and not allow_empty:
        st.info(
            "The library is empty: no report has been added yet. "
            "Add feedback reports, action plans or progress reviews on the Library page."
        )
        st.page_link(LIBRARY_PAGE, label="Open the Library", icon=":material/library_books:")
        st.stop()
    return library


def show_no_index(settings: Settings) -> None:
    """The first-run state: what is missing, how to build it, and (for the administrator)
    a button that does."""
    st.info("**No index yet.** The reports have not been indexed, so there is nothing to search.")
    st.markdown(
        "Build it from a terminal with `make run` (or `peerchat ingest data/reports`), or "
        "here as the administrator. The administrator can also add reports on the Library "
        "page."
    )
    build_index_button(settings, "Build the index from the sample reports")


def build_index_button(settings: Settings, label: str, rebuild: bool = False) -> None:
    """For the administrator, a button that (re)builds the index from
    `settings.reports_dir` with a progress bar; for anyone else, how to become one."""
    admin = current_admin(settings)
    if admin is None:
        needs_admin(settings, "build the index here")
        return
    show_ingest_result()
    files = manage.report_files(settings.reports_dir)
    if not files:
        st.warning(
            f"There are no reports in `{_md_code(str(settings.reports_dir))}` to build from: "
            "add some on the Library page."
        )
        return
    st.caption(f"The reports folder holds {counted(len(files), 'report file')}.")
    # The label and key never change with the folder: a button whose label changed between
    # the page being drawn and the click is another button to Streamlit, and the click
    # would be lost.
    if not st.button(label, key="build-index", type="primary", icon=":material/build:"):
        return
    bar = st.progress(0.0, text="Starting…")
    with user_errors("building the index"):
        summary = manage.reindex(
            admin,
            settings,
            load_embedder(settings),
            progress=StreamlitProgress(bar),
            rebuild=rebuild,
        )
        bar.empty()
        st.session_state["last_ingest"] = summary
        st.rerun()


def show_ingest_result() -> None:
    """What the last build or re-read (this session's) did, in plain words, once."""
    summary = st.session_state.pop("last_ingest", None)
    if summary is None:
        return
    st.success(ingest_message(summary), icon=":material/check_circle:")
    for name, reason in summary.skipped:
        st.warning(escape_markdown(f"{name} could not be read: {reason}."))


def ingest_message(summary: IngestSummary) -> str:
    """An ingest's summary for an officer: what changed and what the library now holds."""
    changes = []
    if summary.ingested:
        n = len(summary.ingested)
        changes.append(
            f"{counted(n, 'new or changed report')} {'was' if n == 1 else 'were'} read into "
            "the library"
        )
    if summary.removed:
        n = len(summary.removed)
        changes.append(
            f"{counted(n, 'report')} no longer in the folder {'was' if n == 1 else 'were'} taken out"
        )
    done = "Done: " + (
        "; ".join(changes) if changes else "nothing had changed in the reports folder"
    )
    if summary.skipped:
        done += f"; {counted(len(summary.skipped), 'file')} could not be read (below)"
    holds = (
        f"The library {'now holds' if changes else 'holds'} {counted(summary.reports, 'report')}"
    )
    if summary.reports:
        holds += f" ({summary.pages:,} pages)"
    return escape_markdown(f"{done}. {holds}.")


def counted(n: int, noun: str) -> str:
    """The count with its noun: 1 report, 2 reports."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _rebuild_command(settings: Settings) -> str:
    return f"peerchat ingest --rebuild --index-dir {settings.index_dir} {settings.reports_dir}"


# --- the administrator ---------------------------------------------------------------------

ADMIN_KEY = "admin"  # session state: the Admin of a password sign-in


def identity_provider() -> bool:
    """Whether the app signs users in through an identity provider ([auth] in st.secrets)."""
    try:
        return "auth" in st.secrets
    except StreamlitSecretNotFoundError:  # no secrets.toml at all
        return False


def current_admin(settings: Settings) -> Admin | None:
    """The administrator acting in this session, or None."""
    mode = admin_mode(settings, identity_provider())
    if mode == "sign-in":
        try:
            return admin_by_sign_in(
                settings, bool(st.user.get("is_logged_in")), str(st.user.get("email") or "")
            )
        except NotAuthorised:
            return None
    held = st.session_state.get(ADMIN_KEY)
    return held if mode == "password" and isinstance(held, Admin) else None


# For whoever runs the app, not for the officer reading the page: kept in a closed panel.
HOW_TO_ENABLE = (
    "Set `PEERCHAT_ADMIN_PASSWORD` before starting the app (the administrator then signs in "
    "on the Library page with it), or configure sign-in through an identity provider with "
    "an `[auth]` section in `.streamlit/secrets.toml` (and `PEERCHAT_ADMIN_EMAILS` to name "
    "who may). The README says more under *Who may change the library*."
)


def _how_to_enable() -> None:
    with st.expander("Setting up an administrator (for whoever runs this app)"):
        st.markdown(HOW_TO_ENABLE)


def needs_admin(settings: Settings, doing: str) -> None:
    """A note that only the administrator may do `doing`, and how to become one."""
    if admin_mode(settings, identity_provider()) == "none":
        st.caption(
            f"An administrator could {doing}, but none is set up: whoever runs this app can "
            "set one up."
        )
        _how_to_enable()
    else:
        st.caption(f"Sign in as the administrator on the Library page to {doing}.")


def admin_panel(settings: Settings) -> Admin | None:
    """Sign-in and sign-out for the administrator; the Admin when signed in. With no way to
    sign in configured, says the library is read-only and how to change that."""
    mode = admin_mode(settings, identity_provider())
    admin = current_admin(settings)
    if mode == "none":
        st.info(
            "The library is read-only here: adding or removing reports and re-reading the "
            "reports folder need an administrator, and none is set up. Whoever runs this app "
            "can set one up.",
            icon=":material/lock:",
        )
        _how_to_enable()
        return None
    if admin is not None:
        st.caption(escape_markdown(f"Signed in as {admin.who}; you can change the library."))
        if mode == "sign-in":
            st.button("Sign out", on_click=st.logout, icon=":material/logout:")
        else:
            st.button("Sign out", on_click=_forget_admin, icon=":material/logout:")
        return admin
    if mode == "sign-in":
        _sign_in_with_provider()
    else:
        _sign_in_with_password(settings)
    return None


def _forget_admin() -> None:
    st.session_state.pop(ADMIN_KEY, None)


@st.cache_resource(show_spinner=False)
def password_throttle() -> Throttle:
    """Wrong administrator passwords of every session and client (one per server)."""
    return Throttle()


def session_id() -> str:
    """A random id for this browser session, for the logs (never the user's identity)."""
    return st.session_state.setdefault("session_id", uuid.uuid4().hex[:12])


def _client() -> str:
    """Where the session connects from, as far as the server can tell."""
    try:
        address = st.context.ip_address
    except Exception:  # noqa: BLE001 - no request context (bare mode, tests)
        address = None
    return address if isinstance(address, str) and address else "local"


def _sign_in_with_password(settings: Settings) -> None:
    with st.form("admin-sign-in", clear_on_submit=True):
        st.markdown("Adding or removing reports needs the administrator.")
        attempt = st.text_input("Administrator password", type="password", key="admin_password")
        submitted = st.form_submit_button("Sign in", icon=":material/login:")
    if not submitted:
        return
    session, client = session_id(), _client()
    # Guesses are slowed per session and per client: a reload is a new session.
    keys = (f"session:{session}", f"client:{client}")
    try:
        st.session_state[ADMIN_KEY] = admin_by_password(
            settings, attempt, password_throttle(), keys
        )
    except TooManyAttempts as exc:
        event(log, "admin_sign_in_delayed", logging.WARNING, session=session, client=client)
        st.error(
            f"Too many wrong passwords: wait {max(1, round(exc.seconds))} seconds "
            "before trying again."
        )
        return
    except NotAuthorised:
        # Neither the attempt nor the password is ever shown or logged.
        event(
            log,
            "admin_sign_in_refused",
            logging.WARNING,
            session=session,
            client=client,
            reason="wrong password",
        )
        st.error("That is not the administrator password.")
        return
    event(log, "admin_signed_in", session=session, client=client)
    st.rerun()


def _sign_in_with_provider() -> None:
    if st.user.get("is_logged_in"):
        email = str(st.user.get("email") or "this account")
        st.warning(escape_markdown(f"{email} is not an administrator of this library."))
        st.button("Sign out", on_click=st.logout, icon=":material/logout:")
        return
    st.markdown("Adding or removing reports needs the administrator.")
    providers = _providers()
    for provider in providers or [None]:
        label = f"Sign in with {provider}" if provider else "Sign in"
        if st.button(label, key=f"sign-in-{provider or 'default'}", icon=":material/login:"):
            try:
                st.login(provider)
            except StreamlitAPIException as exc:  # Authlib missing, [auth] incomplete...
                st.error("Sign-in is not set up correctly: " + escape_markdown(str(exc)))


def _providers() -> list[str]:
    """The named providers of [auth] ([auth.google], [auth.microsoft]...), if any."""
    auth = st.secrets.get("auth", {})
    return sorted(k for k, v in auth.items() if hasattr(v, "items"))


# --- errors at the UI edge ---------------------------------------------------------------


@contextmanager
def user_errors(doing: str) -> Iterator[None]:
    """Turn an error inside the block into a short message (never a traceback).

    Streamlit's own stop/rerun signals are BaseExceptions and pass through.
    """
    try:
        yield
    except PeerchatError as exc:
        st.error(f"Something went wrong while {doing}: {exc}")
    except Exception:
        log.exception("unexpected error while %s", doing)
        st.error(
            f"Something went wrong while {doing}. Please try again; if it keeps happening, "
            "the details are in the server log."
        )


# --- progress ------------------------------------------------------------------------------


class StreamlitProgress:
    """An ingest progress callback, `progress(stage, done, total)`, drawing one st.progress
    bar: checking and reading files fill the first fifth, embedding most of the rest."""

    SHARE = {
        "checking": (0.0, 0.05),
        "reading": (0.05, 0.15),
        "embedding": (0.2, 0.7),
        "indexing": (0.9, 0.1),
    }

    def __init__(self, bar) -> None:
        self.bar = bar

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage == "waiting":
            self.bar.progress(0.0, text="Waiting for another ingest to finish…")
            return
        start, share = self.SHARE.get(stage, (0.0, 1.0))
        fraction = start + share * (done / total if total else 1.0)
        unit = UNITS.get(stage, "item") + "s"
        text = f"{LABELS.get(stage, stage)}: {done} of {total} {unit}"
        self.bar.progress(min(1.0, max(0.0, fraction)), text=text)


# --- filters -------------------------------------------------------------------------------

FILTER_KEYS = ("filter_councils", "filter_types", "filter_years")


def year_range(library: Library) -> tuple[int, int] | None:
    """The first and last year of the library's dated reports."""
    years = sorted({int(s.report.date[:4]) for s in library.stored if s.report.date[:4].isdigit()})
    return (years[0], years[-1]) if years else None


def filters_from(
    councils: Sequence[str],
    report_types: Sequence[str],
    years: tuple[int, int] | None,
    full_range: tuple[int, int] | None,
) -> Filters:
    """Filters from the sidebar's choices; the full year range means no date filter."""
    date_from = date_to = ""
    if years and full_range:
        if years[0] > full_range[0]:
            date_from = f"{years[0]}-01-01"
        if years[1] < full_range[1]:
            date_to = f"{years[1]}-12-31"
    return Filters(
        councils=tuple(councils),
        report_types=tuple(report_types),
        date_from=date_from,
        date_to=date_to,
    )


def clear_filters() -> None:
    for key in FILTER_KEYS:
        st.session_state.pop(key, None)


def filter_sidebar(library: Library) -> Filters:
    """Council, report type and year filters in the sidebar; they stay set until cleared."""
    councils = library.councils
    types = [t for t in REPORT_TYPES if any(s.report.report_type == t for s in library.stored)]
    span = year_range(library)
    state = st.session_state
    # A library that changed under the session must not leave a widget an impossible value.
    if "filter_councils" in state:
        state["filter_councils"] = [c for c in state["filter_councils"] if c in councils]
    if "filter_types" in state:
        state["filter_types"] = [t for t in state["filter_types"] if t in types]
    if "filter_years" in state and (
        not span or not span[0] <= state["filter_years"][0] <= state["filter_years"][1] <= span[1]
    ):
        del state["filter_years"]
    with st.sidebar:
        st.subheader("Narrow the search")
        chosen = st.multiselect(
            "Councils", councils, key="filter_councils", placeholder="All councils"
        )
        chosen_types = st.multiselect(
            "Report types", types, key="filter_types", placeholder="All report types"
        )
        years = None
        if span and span[0] < span[1]:
            years = st.slider("Years", span[0], span[1], value=span, key="filter_years")
        elif span:
            st.caption(f"All dated reports are from {span[0]}.")
        filters = filters_from(chosen, chosen_types, years, span)
        if filters.active:
            st.button("Clear filters", on_click=clear_filters, icon=":material/filter_alt_off:")
    return filters


# --- answers and their sources -------------------------------------------------------------


@dataclass(frozen=True)
class Exchange:
    """One question answered in a session, with the filters it was asked under."""

    answer: Answer
    filters: Filters


def history_of(exchanges: Sequence[Exchange]) -> list[Turn]:
    """The conversation so far, as the answerer reads follow-ups against it."""
    return [Turn.from_answer(e.answer) for e in exchanges]


def escape_markdown(text: str) -> str:
    """`text` shown literally by st.markdown: no links, images, HTML, math or formatting."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_code(text: str) -> str:
    return text.replace("`", "'")


def answer_markdown(answer: Answer, key: str = "") -> str:
    """The answer's Markdown, made safe: its bullets and bold stay, but nothing a report
    sentence contains can become a link, an image, HTML or math. Each `[n]` of a citation
    becomes a link to source n of the answer drawn under `key` (`#source-<key>-<n>`, the
    key of its panel in `show_citation`), which assets/app.js opens."""
    body = _ANSWER_SPECIAL.sub(r"\\\1", answer.text)
    cited = {c.n: c for c in answer.citations}

    def link(m: re.Match) -> str:
        c = cited.get(int(m.group(1)))
        if c is None:
            return m.group(0)
        title = _link_title(f"Open source {c.n}: {c.council}, page {c.page}")
        return f'[\\[{c.n}\\]](#source-{key}-{c.n} "{title}")'

    return _MARKER.sub(link, body)


def _link_title(text: str) -> str:
    """`text` as a Markdown link title: no quotes, backslashes or line breaks to end it."""
    return " ".join(re.sub(r'["\\]', "", text).split())


def highlighted_markdown(text: str, quotes: Sequence[str]) -> str:
    """The passage as safe Markdown with the sentences the answer used highlighted.

    Each quote is an exact substring of `text`; overlapping quotes merge. Line breaks are
    kept (a highlight never crosses one, as the highlight cannot span lines).
    """
    spans: list[tuple[int, int]] = []
    for quote in quotes:
        start = text.find(quote) if quote else -1
        if start >= 0:
            spans.append((start, start + len(quote)))
    spans.sort()
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    marked = [False] * len(text)
    for start, end in merged:
        marked[start:end] = [True] * (end - start)
    lines = []
    offset = 0
    for line in text.split("\n"):
        out, run, run_marked = [], [], None
        for i, ch in enumerate(line):
            flag = marked[offset + i]
            if flag != run_marked and run:
                out.append(_segment("".join(run), run_marked))
                run = []
            run.append(ch)
            run_marked = flag
        if run:
            out.append(_segment("".join(run), run_marked))
        lines.append("".join(out))
        offset += len(line) + 1
    return "  \n".join(lines)


def _segment(text: str, marked: bool | None) -> str:
    if not marked or not text.strip():
        return escape_markdown(text)
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    return f"{lead}:orange-background[**{escape_markdown(text.strip())}**]{trail}"


def passage_excerpt(text: str, quotes: Sequence[str], context: int = 1) -> str:
    """The lines of a passage that hold its quotes, with `context` lines either side and
    "…" where lines are left out; the whole passage when it is short or nothing is quoted.
    """
    lines = text.split("\n")
    if len(text) < 900 or not quotes or len(lines) < 3:
        return text
    starts, offset = [], 0
    for line in lines:
        starts.append(offset)
        offset += len(line) + 1
    keep: set[int] = set()
    for quote in quotes:
        at = text.find(quote) if quote else -1
        if at < 0:
            continue
        first = max(i for i, s in enumerate(starts) if s <= at)
        last = max(i for i, s in enumerate(starts) if s <= at + len(quote) - 1)
        keep.update(range(max(0, first - context), min(len(lines), last + context + 1)))
    if not keep or len(keep) == len(lines):
        return text
    out, previous = [], -1
    for i in sorted(keep):
        if i != previous + 1:
            out.append("…")
        out.append(lines[i])
        previous = i
    if previous != len(lines) - 1:
        out.append("…")
    return "\n".join(out)


def citation_label(c: Citation) -> str:
    """The one-line label of a source: `[n] Council · type, date · p. N`."""
    return escape_markdown(
        f"[{c.n}] {c.council} · {c.report_type}, {display_date(c.date)} · p. {c.page}"
    )


def show_answer(
    exchange: Exchange, library: Library, settings: Settings, key: str, position: int = 0
) -> None:
    """An answer as the chat shows it: what was searched (and any name guessed), the text,
    its other notices, then its numbered sources. `position` is the exchange's place in the
    conversation (a question asked again is asked after the same turns)."""
    answer = exchange.answer
    seen = searched(answer, exchange.filters, library.councils)
    if seen is not None:
        show_searched(seen, answer, exchange.filters, key, position)
    if answer.found:
        st.markdown(answer_markdown(answer, key))
    else:
        st.info(answer_markdown(answer, key), icon=":material/search_off:")
    for notice in seen.notices if seen is not None else answer.notices:
        st.caption(escape_markdown(notice))
    if answer.citations:
        st.markdown(f"**Sources** ({len(answer.citations)})")
        for citation in answer.citations:
            show_citation(citation, library, settings, f"{key}-{citation.n}")


# --- what a question was understood as -------------------------------------------------------

LISTED_COUNCILS = 8  # "all N councils" names them when there are at most this many
PENDING = "pending_question"  # session state: an Ask for the next run to answer


@dataclass(frozen=True)
class Ask:
    """A question to answer on the next run (an example, or an answer asked again).

    `filters` None means the sidebar's; `history` is how many earlier exchanges it follows
    (None: the whole conversation)."""

    question: str
    filters: Filters | None = None
    history: int | None = None


def ask_next(question: str, filters: Filters | None = None, history: int | None = None) -> None:
    """Have the chat page answer `question` on its next run (a button's callback)."""
    st.session_state[PENDING] = Ask(question, filters, history)


WAITING = "questions_waiting"  # session state: Asks not yet answered, oldest first


def questions_waiting(typed: str | None, filters: Filters) -> list[Ask]:
    """This session's questions still to answer, oldest first: any left from an earlier
    run (asked while the model loaded, or cut short by another click), then the one just
    asked (`typed` in the chat box, or an example or an answer asked again), held with the
    `filters` it was asked under. The caller removes each once it is answered."""
    waiting: list[Ask] = st.session_state.setdefault(WAITING, [])
    asked = st.session_state.pop(PENDING, None) or Ask(typed or "")
    if asked.question.strip():
        waiting.append(asked if asked.filters is not None else replace(asked, filters=filters))
    return waiting


def forget_questions_waiting() -> None:
    """A new conversation: questions still waiting are dropped with the old one."""
    st.session_state[WAITING] = []


@dataclass(frozen=True)
class Searched:
    """What an answer searched, as the line above it says: the councils (as the question
    named them or a follow-up carried them, as chosen, or all of the library's), report
    types and years, names guessed from misspellings, and the answer's other notices."""

    councils: tuple[str, ...]
    scope: str  # "named" | "chosen" | "all"
    report_types: tuple[str, ...] = ()
    years: str = ""  # "" for all years
    missing: tuple[str, ...] = ()  # named, but with no report in the library
    guesses: tuple[tuple[str, str], ...] = ()  # (as typed, council taken)
    follow_up: bool = False
    across: bool = False  # answered council by council
    notices: tuple[str, ...] = ()


def searched(answer: Answer, filters: Filters, library_councils: Sequence[str]) -> Searched | None:
    """What `answer`, asked under `filters`, searched: from how the answerer read the
    question (`Answer.understood`) and the date range of the filters. None when the
    question was not read (an empty one)."""
    u = answer.understood
    if u is None:
        return None
    guessed = {f"Taking '{typed}' as {council}." for typed, council in u.guesses}
    notices = tuple(n for n in answer.notices if n not in guessed)
    if u.councils and set(u.councils) == set(filters.councils):
        councils, scope = tuple(u.councils), "chosen"
    elif u.councils:
        councils, scope = tuple(u.councils), "named"
    else:
        councils, scope = tuple(library_councils), "all"
    years = _years(filters) or join_names([str(y) for y in sorted(u.years)])
    return Searched(
        councils,
        scope,
        tuple(u.report_types),
        years,
        tuple(u.missing),
        tuple(u.guesses),
        u.follow_up,
        u.across,
        notices,
    )


def _years(filters: Filters) -> str:
    if filters.years:
        return join_names([str(y) for y in sorted(filters.years)])
    start, end = filters.date_from[:4], filters.date_to[:4]
    if start and end:
        return start if start == end else f"{start} to {end}"
    if start:
        return f"from {start}"
    if end:
        return f"up to {end}"
    return ""


def searched_markdown(seen: Searched) -> str:
    """One line, e.g. "**Searched** Lambeth London Borough Council · all report types ·
    all years" (escaped Markdown)."""
    if seen.scope == "all":
        n = len(seen.councils)
        where = f"all {counted(n, 'council')} in the library"
        if 1 < n <= LISTED_COUNCILS:
            where += ": " + join_names(list(seen.councils))
        elif n == 1:
            where = f"the library's one council, {seen.councils[0]}"
    elif seen.scope == "chosen":
        where = join_names(list(seen.councils)) + " only, as chosen"
    else:
        where = join_names(list(seen.councils))
    if seen.follow_up and seen.scope == "named":
        where += ", following on from the question before"
    types = join_names([_plural(t) for t in seen.report_types]) or "all report types"
    years = seen.years or "all years"
    line = f"{where} · {types} · {years}"
    if seen.missing:
        line += f" · no report for {join_names(list(seen.missing))} in the library"
    return "**Searched** " + escape_markdown(line)


def _plural(report_type: str) -> str:
    return report_type + "s"


def show_searched(
    seen: Searched, answer: Answer, filters: Filters, key: str, position: int
) -> None:
    """Above an answer: what it searched; each guessed name, with a button to ask again
    without it; for a question that named no council, a button per council its sources
    come from, to ask again about that council alone."""
    st.caption(searched_markdown(seen))
    for i, (typed, council) in enumerate(seen.guesses):
        with st.container(horizontal=True, vertical_alignment="center", gap="small"):
            st.caption(escape_markdown(f"Taking '{typed}' as {council}."), width="content")
            st.button(
                f"Ask again without {council}",
                key=f"unguess-{key}-{i}",
                type="tertiary",
                icon=":material/undo:",
                on_click=ask_next,
                args=(without_name(answer.question, typed), filters, position),
            )
    if seen.scope != "all" or seen.across or not answer.found:
        return
    cited = _cited_councils(answer, seen.councils)
    if len(cited) < 2:
        return
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        st.caption("Ask again about one council:", width="content")
        for i, council in enumerate(cited):
            st.button(
                council,
                key=f"narrow-{key}-{i}",
                type="tertiary",
                icon=":material/filter_alt:",
                help=f"Ask this question again about {council} only",
                on_click=ask_next,
                args=(answer.question, replace(filters, councils=(council,)), position),
            )


def _cited_councils(answer: Answer, councils: Sequence[str]) -> list[str]:
    """The councils (of `councils`) whose reports the answer's sources come from, in the
    order first cited. A joint report's citation names each of its councils."""
    out: list[str] = []
    for c in answer.citations:
        for name in councils:
            if name in c.council and name not in out:
                out.append(name)
    return out


def without_name(question: str, typed: str) -> str:
    """`question` without the first `typed` (and a possessive 's after it)."""
    pattern = re.compile(r"(?<!\w)" + re.escape(typed) + r"(?:['’]s)?(?!\w)", re.IGNORECASE)
    text = " ".join(pattern.sub(" ", question, count=1).split())
    return re.sub(r"\s+([?.,!;:])", r"\1", text)


def show_citation(c: Citation, library: Library, settings: Settings, key: str) -> None:
    """One numbered source, opened on request: where it is printed, the passage with the
    answer's sentences highlighted, the original file, and (only while open, as it costs a
    render) the page as printed with the passage marked."""
    source = st.expander(citation_label(c), key=f"source-{key}", on_change="rerun")
    path = source_path(c, library, settings)
    pdf = path if path is not None and path.suffix.lower() == ".pdf" else None
    with source:
        text_side, page_side = st.columns([2, 3], gap="medium") if pdf else (st.container(), None)
        with text_side:
            details = [c.title, c.report_type, display_date(c.date), c.section or "no section"]
            st.caption(escape_markdown(" · ".join(details) + f" · page {c.page}"))
            excerpt = passage_excerpt(c.text, c.quotes)
            whole = excerpt == c.text or st.toggle("Whole passage", key=f"whole-{key}")
            with st.container(border=True):
                st.markdown(highlighted_markdown(c.text if whole else excerpt, c.quotes))
            if path is None:
                st.caption(escape_markdown(f"The file {c.source} is no longer in the library."))
            elif pdf is None:
                st.caption("This report is a text export: there is no printed page to show.")
            else:
                st.download_button(
                    "Download the report (PDF)",
                    data=functools.partial(pdf.read_bytes),
                    file_name=pdf.name,
                    mime="application/pdf",
                    key=f"pdf-{key}",
                    on_click="ignore",
                    icon=":material/download:",
                )
        if page_side is not None and source.open:
            with page_side, user_errors(f"showing page {c.page} of {c.source}"):
                image = page_png(str(pdf), pdf.stat().st_mtime, c.page, c.quotes, c.text)
                st.image(
                    image,
                    caption=escape_markdown(f"{c.source}, page {c.page} as printed"),
                    alt=f"Page {c.page} of {c.source} as printed, the quoted passage marked",
                    width="stretch",
                    output_format="PNG",
                )


def source_path(c: Citation, library: Library, settings: Settings) -> Path | None:
    """The file a citation's passage came from, if it is still there.

    A chunk id starts with its report's id (shortened); the report's stored path may be
    relative to the working directory, so the reports folder is tried too.
    """
    prefix = c.chunk_id.split(":", 1)[0]
    candidates = [
        Path(report.path)
        for rid, report in library.reports.items()
        if prefix and rid.startswith(prefix)
    ]
    candidates.append(settings.reports_dir / c.source)
    return next((p for p in candidates if p.is_file()), None)


@st.cache_data(max_entries=64, show_spinner="Rendering the page…")
def page_png(path: str, mtime: float, page: int, quotes: tuple[str, ...], passage: str) -> bytes:
    """The page as printed with the passage marked, as PNG (cached per file version)."""
    from peerchat.pdfview import render_page

    return render_page(path, page, quotes, passage).png


def model_settings_panel(settings: Settings) -> Settings:
    """A sidebar panel for the optional language model (this session only).

    The endpoints and models are the administrator's (PEERCHAT_LLM_BASE_URL and
    PEERCHAT_LLM_MODEL, and the PEERCHAT_LLM_ALLOWED_* lists): a visitor chooses among
    them and never types a URL. The server's key is never put in a widget; a visitor may
    give their own, used only with the allowed endpoint chosen. Returns the settings to
    answer with (extractive when no model is chosen or none is set up).
    """
    endpoints, models = settings.llm_endpoints, settings.llm_models
    with st.sidebar.expander("Language model (optional)"):
        if not endpoints or not models:
            st.caption(
                "Answers quote the reports. The administrator can let a language model "
                "write them (PEERCHAT_LLM_BASE_URL and PEERCHAT_LLM_MODEL)."
            )
            return settings.llm_choice("", "")
        st.caption(
            "A model's answer keeps only sentences its cited passages support. "
            "Choose none to have answers quote the reports."
        )
        options = ["", *endpoints]
        state = st.session_state
        # Only the choices offered can be chosen, whatever the session state holds.
        if state.get("llm_endpoint") not in options:
            state.pop("llm_endpoint", None)
        if state.get("llm_model") not in models:
            state.pop("llm_model", None)
        endpoint = st.selectbox(
            "Endpoint",
            options,
            index=1 if settings.llm_enabled else 0,
            format_func=lambda url: url or "None: quote the reports",
            key="llm_endpoint",
        )
        model = st.selectbox("Model", models, key="llm_model", disabled=not endpoint)
        own_key = st.text_input(
            "Your API key (optional)",
            type="password",
            key="llm_visitor_key",
            disabled=not endpoint,
            help="Used only with the endpoint chosen above. Blank: the server's own "
            "arrangement with its endpoint.",
        )
    try:
        chosen = settings.llm_choice(endpoint or "", model or "", own_key.strip())
    except PeerchatError as exc:
        st.sidebar.error(str(exc))
        chosen = settings.llm_choice("", "")
    if chosen.llm_enabled:
        st.sidebar.caption(
            escape_markdown(f"Answers written by {chosen.llm_model}, checked against sources.")
        )
    return chosen


def with_model_settings(assistant: Assistant, chosen: Settings) -> Assistant:
    """The shared assistant answering with this session's model settings (a shallow copy:
    the library and the embedder stay shared)."""
    if (chosen.llm_base_url, chosen.llm_model, chosen.llm_api_key) == (
        assistant.settings.llm_base_url,
        assistant.settings.llm_model,
        assistant.settings.llm_api_key,
    ):
        return assistant
    return replace(assistant, settings=chosen)
