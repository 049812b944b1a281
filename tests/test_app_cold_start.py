"""The app's cold start: the chat page is drawn, with the library's counts and the example
questions, while the embedding model loads in a background thread (a status says so); a
question asked meanwhile waits for the model and is then answered, never lost; a model that
cannot load is named with its reason. The model's loading is held at a gate here, so
nothing depends on how long it takes (the real browser's timings: test_browser.py)."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from peerchat import ui
from peerchat.core.errors import PeerchatError
from peerchat.core.settings import Settings
from peerchat.index.embedding import HashEmbedder
from peerchat.index.search import Filters

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
QUESTION = "What did Lambeth commit to on scrutiny?"


class GatedModel:
    """A stand-in for embedder_for that counts its loads and finishes only once the test
    opens the gate (or fails with `error`)."""

    def __init__(self, error: Exception | None = None) -> None:
        self.entered = threading.Event()
        self.gate = threading.Event()
        self.loads = 0
        self.error = error
        self.name = HashEmbedder.name
        self.settings: Settings | None = None  # what the last load was given

    def __call__(self, settings: Settings, notify: object = None) -> HashEmbedder:
        self.loads += 1
        self.settings = settings
        self.entered.set()
        assert self.gate.wait(60), "the test never opened the gate"
        if self.error is not None:
            raise self.error
        embedder = HashEmbedder()
        embedder.name = self.name
        return embedder


@pytest.fixture
def gated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, folder: Path, hash_embedder):
    """The app over a two-report library (hash embedder), its model loading held at a gate.
    The model path is this test's own, so the app's shared model cache starts empty."""
    from peerchat.index.build import ingest_paths

    index = tmp_path / "index"
    assert ingest_paths([folder], index, hash_embedder).ingested
    monkeypatch.setenv("PEERCHAT_INDEX_DIR", str(index))
    monkeypatch.setenv("PEERCHAT_REPORTS_DIR", str(folder))
    monkeypatch.setenv("PEERCHAT_EMBEDDER", "hash")
    monkeypatch.setenv("PEERCHAT_MODEL_PATH", str(tmp_path / "model-of-this-test"))
    model = GatedModel()
    monkeypatch.setattr(ui, "embedder_for", model)
    yield model
    model.gate.set()  # never leave a loading thread waiting


def _ask_in_background(at: AppTest, question: str) -> threading.Thread:
    """Submit `question`; the run goes on in a thread (it waits for the model)."""
    run = threading.Thread(target=lambda: at.chat_input[0].set_value(question).run(), daemon=True)
    run.start()
    return run


def test_the_chat_page_is_drawn_before_the_model_loads(gated: GatedModel) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, at.exception
    assert at.chat_input, "the chat box is there while the model loads"
    assert any(
        c.value.startswith("Answers from 2 LGA Corporate Peer Challenge") for c in at.caption
    )
    assert "Which councils were told to strengthen scrutiny?" in [b.label for b in at.button]
    status = [i.value for i in at.info]
    assert status == [ui.MODEL_LOADING], status
    assert gated.loads == 0, "the page's own run does not start the model: its refresh does"
    assert "filter_councils" in [m.key for m in at.sidebar.multiselect], "the filters too"


def test_a_question_asked_while_the_model_loads_is_answered_once_it_has(
    gated: GatedModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PEERCHAT_EMBED_BACKEND", "int8")  # the hash embedder has no backends
    at = AppTest.from_file(APP, default_timeout=60).run()
    run = _ask_in_background(at, QUESTION)
    assert gated.entered.wait(60), "asking starts the model loading"
    assert gated.settings is not None and gated.settings.embed_backend == "int8", "honoured"
    assert run.is_alive(), "the question waits for the model"
    gated.gate.set()
    run.join(60)
    assert not run.is_alive() and not at.exception, at.exception
    exchanges = at.session_state["exchanges"]
    assert [e.answer.question for e in exchanges] == [QUESTION]
    assert exchanges[0].answer.citations, exchanges[0].answer.text
    assert at.session_state[ui.WAITING] == [], "answered, so no longer waiting"
    assert [s.value for s in at.success] == [ui.MODEL_READY], "the session is told it is ready"
    assert not at.info, "the loading status has gone"
    assert gated.loads == 1

    at.run()
    assert not at.success, "said once"


def test_questions_waiting_are_answered_in_the_order_asked(gated: GatedModel) -> None:
    gated.gate.set()
    at = AppTest.from_file(APP, default_timeout=60).run()
    # One left waiting from an earlier run (cut short while the model loaded), then one asked.
    first = "Which councils were told to strengthen scrutiny?"
    at.session_state[ui.WAITING] = [ui.Ask(first, Filters())]
    at.chat_input[0].set_value(QUESTION).run()
    if at.session_state[ui.WAITING]:  # one answer per run: the page reruns for the next
        at.run()
    assert not at.exception, at.exception
    asked = [e.answer.question for e in at.session_state["exchanges"]]
    assert asked == [first, QUESTION]
    assert at.session_state[ui.WAITING] == []


def test_a_model_that_cannot_load_is_named_with_its_reason(
    gated: GatedModel, tmp_path: Path
) -> None:
    gated.error = PeerchatError(f"the embedding model folder {tmp_path}/gone does not exist")
    at = AppTest.from_file(APP, default_timeout=60).run()
    run = _ask_in_background(at, QUESTION)
    assert gated.entered.wait(60)
    gated.gate.set()
    run.join(60)
    assert not run.is_alive() and not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert errors == [
        "Something went wrong while answering the question: the embedding model folder "
        f"{tmp_path}/gone does not exist"
    ], errors
    assert at.session_state[ui.WAITING] == [], "a refused question is not asked again"

    at.run()
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("The search cannot start: the embedding")
    assert "peerchat doctor" in errors[0] and "restart the app" in errors[0]
    assert at.chat_input, "the library can still be browsed"


def test_an_index_built_with_another_model_is_refused_once_the_model_has_loaded(
    gated: GatedModel,
) -> None:
    gated.name = "another-model"
    gated.gate.set()
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.chat_input[0].set_value(QUESTION).run()
    assert not at.exception, at.exception
    assert "it was built with hash-bow-256, these settings use another-model" in at.error[0].value
    at.run()
    errors = [e.value for e in at.error]
    assert errors == [
        "The index cannot be used: it was built with hash-bow-256, these settings use another-model."
    ], errors
    assert any("peerchat ingest --rebuild" in c.value for c in at.caption)


def test_the_model_loads_once_however_many_sessions_ask_for_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model = GatedModel()
    monkeypatch.setattr(ui, "embedder_for", model)
    settings = Settings(embedder="hash", embed_backend="int8")
    loading = ui.ModelLoad(settings)
    assert not loading.ready and not loading.started
    starters = [threading.Thread(target=loading.start) for _ in range(8)]
    for t in starters:
        t.start()
    for t in starters:
        t.join()
    assert model.entered.wait(60)
    assert not loading.ready
    model.gate.set()
    waiters: list[object] = []
    readers = [threading.Thread(target=lambda: waiters.append(loading.wait())) for _ in range(4)]
    for t in readers:
        t.start()
    for t in readers:
        t.join(60)
    assert loading.ready and len(waiters) == 4
    assert len({id(w) for w in waiters}) == 1, "every session gets the one model"
    assert model.loads == 1
    assert model.settings is settings, "the model is the one the settings choose (backend too)"


def test_the_server_imports_what_the_first_page_needs_before_it_is_asked() -> None:
    """`make run` serves the app through peerchat.ui_server, which imports the app's modules
    first: after its preload, the app's own import of peerchat.ui brings in nothing else
    (a module added to ui.py's imports and not to PRELOAD would slow the first page)."""
    probe = (
        "import sys, streamlit, streamlit.web.server, streamlit.runtime.scriptrunner\n"
        "from peerchat.ui_server import preload\n"
        "preload()\n"
        "before = set(sys.modules)\n"
        "import peerchat.ui\n"
        "print(sorted(set(sys.modules) - before), 'torch' in sys.modules)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "['peerchat.ui'] False", "only peerchat.ui, and no torch yet"
