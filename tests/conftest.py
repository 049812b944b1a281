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
