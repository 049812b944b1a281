"""Arrays memory-mapped from `.npy` files, checked so that a damaged file is an error that
names it rather than a crash.

A memory map of a file shorter than its header promises kills the process with SIGBUS the
moment the missing part is read, with no log line. So a file's length is checked against
its header before it is mapped, and `MappedFiles.check` (called before each answer) sees
a file cut short after it was mapped, while the process can still say so.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import BinaryIO

import numpy as np

from peerchat.core.errors import IndexDamaged


def expected_size(path: Path) -> tuple[int, tuple[int, ...], np.dtype]:
    """(bytes the file must have, shape, dtype) as its `.npy` header says; ValueError for a
    file that is not an array file."""
    with open(path, "rb") as fh:
        return _header(fh)


def _header(fh: BinaryIO) -> tuple[int, tuple[int, ...], np.dtype]:
    try:
        version = np.lib.format.read_magic(fh)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
        else:
            shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
    except (ValueError, EOFError, SyntaxError) as exc:
        raise ValueError(f"not an array file ({exc})") from exc
    if dtype.hasobject:
        raise ValueError("not an array of numbers")
    return fh.tell() + math.prod(shape) * dtype.itemsize, tuple(shape), dtype


class MappedFiles:
    """The `.npy` files one generation maps, each held open to notice it being cut short."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self._files: list[tuple[Path, BinaryIO, int]] = []

    def open(self, path: Path) -> np.ndarray:
        """`path` memory-mapped read-only, once its length agrees with its header;
        IndexDamaged (naming the file) otherwise."""
        try:
            fh = open(path, "rb")  # noqa: SIM115 - held open while the map is in use
        except FileNotFoundError as exc:
            raise IndexDamaged(self.index_dir, path, "it is missing") from exc
        except OSError as exc:
            raise IndexDamaged(self.index_dir, path, f"it cannot be read ({exc.strerror})") from exc
        try:
            size = os.fstat(fh.fileno()).st_size
            if size == 0:
                raise ValueError("it is empty")
            expected, _, _ = _header(fh)
            if size != expected:
                raise ValueError(f"it has {size:,} bytes where its header needs {expected:,}")
            array = np.load(path, mmap_mode="r")
        except (ValueError, OSError) as exc:
            fh.close()
            raise IndexDamaged(self.index_dir, path, str(exc)) from exc
        self._files.append((path, fh, expected))
        return array

    def check(self) -> None:
        """IndexDamaged when a mapped file is no longer the length it had when mapped."""
        for path, fh, expected in self._files:
            try:
                size = os.fstat(fh.fileno()).st_size
            except (OSError, ValueError):
                continue  # closed: not in use any more
            if size != expected:
                raise IndexDamaged(
                    self.index_dir,
                    path,
                    f"it changed to {size:,} bytes from {expected:,} while in use",
                )

    def close(self) -> None:
        for _, fh, _ in self._files:
            fh.close()
        self._files.clear()
