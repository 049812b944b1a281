"""Shared fixtures: the real sample corpus indexed once per session with the real model,
and fast settings with the deterministic hash embedder for everything else."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_REPORTS = ROOT / "data" / "reports"
TEST_DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def _no_peerchat_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never pick up a developer's PEERCHAT_* settings."""
    for key in list(os.environ):
        if key.startswith("PEERCHAT_"):
            monkeypatch.delenv(key, raising=False)


@pytest.fixture(scope="session")
def minilm():
    """The real embedding model, loaded once."""
    from peerchat.index.embedding import MiniLMEmbedder

    return MiniLMEmbedder()


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory, minilm) -> Path:
    """The five sample PDFs ingested with the real model (built once per session)."""
    from peerchat.index.build import ingest_paths

    index_dir = tmp_path_factory.mktemp("sample-index")
    summary = ingest_paths([SAMPLE_REPORTS], index_dir, minilm)
    assert len(summary.ingested) == 5, summary.line()
    return index_dir


@pytest.fixture(scope="session")
def assistant(sample_index: Path, minilm):
    """The assistant over the sample index (read-only: do not ingest into it)."""
    from peerchat.core.settings import Settings
    from peerchat.index.answer import Assistant

    return Assistant.load(Settings(index_dir=sample_index), embedder=minilm)


@pytest.fixture
def reports_copy(tmp_path: Path) -> Path:
    """A writable copy of the sample PDFs."""
    folder = tmp_path / "reports"
    shutil.copytree(SAMPLE_REPORTS, folder, ignore=shutil.ignore_patterns("catalogue.csv"))
    return folder


@pytest.fixture
def hash_embedder():
    from peerchat.index.embedding import HashEmbedder

    return HashEmbedder()


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The CLI, with the fast fake embedder."""
    monkeypatch.setenv("PEERCHAT_EMBEDDER", "hash")
    return CliRunner()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A reports folder with two text exports (Lambeth's feedback, Bedford's plan)."""
    folder = tmp_path / "reports"
    folder.mkdir()
    for name in ("lambeth-cpc-feedback-2016.md", "bedford-borough-cpc-action-plan-2024.txt"):
        shutil.copy(ROOT / "tests" / "data" / "text" / name, folder)
    return folder


# --- the browser tests (tests/browser_kit.py) ------------------------------------------------


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The full accessibility sweep (marker a11y) runs only when asked for: `make a11y`."""
    if "a11y" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="the full accessibility sweep runs with `make a11y`")
    for item in items:
        if item.get_closest_marker("a11y"):
            item.add_marker(skip)


@pytest.fixture(scope="module")
def chrome():
    """One headless Chromium for the module's browser tests."""
    from tests import browser_kit as kit

    if not kit.have_chromium():
        pytest.skip(kit.INSTALL_HINT)
    driver = kit.chromium()
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def app_index(request: pytest.FixtureRequest) -> Path:
    """data/index when `make run` or `make screenshot` has built it from the five sample
    reports with MiniLM (fast); otherwise the session's sample index."""
    from peerchat.core.errors import PeerchatError
    from peerchat.index.answer import generation_key
    from peerchat.index.store import Library, current_generation, read_manifest

    built = ROOT / "data" / "index"
    if generation_key(built):
        try:
            Library.open(built)  # refuses an index from another version
            manifest = read_manifest(current_generation(built))
        except PeerchatError:
            manifest = None
        if manifest and manifest.reports == 5 and manifest.embedder == "all-MiniLM-L6-v2":
            return built
    return request.getfixturevalue("sample_index")


@pytest.fixture(scope="module")
def app_server(app_index: Path, tmp_path_factory: pytest.TempPathFactory):
    """`streamlit run app.py` over the sample reports, for the module's browser tests."""
    from tests import browser_kit as kit

    if not kit.have_chromium():
        pytest.skip(kit.INSTALL_HINT)
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    server = kit.AppServer(
        {"PEERCHAT_INDEX_DIR": str(app_index), "PEERCHAT_REPORTS_DIR": str(SAMPLE_REPORTS)}, log
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()
