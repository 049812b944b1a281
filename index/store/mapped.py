"""Arrays memory-mapped from `.npy` files, checked so that a damaged file is an error that
names it rather than a crash.

A memory map of a file shorter than its header promises kills the process with SIGBUS the
moment the missing part is read, with no log line. So a file's length is checked against
its header before it is mapped, and `MappedFiles.check` (called before each answer) sees
a file cut short after it was mapped, while the process can still say so.
"""

from __future__ import annotations

import math
import mmap
import os
import re
from pathlib import Path
from typing import BinaryIO

import numpy as np

from peerchat.core.errors import IndexDamaged


def expected_size(path: Path) -> tuple[int, tuple[int, ...], np.dtype]:
    """(bytes the file must have, shape, dtype) as its `.npy` header says; ValueError for a
    file that is not an array file."""
    with open(path, "rb") as fh:
        return _header(fh)


HEADER = re.compile(
    r"\{\s*'descr':\s*'(?P<descr>[^']+)',\s*'fortran_order':\s*False,\s*"
    r"'shape':\s*\((?P<shape>[\d,\s]*)\),?\s*\}"
)


def _header(fh: BinaryIO) -> tuple[int, tuple[int, ...], np.dtype]:
    """Read the `.npy` header at the start of `fh` without `ast` (numpy parses it with
    ast.literal_eval, which CPython 3.11 does not make safe across threads: the server
    loads a generation in the background while requests are answered)."""
    magic = fh.read(8)
    if len(magic) < 8 or magic[:6] != b"\x93NUMPY":
        raise ValueError("not an array file (no .npy header)")
    size_bytes = 2 if magic[6] == 1 else 4
    raw = fh.read(size_bytes)
    if len(raw) < size_bytes:
        raise ValueError("not an array file (its header is cut short)")
    length = int.from_bytes(raw, "little")
    text = fh.read(length)
    if len(text) < length:
        raise ValueError("not an array file (its header is cut short)")
    match = HEADER.search(text.decode("latin-1"))
    if match is None:
        raise ValueError("not an array file (its header cannot be read)")
    try:
        dtype = np.dtype(match["descr"])
    except TypeError as exc:
        raise ValueError(f"not an array file ({exc})") from exc
    shape = tuple(int(n) for n in match["shape"].replace(",", " ").split())
    return 8 + size_bytes + length + math.prod(shape) * dtype.itemsize, shape, dtype


class MappedFiles:
    """The `.npy` files one generation maps, each held open to notice it being cut short."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self._files: list[tuple[Path, BinaryIO, int]] = []
        self._maps: list[mmap.mmap] = []
        self._shared_at_release = _shared_mb()

    def open(self, path: Path) -> np.ndarray:
        """`path` memory-mapped read-only, once its length agrees with its header;
        IndexDamaged (naming the file) otherwise."""
        fh, expected, shape, dtype = self._checked(path)
        try:
            offset = expected - math.prod(shape) * dtype.itemsize
            if math.prod(shape) == 0:
                array = np.zeros(shape, dtype=dtype)
            else:
                region = mmap.mmap(fh.fileno(), expected, access=mmap.ACCESS_READ)
                array = np.frombuffer(
                    region, dtype=dtype, count=math.prod(shape), offset=offset
                ).reshape(shape)
                self._maps.append(region)
        except (ValueError, OSError) as exc:
            fh.close()
            raise IndexDamaged(self.index_dir, path, str(exc)) from exc
        self._files.append((path, fh, expected))
        return array

    def watch(self, path: Path) -> None:
        """Check `path` as `open` does and watch it, for a file another library maps."""
        fh, expected, _, _ = self._checked(path)
        self._files.append((path, fh, expected))

    def _checked(self, path: Path) -> tuple[BinaryIO, int, tuple[int, ...], np.dtype]:
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
            expected, shape, dtype = _header(fh)
            if size != expected:
                raise ValueError(f"it has {size:,} bytes where its header needs {expected:,}")
        except (ValueError, OSError) as exc:
            fh.close()
            raise IndexDamaged(self.index_dir, path, str(exc)) from exc
        return fh, expected, shape, dtype

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

    def release(self, above_mb: float = 0) -> bool:
        """Let go of the pages of the mapped files that questions have read, once the
        process's file-backed resident memory has grown by more than `above_mb` since the
        last time (always where the system cannot say). The arrays stay usable: a page
        read again is mapped again from the page cache. Safe while other threads read
        them. True when the pages were let go."""
        if not self._maps or not hasattr(mmap, "MADV_DONTNEED"):
            return False  # nothing mapped, or not offered by this system
        shared = _shared_mb()
        base = self._shared_at_release
        if shared is not None and base is not None and shared - base <= above_mb:
            # A low-water mark: memory freed elsewhere (an old generation closed) does
            # not count as room for these maps.
            self._shared_at_release = min(base, shared)
            return False
        for region in self._maps:
            region.madvise(mmap.MADV_DONTNEED)
        self._shared_at_release = _shared_mb()
        return True

    def close(self) -> None:
        for _, fh, _ in self._files:
            fh.close()
        self._files.clear()


def _shared_mb() -> float | None:
    """The process's resident file-backed and shared memory in MB (Linux's
    /proc/self/statm); None where the system does not say."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            shared_pages = int(fh.read().split()[2])
    except (OSError, ValueError, IndexError):
        return None
    return shared_pages * os.sysconf("SC_PAGE_SIZE") / 2**20
