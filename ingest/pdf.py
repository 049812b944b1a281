"""Read a PDF page by page with pypdf: the extracted text and the positioned text runs.

Extraction runs in a forked worker process with a deadline, so a pathological file
(one that makes pypdf loop or blow up) cannot hang an ingest.
"""

from __future__ import annotations

import multiprocessing
import pickle
from dataclasses import dataclass
from pathlib import Path

from peerchat.errors import UnreadableReport

DEFAULT_TIMEOUT = 60.0


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


class _Unreadable(Exception):
    """Raised inside the worker with a human reason; turned into UnreadableReport outside."""


def read_pdf(path: Path, timeout: float | None = DEFAULT_TIMEOUT) -> list[RawPage]:
    """The pages of the PDF at `path`, text and runs, read with a deadline of `timeout` seconds.

    Raises UnreadableReport for a file that is not a PDF, is encrypted, damaged, has no text
    layer, or takes longer than `timeout` to read. `timeout=None` reads in this process.
    """
    path = Path(path)
    head = path.read_bytes()[:1024]
    if not head:
        raise UnreadableReport(path, "empty file")
    if b"%PDF-" not in head:
        raise UnreadableReport(path, "not a PDF (no %PDF header)")
    if timeout is None or "fork" not in multiprocessing.get_all_start_methods():
        try:
            pages = _extract(str(path))
        except _Unreadable as exc:
            raise UnreadableReport(path, str(exc)) from exc
    else:
        pages = _extract_in_worker(path, timeout)
    if not any(page.text.strip() for page in pages):
        raise UnreadableReport(path, "no text layer (scanned image?)")
    return pages


def _extract_in_worker(path: Path, timeout: float) -> list[RawPage]:
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    worker = ctx.Process(target=_worker, args=(str(path), sender), daemon=True)
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


def _worker(path: str, sender) -> None:  # pragma: no cover - runs in the child process
    try:
        result = ("ok", _extract(path))
    except _Unreadable as exc:
        result = ("error", str(exc))
    except BaseException as exc:  # noqa: BLE001 - any failure of the reader is a reason
        result = ("error", f"damaged PDF ({type(exc).__name__})")
    try:
        sender.send_bytes(pickle.dumps(result))
    finally:
        sender.close()


def _extract(path: str) -> list[RawPage]:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

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
    except (PdfReadError, FileNotDecryptedError, ValueError, KeyError, TypeError) as exc:
        raise _Unreadable(f"truncated or damaged PDF ({exc})".replace("\n", " ")[:160]) from exc
    except Exception as exc:  # noqa: BLE001
        raise _Unreadable(f"damaged PDF ({type(exc).__name__})") from exc
    if n == 0:
        raise _Unreadable("PDF has no pages")
    out = []
    for i, page in enumerate(pages, start=1):
        try:
            out.append(_read_page(i, page))
        except FileNotDecryptedError as exc:
            raise _Unreadable("encrypted PDF (password protected)") from exc
        except Exception as exc:  # noqa: BLE001
            raise _Unreadable(
                f"damaged PDF: page {i} cannot be read ({type(exc).__name__})"
            ) from exc
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
