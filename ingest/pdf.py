"""Read a PDF page by page with pypdf: the extracted text and the positioned text runs.

Extraction runs in a forked worker process with a deadline and a memory ceiling, so a
pathological file (one that makes pypdf loop, or a decompression bomb) cannot hang an
ingest or exhaust the machine's memory. Page and text limits stop a huge file early.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import pickle
import signal
from dataclasses import dataclass
from pathlib import Path

from peerchat.core.errors import UnreadableReport
from peerchat.core.limits import ReadLimits


@dataclass(frozen=True)
class TextRun:
    """One piece of text as drawn on a page: its position (points, origin bottom left) and font."""

    text: str
    x: float
    y: float
    size: float
    bold: bool


@dataclass(frozen=True)
class RawPage:
    """One page as read: pypdf's text and, for PDFs, the text runs with positions."""

    number: int  # 1-based
    text: str
    runs: tuple[TextRun, ...] = ()
    width: float = 0.0
    height: float = 0.0


_BOMB = "a compressed stream inflates past the limit for one stream (decompression bomb?)"


class _Unreadable(Exception):
    """Raised inside the worker with a human reason; turned into UnreadableReport outside."""


def read_pdf(path: Path, limits: ReadLimits | None = None) -> list[RawPage]:
    """The pages of the PDF at `path`, text and runs, read within `limits` (time, memory,
    pages, characters of text; the defaults of ReadLimits when not given).

    Raises UnreadableReport for a file that is not a PDF, is encrypted, damaged, has no text
    layer, or goes over a limit. `limits.timeout=None` reads in this process, unbounded in
    time and memory.
    """
    path = Path(path)
    limits = limits or ReadLimits()
    with open(path, "rb") as fh:
        head = fh.read(1024)
    if not head:
        raise UnreadableReport(path, "empty file")
    if b"%PDF-" not in head:
        raise UnreadableReport(path, "not a PDF (no %PDF header)")
    if limits.timeout is None or "fork" not in multiprocessing.get_all_start_methods():
        try:
            pages = _extract(str(path), limits)
        except _Unreadable as exc:
            raise UnreadableReport(path, str(exc)) from exc
    else:
        pages = _extract_in_worker(path, limits, limits.timeout)
    if not any(page.text.strip() for page in pages):
        raise UnreadableReport(path, "no text layer (scanned image?)")
    return pages


def _extract_in_worker(path: Path, limits: ReadLimits, timeout: float) -> list[RawPage]:
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    worker = ctx.Process(
        target=_worker, args=(str(path), limits, sender, receiver, timeout), daemon=True
    )
    worker.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise UnreadableReport(path, f"reading took longer than {timeout:g} s (damaged PDF?)")
        try:
            status, payload = pickle.loads(receiver.recv_bytes())
        except (EOFError, pickle.UnpicklingError) as exc:
            raise UnreadableReport(path, "the PDF reader crashed on this file") from exc
    finally:
        receiver.close()
        if worker.is_alive():
            worker.kill()
        worker.join()
    if status == "error":
        raise UnreadableReport(path, payload)
    return payload


def _worker(  # pragma: no cover - child process
    path: str, limits: ReadLimits, sender, receiver, timeout: float
) -> None:
    # Never outlive the reader that waits for us: a worker orphaned by a killed ingest
    # would otherwise block for ever on a pipe that it alone still holds open.
    receiver.close()
    die_with_parent()
    signal.alarm(math.ceil(timeout) + 5)
    try:
        _cap_memory(limits.max_memory_mb)
        result = ("ok", _extract(path, limits))
    except _Unreadable as exc:
        result = ("error", str(exc))
    except MemoryError:
        result = ("error", _too_much_memory(limits))
    except BaseException as exc:  # noqa: BLE001 - any failure of the reader is a reason
        result = ("error", f"damaged PDF ({type(exc).__name__})")
    try:
        sender.send_bytes(pickle.dumps(result))
    except MemoryError:
        sender.send_bytes(pickle.dumps(("error", _too_much_memory(limits))))
    finally:
        sender.close()


def die_with_parent() -> None:
    """Ask Linux to kill this (forked) process when its parent dies; elsewhere a no-op."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    # A parent killed between the fork and the prctl sends no signal: exit now instead of
    # living on with the ingest's open files (its build lock among them).
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:
        os._exit(1)


def _cap_memory(megabytes: int) -> None:  # pragma: no cover - runs in the child process
    """Let this process grow by at most `megabytes` of address space (Linux; elsewhere the
    deadline alone bounds a worker). The worker is forked from a process that may hold a
    large model, so the ceiling is set above what it starts with."""
    try:
        import resource

        with open("/proc/self/statm") as fh:
            current = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (ImportError, OSError, ValueError):
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    ceiling = current + megabytes * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        ceiling = min(ceiling, hard)
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, hard))


def _too_much_memory(limits: ReadLimits) -> str:
    return f"reading it needs more than {limits.max_memory_mb} MB of memory (decompression bomb?)"


def _extract(path: str, limits: ReadLimits) -> list[RawPage]:
    """Read the pages with no compressed stream inflating past half the memory budget.
    pypdf checks this as it inflates, so a decompression bomb is stopped the same way
    every time; the worker's address-space ceiling is only a backstop (a forked worker
    can find room in its parent's freed heap without growing)."""
    import pypdf

    cap = limits.max_memory_mb * 1024 * 1024 // 2
    caps = {
        name: min(getattr(pypdf.get_configuration(), name), cap)
        for name in (
            "zlib_maximum_output_length",
            "lzw_maximum_output_length",
            "run_length_maximum_output_length",
            "brotli_maximum_output_length",
            "array_based_stream_maximum_output_length",
            "image_maximum_buffer_size",
        )
    }
    with pypdf.apply_configuration(**caps):
        return _extract_pages(path, limits)


def _extract_pages(path: str, limits: ReadLimits) -> list[RawPage]:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError, PdfReadError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            try:
                decrypted = reader.decrypt("")
            except (DependencyError, NotImplementedError) as exc:
                raise _Unreadable("encrypted PDF (password protected)") from exc
            if not decrypted:
                raise _Unreadable("encrypted PDF (password protected)")
        pages = reader.pages
        n = len(pages)
    except _Unreadable:
        raise
    except LimitReachedError as exc:
        raise _Unreadable(_BOMB) from exc
    except MemoryError:
        raise
    except (PdfReadError, FileNotDecryptedError, ValueError, KeyError, TypeError) as exc:
        raise _Unreadable(f"truncated or damaged PDF ({exc})".replace("\n", " ")[:160]) from exc
    except Exception as exc:  # noqa: BLE001
        raise _Unreadable(f"damaged PDF ({type(exc).__name__})") from exc
    if n == 0:
        raise _Unreadable("PDF has no pages")
    if n > limits.max_pages:
        raise _Unreadable(f"{n} pages, more than the limit of {limits.max_pages}")
    out = []
    chars = 0
    for i, page in enumerate(pages, start=1):
        try:
            out.append(_read_page(i, page))
        except FileNotDecryptedError as exc:
            raise _Unreadable("encrypted PDF (password protected)") from exc
        except LimitReachedError as exc:
            raise _Unreadable(f"{_BOMB} on page {i}") from exc
        except MemoryError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise _Unreadable(
                f"damaged PDF: page {i} cannot be read ({type(exc).__name__})"
            ) from exc
        chars += len(out[-1].text)
        if chars > limits.max_text_chars:
            raise _Unreadable(
                f"more than {limits.max_text_chars:,} characters of text (the limit per "
                f"file), reached on page {i} of {n}"
            )
    return out


def _read_page(number: int, page) -> RawPage:
    runs: list[TextRun] = []

    def visit(text, cm, tm, font_dict, font_size):
        if not text or not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = (cm[3] * tm[3]) or 1.0
        name = str(font_dict.get("/BaseFont", "")) if font_dict else ""
        bold = any(w in name.lower() for w in ("bold", "black", "heavy", "semibold"))
        runs.append(TextRun(text, float(x), float(y), float(abs(font_size * scale)), bold))

    text = page.extract_text(visitor_text=visit) or ""
    box = page.mediabox
    return RawPage(number, text, tuple(runs), float(box.width), float(box.height))
