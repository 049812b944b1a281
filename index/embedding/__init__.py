"""Sentence embedders (the real MiniLM model run by torch, ONNX or ONNX int8 — exported
once into a cache folder, onnx_export.py — and a deterministic hash fake), the embedding
cache an ingest embeds through, and the calibration of the cosine floors and bonuses to
the model they were measured on.

May import: `peerchat.core` only (the lowest room of `peerchat.index`).
"""

from peerchat.index.embedding.cache import CachedEmbedder, EmbeddingCache, embed_into
from peerchat.index.embedding.calibration import MINILM_L6_V2, Calibration
from peerchat.index.embedding.embedders import (
    Embedder,
    HashEmbedder,
    MiniLMEmbedder,
    embedder_for,
    embedder_name,
    length_batches,
    make_embedder,
    minilm_name,
    mismatch,
)

__all__ = [
    "MINILM_L6_V2",
    "CachedEmbedder",
    "Calibration",
    "Embedder",
    "EmbeddingCache",
    "HashEmbedder",
    "MiniLMEmbedder",
    "embed_into",
    "embedder_for",
    "embedder_name",
    "length_batches",
    "make_embedder",
    "minilm_name",
    "mismatch",
]
