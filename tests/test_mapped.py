"""The index's memory-mapped arrays (index/store/mapped.py): what questions read is let go
of once it passes the budget, and the arrays read the same afterwards."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from peerchat.index.store import mapped
from peerchat.index.store.mapped import MappedFiles

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads /proc/self/statm"
)


@pytest.fixture
def vectors(tmp_path):
    """A 32 MB float16 array file, as a generation's sentence vectors are written."""
    values = (np.arange(40_000 * 384, dtype=np.int32) % 997).astype(np.float16).reshape(-1, 384)
    np.save(tmp_path / "sentences.npy", values)
    return tmp_path / "sentences.npy", values


@linux_only
def test_pages_read_are_let_go_and_read_again_the_same(vectors):
    path, values = vectors
    files = MappedFiles(path.parent)
    array = files.open(path)
    before = mapped._shared_mb()
    total = float(np.asarray(array, dtype=np.float32).sum())  # every page read
    read = mapped._shared_mb() - before
    assert read > 25  # the file's 29 MB of rows are now resident in this process

    assert files.release(above_mb=0)
    assert mapped._shared_mb() - before < read / 4
    assert float(np.asarray(array, dtype=np.float32).sum()) == total
    assert np.array_equal(array[1234], values[1234])


@linux_only
def test_pages_under_the_budget_are_kept(vectors):
    path, _ = vectors
    files = MappedFiles(path.parent)
    array = files.open(path)
    np.asarray(array[:1000], dtype=np.float32).sum()  # under 1 MB read
    assert not files.release(above_mb=64)
    np.asarray(array, dtype=np.float32).sum()  # all of it: 29 MB
    assert not files.release(above_mb=64)
    assert files.release(above_mb=16)


def test_a_mapped_array_is_read_only(vectors):
    path, _ = vectors
    array = MappedFiles(path.parent).open(path)
    with pytest.raises(ValueError):
        array[0, 0] = 1
