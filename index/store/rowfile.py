"""The rows of a `.npy` array file, read and written in place (pread, pwrite, and the
kernel's copy_file_range), for writing a generation.

Readers memory-map a generation's arrays; its writer does not. Every page of a memory map
the writer touched would count in the ingest's resident memory until the map closed: at
5,000 reports the sentence vectors alone are 700 MB, and the passage vectors 200 MB. Rows
kept from the previous generation are copied file to file without passing through the
process at all.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
from numpy.lib import format as npy_format

from peerchat.index.store.mapped import expected_size


def create(path: Path, dtype: np.dtype | type, shape: tuple[int, ...]) -> None:
    """A new `.npy` file at `path` of `shape` zeros (sparse: nothing is written but its
    header), with the header `np.save` writes."""
    dtype = np.dtype(dtype)
    header = {"descr": npy_format.dtype_to_descr(dtype), "fortran_order": False, "shape": shape}
    with open(path, "wb") as fh:
        npy_format.write_array_header_1_0(fh, header)
        fh.truncate(fh.tell() + math.prod(shape) * dtype.itemsize)


class RowFile:
    """An existing `.npy` file (C order), its rows read and written by position."""

    def __init__(self, path: Path, writable: bool = False) -> None:
        self.path = path
        size, self.shape, self.dtype = expected_size(path)
        self.row_bytes = math.prod(self.shape[1:]) * self.dtype.itemsize
        self.offset = size - math.prod(self.shape) * self.dtype.itemsize
        self._fd = os.open(path, os.O_RDWR if writable else os.O_RDONLY)

    def __enter__(self) -> RowFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __len__(self) -> int:
        return int(self.shape[0])

    def rows(self, first: int = 0) -> Rows:
        """Rows `first` on, as an array-like (`rows[i:j]`, `rows[i:j] = values`)."""
        return Rows(self, first)

    def read(self, lo: int, hi: int) -> np.ndarray:
        """Rows lo..hi-1."""
        count = max(0, hi - lo)
        data = bytearray(count * self.row_bytes)
        view, done, at = memoryview(data), 0, self.offset + lo * self.row_bytes
        while done < len(data):
            got = os.preadv(self._fd, [view[done:]], at + done)
            if got <= 0:
                raise OSError(f"{self.path} ends before row {hi}")
            done += got
        return np.frombuffer(data, dtype=self.dtype).reshape((count, *self.shape[1:]))

    def write(self, lo: int, values: np.ndarray) -> None:
        """Rows lo.. set to `values`."""
        data = np.ascontiguousarray(values, dtype=self.dtype).tobytes()
        view, done, at = memoryview(data), 0, self.offset + lo * self.row_bytes
        while done < len(data):
            done += os.pwrite(self._fd, view[done:], at + done)

    def copy_rows(self, source: RowFile, rows: np.ndarray, first: int = 0) -> None:
        """self[first + i] = source[rows[i]] for every i, run by run of consecutive rows,
        file to file (copy_file_range: the data need not pass through this process)."""
        rows = np.asarray(rows, dtype=np.int64).reshape(-1)
        if not len(rows):
            return
        breaks = np.flatnonzero(np.diff(rows) != 1) + 1
        starts = np.concatenate(([0], breaks))
        ends = np.concatenate((breaks, [len(rows)]))
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            self._copy_run(source, int(rows[start]), end - start, first + start)

    def _copy_run(self, source: RowFile, row: int, count: int, to: int) -> None:
        total = count * self.row_bytes
        src, dst = source.offset + row * source.row_bytes, self.offset + to * self.row_bytes
        done = 0
        try:
            while done < total:
                got = os.copy_file_range(source._fd, self._fd, total - done, src + done, dst + done)
                if got <= 0:
                    break
                done += got
        except OSError:
            pass  # not supported between these files: copy through memory below
        block = max(1, (1 << 24) // max(1, self.row_bytes))
        first = done // self.row_bytes  # whole rows copied (copy_file_range copies bytes)
        for lo in range(first, count, block):
            hi = min(count, lo + block)
            self.write(to + lo, source.read(row + lo, row + hi))


class Rows:
    """Rows `first` on of a RowFile, as much of an array as the generation writer needs:
    `len`, `shape`, slices read, and slices or row arrays written."""

    def __init__(self, file: RowFile, first: int) -> None:
        self.file = file
        self.first = first
        self.shape = (len(file) - first, *file.shape[1:])

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key: slice) -> np.ndarray:
        lo, hi, step = key.indices(len(self))
        if step != 1:
            raise ValueError("rows are read in runs")
        return self.file.read(self.first + lo, self.first + hi)

    def __setitem__(self, key: slice | np.ndarray, values: np.ndarray) -> None:
        if isinstance(key, slice):
            lo, hi, step = key.indices(len(self))
            if step != 1:
                raise ValueError("rows are written in runs")
            self.file.write(self.first + lo, np.asarray(values).reshape((hi - lo, *self.shape[1:])))
            return
        values = np.asarray(values)
        for i, row in enumerate(np.asarray(key, dtype=np.int64).reshape(-1).tolist()):
            self.file.write(self.first + row, values[i : i + 1])
