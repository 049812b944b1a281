"""The dense index: normalised passage embeddings, memory-mapped from `dense.npy`.

Search is exact (a matrix product over the memory-mapped rows) while the library is small
enough for that to be fast. From `ann_min_passages` passages up (set from the benchmark,
see benchmarks/RESULTS.md) an HNSW graph (`dense.hnsw`) also answers unfiltered top-k
searches approximately; filtered searches stay exact over the rows the filter allows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

VECTORS = "dense.npy"
GRAPH = "dense.hnsw"
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
BLOCK = 65_536  # rows per block of an exact search: bounds the temporary scores


def pool_sentences(sentences: np.ndarray, owner: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Fill `out` (passages x dim) with the normalised mean of each passage's sentence
    vectors (`owner[i]` is the passage of sentence i, in passage order); return the rows
    of passages that have no sentence (left zero)."""
    counts = np.bincount(np.asarray(owner, dtype=np.int64), minlength=len(out))
    bounds = np.concatenate(([0], np.cumsum(counts)))
    for start in range(0, len(out), BLOCK // 8):
        rows = slice(start, min(len(out), start + BLOCK // 8))
        lo, hi = bounds[rows.start], bounds[rows.stop]
        block = np.asarray(sentences[lo:hi], dtype=np.float32)
        sums = np.zeros((rows.stop - rows.start, out.shape[1]), dtype=np.float32)
        owners = np.repeat(np.arange(rows.stop - rows.start), counts[rows])
        np.add.at(sums, owners, block)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        out[rows] = sums / np.maximum(norms, 1e-9)
    return np.flatnonzero(counts == 0)


class DenseIndex:
    def __init__(self, vectors: np.ndarray, graph=None, ef_search: int = 128) -> None:
        self.vectors = vectors  # (n, dim) float32, usually a read-only memory map
        self._graph = graph
        self._ef_search = ef_search

    @classmethod
    def build(cls, folder: Path, ann_min_passages: int) -> None:
        """Add the HNSW graph beside `folder/dense.npy` when the library is large enough."""
        vectors = np.load(folder / VECTORS, mmap_mode="r")
        if len(vectors) < ann_min_passages or len(vectors) == 0:
            return
        import faiss

        graph = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
        graph.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        for start in range(0, len(vectors), BLOCK):
            graph.add(np.ascontiguousarray(vectors[start : start + BLOCK], dtype=np.float32))
        faiss.write_index(graph, str(folder / GRAPH))

    @classmethod
    def load(cls, folder: Path) -> DenseIndex:
        vectors = np.load(folder / VECTORS, mmap_mode="r")
        graph = None
        if (folder / GRAPH).is_file():
            import faiss

            graph = faiss.read_index(str(folder / GRAPH), faiss.IO_FLAG_MMAP)
        return cls(vectors, graph)

    @property
    def size(self) -> int:
        return int(len(self.vectors))

    @property
    def approximate(self) -> bool:
        return self._graph is not None

    def scores(self, query_vector: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """The exact cosine of the query to every passage (or to `rows` only; the others
        get -1), in row order."""
        q = np.asarray(query_vector, dtype=np.float32).reshape(-1)
        out = np.full(self.size, -1.0, dtype=np.float32)
        if rows is not None:
            rows = np.asarray(rows, dtype=np.int64)
            for start in range(0, len(rows), BLOCK):
                part = rows[start : start + BLOCK]
                out[part] = np.asarray(self.vectors[part], dtype=np.float32) @ q
            return out
        for start in range(0, self.size, BLOCK):
            block = np.asarray(self.vectors[start : start + BLOCK], dtype=np.float32)
            out[start : start + len(block)] = block @ q
        return out

    def top(self, query_vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(rows, cosines) of the `k` nearest passages, best first: from the HNSW graph when
        there is one, else exact."""
        k = min(k, self.size)
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        q = np.ascontiguousarray(np.asarray(query_vector, dtype=np.float32).reshape(1, -1))
        if self._graph is None:
            scores = self.scores(q)
            rows = np.argpartition(-scores, k - 1)[:k]
            rows = rows[np.argsort(-scores[rows], kind="stable")]
            return rows.astype(np.int64), scores[rows]
        import faiss

        params = faiss.SearchParametersHNSW(efSearch=max(self._ef_search, k))
        sims, rows = self._graph.search(q, k, params=params)
        valid = rows[0] >= 0
        return rows[0][valid].astype(np.int64), sims[0][valid].astype(np.float32)
