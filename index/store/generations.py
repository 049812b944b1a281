"""The index directory: generations built beside each other, switched in one rename.

    data/index/
      CURRENT                 the name of the live generation (replaced atomically)
      gen-20261126T191800-1a2b/
        manifest.json         format version, embedder, dimensions, chunk settings
        store.sqlite          reports, passages and the recommendation register
        dense.npy             passage embeddings (memory-mapped by readers)
        dense.ivf             an IVF index over them, in large libraries only
        dense_ivf.json        how many passages its centroids were learnt from
        sentence_*.npy, sentences.npy, terms.json
                              the passages' sentences (see index/store/sentences.py)
        lexical/              bm25s index
        lexical_*.npy         each passage's BM25 term counts (see index/store/lexical.py)
      embed-cache.sqlite      embeddings by text, shared by generations
      parse-cache.sqlite      parsed files by content hash: an interrupted ingest resumes
      file-digests.sqlite     each report file's sha256 by its size, times and inode
      .lock                   held while a generation is being built

A crash while a generation is built leaves CURRENT naming the previous one; the next
ingest, once it holds the lock, deletes what the crashed one left half-built. A new
generation is written from the live one when reports are only added or removed
(index/build/generation.py): it never changes the live one's files, it copies from them.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from peerchat.core.errors import (
    IndexDamaged,
    IndexIncompatible,
    IndexMissing,
    IngestRunning,
    PeerchatError,
)
from peerchat.core.logs import event, seconds_since

log = logging.getLogger("peerchat.ingest")

# 4: register columns for shared actions, borrowed dates, repeats, signpost matches;
# 5: a sentence giving a purpose ("to allow him to focus on ...") is flagged as a cause,
#    and a financial year is one term however written ("2025/26", "25/26": "fy2526").
FORMAT_VERSION = 5
CURRENT = "CURRENT"
PREVIOUS = "PREVIOUS"  # the generation CURRENT named before the last publish
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Manifest:
    format_version: int
    embedder: str
    dim: int
    chunk_tokens: int
    parser_version: str
    created: str
    reports: int
    passages: int
    pages: int


# What CURRENT may name: a generation folder beside it, nothing else.
GENERATION_NAME = re.compile(r"gen-[A-Za-z0-9-]{1,64}")


def current_generation(index_dir: Path) -> Path:
    """The live generation's folder; IndexMissing when there is none, IndexDamaged (naming
    CURRENT) when CURRENT cannot be read or names no generation."""
    pointer = index_dir / CURRENT
    try:
        raw = pointer.read_bytes()
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise IndexMissing(index_dir) from exc
    except IsADirectoryError as exc:
        raise IndexDamaged(index_dir, pointer, "it is a folder, not a file") from exc
    except OSError as exc:
        raise IndexDamaged(index_dir, pointer, f"it cannot be read ({exc.strerror})") from exc
    try:
        name = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        name = None
    if name is None or not GENERATION_NAME.fullmatch(name):
        shown = repr(raw[:40]) + ("…" if len(raw) > 40 else "")
        raise IndexDamaged(index_dir, pointer, f"it should name a generation, it holds {shown}")
    folder = index_dir / name
    if not folder.is_dir():
        raise IndexIncompatible(index_dir, f"CURRENT names a missing generation {name!r}")
    return folder


def read_manifest(generation: Path) -> Manifest:
    """The generation's manifest, refused when it is from another format version."""
    index_dir = generation.parent
    try:
        data = json.loads((generation / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexDamaged(index_dir, generation / MANIFEST, "it is missing or damaged") from exc
    if not isinstance(data, dict):
        raise IndexDamaged(index_dir, generation / MANIFEST, "it is not a JSON object")
    version = data.get("format_version")
    if version != FORMAT_VERSION:
        raise IndexIncompatible(
            index_dir, f"it is format {version}, this peerchat reads format {FORMAT_VERSION}"
        )
    try:
        return Manifest(**data)
    except TypeError as exc:
        raise IndexDamaged(index_dir, generation / MANIFEST, "its fields are wrong") from exc


def new_generation(index_dir: Path) -> Path:
    """A fresh, empty folder for a generation being built (not live until `publish`)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    folder = index_dir / f"gen-{stamp}-{uuid.uuid4().hex[:6]}"
    folder.mkdir()
    event(log, "generation_started", logging.DEBUG, generation=folder.name)
    return folder


def write_manifest(generation: Path, manifest: Manifest) -> None:
    (generation / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2), encoding="utf-8")


def publish(generation: Path) -> None:
    """Make `generation` live: flush its files, then replace CURRENT in one rename."""
    started = time.monotonic()
    for path in generation.rglob("*"):
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
    _fsync_dir(generation)
    event(log, "files_synced", logging.DEBUG, generation=generation.name)
    index_dir = generation.parent
    # Remember the generation being replaced: prune keeps it for readers that opened it.
    previous = ""
    with contextlib.suppress(PeerchatError):
        previous = current_generation(index_dir).name
        (index_dir / PREVIOUS).write_text(previous + "\n")
        event(log, "previous_recorded", logging.DEBUG, generation=previous)
    tmp = index_dir / f".{CURRENT}.{uuid.uuid4().hex[:6]}"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(generation.name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    event(log, "current_staged", logging.DEBUG, generation=generation.name)
    os.replace(tmp, index_dir / CURRENT)
    _fsync_dir(index_dir)
    event(
        log,
        "generation_published",
        generation=generation.name,
        previous=previous,
        seconds=seconds_since(started),
    )


def prune(index_dir: Path, keep: int = 2) -> None:
    """Delete old generations and abandoned half-built ones (call under the build lock).

    The live generation and, with `keep` >= 2, the one it replaced stay: a reader that
    opened the previous generation may still be using it.
    """
    try:
        live = current_generation(index_dir)
    except PeerchatError:
        return
    others = [g for g in index_dir.glob("gen-*") if g.is_dir() and g != live]
    previous = index_dir / PREVIOUS
    keep_set = {live}
    if keep > 1 and previous.is_file():
        keep_set.add(index_dir / previous.read_text(encoding="utf-8").strip())
    for folder in others:
        if folder not in keep_set:
            shutil.rmtree(folder, ignore_errors=True)
            event(log, "generation_removed", generation=folder.name)
    for tmp in index_dir.glob(f".{CURRENT}.*"):
        tmp.unlink(missing_ok=True)
        event(log, "staged_pointer_removed", logging.DEBUG, file=tmp.name)


@contextlib.contextmanager
def build_lock(
    index_dir: Path, wait: bool = True, on_wait: Callable[[], None] | None = None
) -> Iterator[None]:
    """Hold the index's build lock: one ingest at a time, across processes and threads.

    When another ingest holds it: with `wait`, call `on_wait` (to say so) and block until
    it is free; without, raise IngestRunning. Once held, whatever a killed ingest left
    half-built is deleted (see `prune`).

    An flock, not a POSIX record lock (lockf): a record lock belongs to the process, so
    two of the app's sessions (threads of one process) would both get it. An flock is
    inherited by the processes an ingest forks (PDF readers, parse workers), so those die
    with it (ingest/pdf.py, die_with_parent) and the kernel then releases the lock.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with open(index_dir / ".lock", "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            if not wait:
                raise IngestRunning(index_dir) from exc
            event(log, "ingest_waiting", index_dir=str(index_dir))
            if on_wait is not None:
                on_wait()
            fcntl.flock(fh, fcntl.LOCK_EX)
        event(log, "lock_acquired", logging.DEBUG, waited=seconds_since(started))
        try:
            prune(index_dir)
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
