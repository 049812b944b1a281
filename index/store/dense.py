"""The dense index: normalised passage embeddings, memory-mapped from `dense.npy`.

Search is exact (a matrix product over the memory-mapped rows) while the library is small
enough for that to be cheap. From `ann_min_passages` passages up (set from the benchmark,
see benchmarks/RESULTS.md) an inverted-file index (`dense.ivf`, FAISS IVF-Flat) also
answers unfiltered top-k searches approximately; filtered searches stay exact over the
rows the filter allows. IVF, not HNSW, by measurement: on these reports, which repeat
each other's paragraphs, HNSW's recall fell to 0.5-0.9 while IVF's stayed at 0.99-1.0.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from peerchat.index.store.mapped import MappedFiles
from peerchat.index.store.rowfile import RowFile

VECTORS = "dense.npy"
APPROXIMATE = "dense.ivf"
TRAINED = "dense_ivf.json"  # how many passages the IVF centroids were learnt from
# The IVF index of a library grown to this many times the passages its centroids were
# learnt from is trained afresh; below, new passages are added to the old centroids.
RETRAIN_GROWTH = 2.0
NPROBE = 32  # inverted lists searched per query
TRAINING_ROWS = 100_000  # vectors the IVF centroids are learnt from, at most
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
    def __init__(self, vectors: np.ndarray, approximate=None) -> None:
        self.vectors = vectors  # (n, dim) float32, usually a read-only memory map
        self._approximate = approximate

    @classmethod
    def build(
        cls,
        folder: Path,
        ann_min_passages: int,
        previous: Path | None = None,
        new_row_of: np.ndarray | None = None,
    ) -> None:
        """Add the IVF index beside `folder/dense.npy` when the library is large enough.

        With `previous` (the generation this one was written from) and `new_row_of` (each
        of its passage rows' row here, -1 for a removed passage; the kept ones first, in
        order, then the new), the previous IVF index is reused: removed rows taken out,
        new rows added to the centroids it learnt. It is trained afresh once the library
        has grown to RETRAIN_GROWTH times the passages it was trained on.
        """
        # Read a block at a time through the file, not a memory map: every page of a map
        # would count in the ingest's memory (index/store/rowfile.py).
        with RowFile(folder / VECTORS) as vectors:
            _build(folder, vectors, ann_min_passages, previous, new_row_of)

    @classmethod
    def load(cls, folder: Path, mapped: MappedFiles | None = None) -> DenseIndex:
        """The vectors of `folder`, memory-mapped once their file is checked (`mapped`
        holds it; IndexDamaged names a damaged one)."""
        mapped = mapped or MappedFiles(folder.parent)
        vectors = mapped.open(folder / VECTORS)
        approximate = None
        if (folder / APPROXIMATE).is_file():
            import faiss

            # Memory-mapped, not read in: its inverted lists hold a copy of every passage
            # vector (200 MB at 130,000 passages), and a question reads NPROBE of them.
            # A generation's files never change once written (generations.py).
            approximate = faiss.read_index(str(folder / APPROXIMATE), faiss.IO_FLAG_MMAP_IFC)
            approximate.nprobe = NPROBE
        return cls(vectors, approximate)

    @property
    def size(self) -> int:
        return int(len(self.vectors))

    @property
    def approximate(self) -> bool:
        return self._approximate is not None

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
        """(rows, cosines) of the `k` nearest passages, best first: from the IVF index when
        there is one, else exact."""
        k = min(k, self.size)
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        q = np.ascontiguousarray(np.asarray(query_vector, dtype=np.float32).reshape(1, -1))
        if self._approximate is None:
            scores = self.scores(q)
            rows = np.argpartition(-scores, k - 1)[:k]
            rows = rows[np.argsort(-scores[rows], kind="stable")]
            return rows.astype(np.int64), scores[rows]
        sims, rows = self._approximate.search(q, k)
        valid = rows[0] >= 0
        return rows[0][valid].astype(np.int64), sims[0][valid].astype(np.float32)


def _build(
    folder: Path,
    vectors: RowFile,
    ann_min_passages: int,
    previous: Path | None,
    new_row_of: np.ndarray | None,
) -> None:
    n = len(vectors)
    if n < ann_min_passages or n == 0:
        return
    import faiss

    if previous is not None and new_row_of is not None:
        index = _reused(previous, new_row_of, n)
        if index is not None:
            trained_on = json.loads((previous / TRAINED).read_text())["passages"]
            kept = int(index.ntotal)
            for start in range(kept, n, BLOCK):
                stop = min(n, start + BLOCK)
                index.add(np.ascontiguousarray(vectors.read(start, stop), dtype=np.float32))
            faiss.write_index(index, str(folder / APPROXIMATE))
            (folder / TRAINED).write_text(json.dumps({"passages": trained_on}))
            return
    dim = vectors.shape[1]
    lists = max(1, int(4 * np.sqrt(n)))
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, lists, faiss.METRIC_INNER_PRODUCT)
    sample = np.sort(np.random.default_rng(0).choice(n, min(n, TRAINING_ROWS), replace=False))
    chosen = []
    for start in range(0, n, BLOCK):
        inside = sample[(sample >= start) & (sample < start + BLOCK)]
        if len(inside):
            chosen.append(vectors.read(start, min(n, start + BLOCK))[inside - start])
    index.train(np.ascontiguousarray(np.concatenate(chosen), dtype=np.float32))
    del chosen
    for start in range(0, n, BLOCK):
        index.add(
            np.ascontiguousarray(vectors.read(start, min(n, start + BLOCK)), dtype=np.float32)
        )
    faiss.write_index(index, str(folder / APPROXIMATE))
    (folder / TRAINED).write_text(json.dumps({"passages": n}))


def _reused(previous: Path, new_row_of: np.ndarray, n: int):
    """The previous generation's IVF index with its removed rows taken out and the others
    renumbered to `new_row_of`; None when there is none to reuse or it should be trained
    afresh (the library has grown RETRAIN_GROWTH times since it was)."""
    import faiss

    if not (previous / APPROXIMATE).is_file() or not (previous / TRAINED).is_file():
        return None
    trained_on = json.loads((previous / TRAINED).read_text())["passages"]
    if n > RETRAIN_GROWTH * trained_on:
        return None
    index = faiss.read_index(str(previous / APPROXIMATE))
    new_row_of = np.asarray(new_row_of, dtype=np.int64)
    removed = np.flatnonzero(new_row_of < 0)
    if len(removed):
        index.remove_ids(faiss.IDSelectorBatch(removed.astype(np.int64)))
    # Renumber in place: each inverted list's ids are a view of the index's own memory.
    invlists = faiss.extract_index_ivf(index).invlists
    for lst in range(invlists.nlist):
        size = invlists.list_size(lst)
        if size:
            ids = faiss.rev_swig_ptr(invlists.get_ids(lst), size)
            ids[:] = new_row_of[ids]
    return index
