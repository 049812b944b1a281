"""Freed memory goes back to the operating system (peerchat/core/memory.py)."""

import os
import sys

import pytest

from peerchat.core.memory import _trim, give_back_freed_memory


def _resident_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.skipif(_trim() is None, reason="no malloc_trim in this C library")
def test_freed_blocks_below_the_last_one_are_given_back():
    # 200 MB in 64 KB blocks (from the heap, not separate maps); the last one kept holds
    # the heap's top, so the C library does not shrink the heap by itself.
    blocks = [bytes(64 * 1024) for _ in range(3200)]
    last = blocks[-1]
    del blocks
    before = _resident_mb()
    give_back_freed_memory()
    after = _resident_mb()
    assert before - after > 100, (before, after)
    assert len(last) == 64 * 1024


def test_giving_back_is_harmless_where_there_is_nothing_to_give():
    give_back_freed_memory()
    give_back_freed_memory()
    assert sys.platform != "linux" or _trim() is not None
