"""The generation writer's row files (index/store/rowfile.py): files `np.load` reads as
the arrays written, rows copied file to file as fancy indexing would copy them, with or
without the kernel's copy_file_range."""

from __future__ import annotations

import os

import numpy as np
import pytest

from peerchat.index.store import rowfile


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.int32])
def test_a_created_file_is_what_np_save_writes(tmp_path, dtype):
    values = (np.arange(7 * 5).reshape(7, 5) % 11).astype(dtype)
    rowfile.create(tmp_path / "ours.npy", dtype, values.shape)
    with rowfile.RowFile(tmp_path / "ours.npy", writable=True) as f:
        f.rows(0)[0:3] = values[:3]
        f.rows(3)[0:4] = values[3:]
        assert np.array_equal(f.rows(2)[1:4], values[3:6])
    np.save(tmp_path / "theirs.npy", values)
    assert (tmp_path / "ours.npy").read_bytes() == (tmp_path / "theirs.npy").read_bytes()


def test_a_new_file_is_zeros_until_written(tmp_path):
    rowfile.create(tmp_path / "a.npy", np.float32, (4, 3))
    assert np.array_equal(np.load(tmp_path / "a.npy"), np.zeros((4, 3), np.float32))
    rowfile.create(tmp_path / "empty.npy", np.float32, (0, 3))
    assert np.load(tmp_path / "empty.npy").shape == (0, 3)


@pytest.mark.parametrize("kernel_copy", [True, False])
@pytest.mark.parametrize(
    "rows",
    [
        [0, 1, 2, 3, 4, 5],  # a prefix: one run
        [0, 1, 2, 6, 7, 8, 9],  # a gap (a report removed)
        [3],
        [0, 2, 4, 6, 8],  # no run longer than a row
        [],
    ],
)
def test_rows_are_copied_as_fancy_indexing_copies_them(tmp_path, monkeypatch, rows, kernel_copy):
    if not kernel_copy:

        def unsupported(*args, **kwargs):
            raise OSError(18, "Invalid cross-device link")

        monkeypatch.setattr(os, "copy_file_range", unsupported)
    source = np.random.default_rng(3).normal(size=(10, 6)).astype(np.float16)
    np.save(tmp_path / "old.npy", source)
    rows = np.asarray(rows, dtype=np.int64)
    rowfile.create(tmp_path / "new.npy", np.float16, (len(rows) + 2, 6))
    with (
        rowfile.RowFile(tmp_path / "old.npy") as old,
        rowfile.RowFile(tmp_path / "new.npy", writable=True) as new,
    ):
        new.copy_rows(old, rows)
        new.rows(len(rows))[0:2] = np.ones((2, 6))
    out = np.load(tmp_path / "new.npy")
    assert np.array_equal(out[: len(rows)], source[rows])
    assert np.array_equal(out[len(rows) :], np.ones((2, 6), np.float16))


def test_rows_written_by_index_and_read_back(tmp_path):
    rowfile.create(tmp_path / "a.npy", np.float32, (5, 2))
    with rowfile.RowFile(tmp_path / "a.npy", writable=True) as f:
        f.rows(1)[np.asarray([0, 3])] = np.asarray([[1, 2], [3, 4]])
        assert len(f.rows(1)) == 4
        with pytest.raises(ValueError):
            f.rows(0)[::2]
    expected = np.zeros((5, 2), np.float32)
    expected[[1, 4]] = [[1, 2], [3, 4]]
    assert np.array_equal(np.load(tmp_path / "a.npy"), expected)
