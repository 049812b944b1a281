"""Giving freed memory back to the operating system.

The C library keeps memory a process has freed for its next allocations. After a model
call has allocated and freed large blocks, much of it stays with the process, fragmented,
and counts in its resident memory: measured on a first ingest of 1,000 generated reports,
1,886 MB at the peak without giving it back after each block of embeddings and 1,536 MB
with it (2026-12-04).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import lru_cache


@lru_cache(maxsize=1)
def _trim():
    """glibc's `malloc_trim`, or None where there is none (macOS, musl, Windows)."""
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c") or "libc.so.6"
    try:
        return ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None


def give_back_freed_memory() -> None:
    """Return the memory this process has freed to the operating system, where the C
    library can (a few milliseconds); nothing elsewhere."""
    trim = _trim()
    if trim is not None:
        trim(0)
