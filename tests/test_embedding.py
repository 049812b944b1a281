"""The embedder's backends: token-length batching, the ONNX export cache, and an index
that refuses to be searched with another backend than it was built with."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from peerchat.core.errors import IndexIncompatible, PeerchatError
from peerchat.core.settings import Settings
from peerchat.index.embedding import (
    HashEmbedder,
    embedder_name,
    length_batches,
    minilm_name,
)
from peerchat.index.embedding.onnx_export import (
    FP32_FILE,
    INT8_FILE,
    ensure_export,
    export_dir,
    is_complete,
)


def test_length_batches_cover_every_row_once_shortest_first():
    lengths = np.array([9, 3, 7, 3, 12, 1, 7, 5])
    batches = length_batches(lengths, 3)
    assert [len(b) for b in batches] == [3, 3, 2]
    rows = np.concatenate(batches)
    assert sorted(rows.tolist()) == list(range(8)), "each row in exactly one batch"
    assert rows.tolist() == [5, 1, 3, 7, 2, 6, 0, 4], "by length, ties in their order"


def test_a_batch_of_long_texts_is_cut_to_the_token_budget():
    # Short texts fill a batch; long ones come fewer at a time (the model's working memory
    # grows with a batch's texts times its longest), and one text over the budget is
    # still a batch of its own.
    lengths = np.array([10, 10, 10, 10, 40, 40, 40, 300])
    batches = length_batches(lengths, 4, max_tokens=80)
    assert [sorted(b.tolist()) for b in batches] == [[0, 1, 2, 3], [4, 5], [6], [7]]
    assert sorted(np.concatenate(batches).tolist()) == list(range(8))
    assert all(len(b) * lengths[b].max() <= 80 or len(b) == 1 for b in batches)


def test_token_length_batching_keeps_each_vector_with_its_text(minilm):
    texts = [
        "Scrutiny.",
        "The council should narrow its priorities and say which of them come first.",
        "Finance.",
        "Members and officers told the peer team that the relationship between the "
        "leadership and the chief executive is strong, open and based on trust.",
        "Lambeth has a clear vision.",
        "An action plan sets out who leads each recommendation and by when.",
    ] * 3
    old = minilm.batch_size
    minilm.batch_size = 4  # several batches, each of other rows than the input order
    try:
        together = minilm.embed(texts)
    finally:
        minilm.batch_size = old
    alone = np.vstack([minilm.embed([t]) for t in texts])
    assert together.shape == (len(texts), 384)
    assert np.abs(together - alone).max() < 1e-4, "row i must be the vector of text i"
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-4)


def _fake_model(folder: Path) -> Path:
    model = folder / "site-packages" / "fake_model" / "model"
    model.mkdir(parents=True)
    (model / "modules.json").write_text("[]")
    (model / "model.safetensors").write_bytes(b"weights")
    return model


def _tree(folder: Path) -> dict[str, str]:
    """Every file under `folder` with a hash of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _fake_exporter(calls: list[Path]):
    def export(model_path: Path, target: Path) -> None:
        calls.append(target)
        (target / "onnx").mkdir()
        (target / "modules.json").write_text((model_path / "modules.json").read_text())
        (target / "onnx" / FP32_FILE).write_bytes(b"fp32")
        (target / "onnx" / INT8_FILE).write_bytes(b"int8")

    return export


def test_export_goes_to_the_cache_once_and_never_beside_the_weights(tmp_path: Path):
    model = _fake_model(tmp_path)
    before = _tree(model.parent.parent)
    cache = tmp_path / "cache"
    calls: list[Path] = []
    messages: list[str] = []
    folder = ensure_export(model, cache, messages.append, _fake_exporter(calls), "MiniLM")
    assert folder == export_dir(model, cache, "MiniLM")
    assert folder.parent == cache / "models" and folder.name.startswith("MiniLM-onnx-")
    assert is_complete(folder)
    assert calls and calls[0].parent == folder.parent and calls[0] != folder, (
        "exported into a temporary folder beside the entry, then renamed"
    )
    assert not calls[0].exists(), "the temporary folder is gone"
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]
    assert messages[0].startswith("exporting the embedding model to ONNX in " + str(folder))
    assert _tree(model.parent.parent) == before, "nothing written into the installed package"
    again = ensure_export(model, cache, messages.append, _fake_exporter(calls), "MiniLM")
    assert again == folder and len(calls) == 1, "a finished export is reused"


def test_a_failed_export_leaves_nothing_behind(tmp_path: Path):
    model = _fake_model(tmp_path)
    cache = tmp_path / "cache"

    def broken(model_path: Path, target: Path) -> None:
        (target / "onnx").mkdir()
        (target / "onnx" / FP32_FILE).write_bytes(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(PeerchatError, match="disk full"):
        ensure_export(model, cache, None, broken)
    assert list((cache / "models").iterdir()) == []


def test_other_weights_get_another_cache_entry(tmp_path: Path):
    model = _fake_model(tmp_path)
    first = export_dir(model, tmp_path / "cache")
    (model / "model.safetensors").write_bytes(b"other weights")
    assert export_dir(model, tmp_path / "cache") != first


def test_settings_choose_a_backend_and_refuse_an_unknown_one(tmp_path: Path):
    settings = Settings.from_env(
        {"PEERCHAT_EMBED_BACKEND": "int8", "XDG_CACHE_HOME": str(tmp_path)}
    )
    assert settings.embed_backend == "int8"
    assert settings.model_cache == tmp_path / "peerchat"
    assert embedder_name(settings) == "all-MiniLM-L6-v2+int8"
    assert embedder_name(settings.with_(embed_backend="torch")) == "all-MiniLM-L6-v2", (
        "torch keeps the name indexes were built with before backends existed"
    )
    assert embedder_name(settings.with_(embedder="hash")) == HashEmbedder.name
    with pytest.raises(PeerchatError, match="PEERCHAT_EMBED_BACKEND"):
        Settings.from_env({"PEERCHAT_EMBED_BACKEND": "fp16"})


class _NamedHash(HashEmbedder):
    """The hash fake under a MiniLM backend's name, to build an index 'with' that backend."""

    def __init__(self, backend: str) -> None:
        self.name = minilm_name(backend)


@pytest.fixture
def int8_index(tmp_path: Path, folder: Path) -> Path:
    from peerchat.index.build import ingest_paths

    index_dir = tmp_path / "index"
    ingest_paths([folder], index_dir, _NamedHash("int8"))
    return index_dir


def test_an_index_refuses_another_backend_before_loading_the_model(int8_index: Path):
    from peerchat.index.answer import Assistant

    settings = Settings(index_dir=int8_index, embed_backend="torch")
    with pytest.raises(IndexIncompatible) as caught:
        Assistant.load(settings)  # would load the real model if it got that far
    message = str(caught.value)
    assert "built with all-MiniLM-L6-v2+int8, these settings use all-MiniLM-L6-v2" in message
    assert "PEERCHAT_EMBED_BACKEND=int8" in message and "--rebuild" in message
    same = Assistant.load(settings.with_(embed_backend="int8"), embedder=_NamedHash("int8"))
    assert same.library.manifest.embedder == "all-MiniLM-L6-v2+int8"


def test_the_cli_names_the_backend_an_index_needs(int8_index: Path, monkeypatch):
    from click.testing import CliRunner

    from peerchat.cli import main

    monkeypatch.setenv("PEERCHAT_EMBED_BACKEND", "int8")
    result = CliRunner().invoke(
        main, ["ask", "--index-dir", str(int8_index), "--embed-backend", "onnx", "scrutiny"]
    )
    assert result.exit_code == 1, result.output
    assert "these settings use all-MiniLM-L6-v2+onnx" in result.stderr, "the flag beats the env"
    assert "--embed-backend int8" in result.stderr
    assert result.stdout == ""
    bad = CliRunner().invoke(main, ["ask", "--embed-backend", "fp16", "scrutiny"])
    assert bad.exit_code == 2 and "fp16" in bad.stderr


def test_ingest_with_another_backend_rebuilds_rather_than_mixing(int8_index: Path, folder: Path):
    from peerchat.index.build import ingest_paths

    summary = ingest_paths([folder], int8_index, _NamedHash("onnx"))
    assert summary.embedded > 0 and len(summary.ingested) == 2, "every passage embedded again"
    assert any("built with all-MiniLM-L6-v2+int8" in w for w in summary.warnings)


def test_the_cache_embeds_each_distinct_text_once(tmp_path):
    """Repeats within one call (a register's recommendations recur across reports) are
    embedded once and each gets the same vector as the first."""
    from peerchat.index.embedding.cache import EmbeddingCache
    from peerchat.index.embedding.embedders import HashEmbedder

    seen: list[str] = []

    class Counting(HashEmbedder):
        def embed(self, texts):
            seen.extend(texts)
            return super().embed(texts)

    cache = EmbeddingCache(tmp_path / "cache.sqlite", Counting())
    texts = ["narrow the priorities", "a savings plan", "narrow the priorities", "x", "x"]
    vectors, computed = cache.embed(texts)
    assert computed == 3 and sorted(seen) == sorted(set(texts))
    assert np.array_equal(vectors[0], vectors[2]) and np.array_equal(vectors[3], vectors[4])
    assert np.array_equal(vectors, HashEmbedder().embed(texts))
    assert cache.embed(texts)[1] == 0, "all cached now"
    cache.close()
