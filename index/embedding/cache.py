"""A persistent cache of passage embeddings keyed by model and passage text.

It lives beside the index generations, so re-ingesting an edited report only embeds the
passages whose text changed. Losing it costs time, never correctness.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

import numpy as np

from peerchat.core.memory import give_back_freed_memory
from peerchat.index.embedding.embedders import Embedder

# Texts per model call. The embedder cuts them into batches by token length, so the more
# it sees at once the less it pads: over the sample's sentences, batches of 32 cut from
# groups of 512 hold 1.12 tokens for each real one, from 2,048 (all of them) 1.04.
BATCH = 2048


class EmbeddingCache:
    def __init__(self, path: Path, embedder: Embedder) -> None:
        self.embedder = embedder
        self._conn = sqlite3.connect(path, timeout=30)
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)"
        )

    def close(self) -> None:
        self._conn.close()

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.embedder.name}\0{text}".encode()).hexdigest()

    def embed(
        self, texts: list[str], progress: Callable[[int, int], None] | None = None
    ) -> tuple[np.ndarray, int]:
        """Vectors for `texts` (rows in order) and how many distinct texts had to be
        computed."""
        keys = [self._key(t) for t in texts]
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 500):
            part = keys[start : start + 500]
            marks = ",".join("?" * len(part))
            for key, blob in self._conn.execute(
                f"SELECT key, vector FROM vectors WHERE key IN ({marks})", part
            ):
                found[key] = np.frombuffer(blob, dtype=np.float32)
        # Each distinct text once: a library repeats texts (a register's recommendations
        # recur across reports), and the cache fills in every repeat below.
        first: dict[str, int] = {}
        for i, k in enumerate(keys):
            if k not in found and k not in first:
                first[k] = i
        missing = list(first.values())
        done = 0
        for start in range(0, len(missing), BATCH):
            batch = missing[start : start + BATCH]
            vectors = self.embedder.embed([texts[i] for i in batch])
            with self._conn:
                self._conn.executemany(
                    "INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                    [(keys[i], v.astype(np.float32).tobytes()) for i, v in zip(batch, vectors)],
                )
            for i, v in zip(batch, vectors):
                found[keys[i]] = v
            del vectors
            # The model's freed working memory, given back before the next batch.
            give_back_freed_memory()
            done += len(batch)
            if progress:
                progress(done, len(missing))
        out = np.zeros((len(texts), self.embedder.dim), dtype=np.float32)
        for i, key in enumerate(keys):
            out[i] = found[key]
        return out, len(missing)


class CachedEmbedder:
    """An Embedder that looks texts up in an EmbeddingCache before embedding them."""

    def __init__(self, cache: EmbeddingCache) -> None:
        self._cache = cache
        self.name = cache.embedder.name
        self.dim = cache.embedder.dim
        self.calibration = cache.embedder.calibration

    def embed(self, texts: list[str]) -> np.ndarray:
        return self._cache.embed(texts)[0]


def embed_into(
    cache: EmbeddingCache,
    count: int,
    text_of: Callable[[int], str],
    out: np.ndarray,
    progress: Callable[[int, int], None] | None = None,
    block: int = 2048,
) -> int:
    """Write the vectors of texts 0..count-1 (`text_of(i)`) into `out`, a block at a time,
    so that neither all texts nor all vectors are ever held at once. Returns how many
    were embedded afresh. Each block's new vectors are committed to the cache before the
    next block starts: an interrupted ingest loses at most one block of work."""
    embedded = 0
    for start in range(0, count, block):
        texts = [text_of(i) for i in range(start, min(count, start + block))]
        vectors, fresh = cache.embed(texts)
        out[start : start + len(texts)] = vectors
        embedded += fresh
        if progress:
            progress(min(count, start + block), count)
    return embedded
