"""The dense index: normalised passage embeddings in a FAISS inner-product index."""

from __future__ import annotations

from pathlib import Path

import numpy as np


class DenseIndex:
    def __init__(self, faiss_index) -> None:
        self._index = faiss_index

    @classmethod
    def build(cls, vectors: np.ndarray, dim: int) -> DenseIndex:
        import faiss

        index = faiss.IndexFlatIP(dim)
        if len(vectors):
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index)

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path) -> DenseIndex:
        import faiss

        return cls(faiss.read_index(str(path)))

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    def scores(self, query_vector: np.ndarray) -> np.ndarray:
        """The cosine similarity of the query to every passage, in row order."""
        n = self.size
        if n == 0:
            return np.zeros(0, dtype=np.float32)
        q = np.ascontiguousarray(query_vector.reshape(1, -1), dtype=np.float32)
        sims, rows = self._index.search(q, n)
        out = np.full(n, -1.0, dtype=np.float32)
        valid = rows[0] >= 0
        out[rows[0][valid]] = sims[0][valid]
        return out
