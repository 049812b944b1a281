"""`peerchat serve`: cited answers over HTTP, from the live index, for other programs.

    GET  /health  -> {"status": "ok", "generation": "gen-...", "reports": 5, "passages": 168}
    POST /ask     {"question": "...", "council": ["Lambeth"], "report_type": [...],
                   "since": "2018"}   (only "question" is required)
                  -> the object `peerchat ask --json` prints, plus "generation": the index
                     generation that answered

The server follows the index. On each request it reads CURRENT (a few bytes); when an
ingest has published a new generation, that generation is loaded once, in the background,
while requests go on being answered from the one already loaded. Errors are JSON
`{"error": "..."}`: 400 for a bad request, 404, 411, 413 for a body over
`settings.serve_max_body`, 503 while there is no usable index.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from peerchat.core.errors import IndexMissing, PeerchatError
from peerchat.core.logs import event, seconds_since
from peerchat.core.settings import Settings
from peerchat.index.answer import Assistant, generation_key
from peerchat.index.embedding import Embedder
from peerchat.render import answer_dict

log = logging.getLogger("peerchat.serve")

Loader = Callable[[Settings, Embedder], Assistant]
FILTER_FIELDS = ("council", "report_type", "since")


def _load(settings: Settings, embedder: Embedder) -> Assistant:
    return Assistant.load(settings, embedder=embedder)


class LiveAssistant:
    """The assistant over whichever generation is live. Thread-safe.

    `get()` returns the loaded assistant at once; when CURRENT names a newer generation it
    starts loading that one in a background thread (one load at a time, each generation
    loaded once) and swaps it in when ready. Only the very first load is waited for.
    A generation that fails to load is logged and not retried until CURRENT changes again.
    """

    def __init__(self, settings: Settings, embedder: Embedder, load: Loader = _load) -> None:
        self.settings = settings
        self._embedder = embedder
        self._load = load
        self._lock = threading.Lock()
        self._current: Assistant | None = None
        self._loader: threading.Thread | None = None
        self._loading_key = ""
        self._failed_key = ""
        self._error: BaseException | None = None

    def get(self) -> Assistant:
        """The assistant to answer with now; IndexMissing/IndexIncompatible while none loads."""
        key = generation_key(self.settings.index_dir)
        with self._lock:
            current = self._current
            if current is not None:
                stale = key and key != current.generation
                if stale and self._loader is None and key != self._failed_key:
                    self._start(key)
                return current
            if self._loader is None:
                self._start(key)
            loader = self._loader
        assert loader is not None
        loader.join()
        with self._lock:
            if self._current is not None:
                return self._current
            error = self._error
        if isinstance(error, PeerchatError):
            raise error
        raise IndexMissing(self.settings.index_dir) from error

    def wait_idle(self, timeout: float | None = None) -> None:
        """Wait for a background load to finish (for tests and orderly shutdown)."""
        with self._lock:
            loader = self._loader
        if loader is not None:
            loader.join(timeout)

    def _start(self, key: str) -> None:
        """Start loading the live generation (call with the lock held)."""
        self._loading_key = key
        self._loader = threading.Thread(
            target=self._run, args=(key,), name=f"load-{key}", daemon=True
        )
        self._loader.start()

    def _run(self, key: str) -> None:
        started = time.monotonic()
        event(log, "generation_loading", generation=key)
        try:
            assistant = self._load(self.settings, self._embedder)
        except Exception as exc:  # noqa: BLE001 - keep serving the old generation; say why
            level = logging.WARNING if isinstance(exc, PeerchatError) else logging.ERROR
            event(log, "generation_load_failed", level, generation=key, error=str(exc))
            with self._lock:
                self._error = exc
                self._failed_key = key
                self._loader = None
            return
        with self._lock:
            previous = self._current.generation if self._current else ""
            self._current = assistant
            self._error = None
            self._failed_key = ""
            self._loader = None
        event(
            log,
            "generation_loaded",
            generation=assistant.generation,
            previous=previous,
            seconds=seconds_since(started),
        )


class BadRequest(Exception):
    """A request the server refuses, with its HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(message)


def parse_ask(body: bytes) -> tuple[str, dict[str, Any]]:
    """The question and the filter fields of a POST /ask body; BadRequest (400) if it is
    not a JSON object with a non-empty "question" and only known filter fields."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest(400, f"the body is not JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise BadRequest(400, 'the body must be a JSON object: {"question": "..."}')
    question = data.get("question")
    if not isinstance(question, str) or not question.strip():
        raise BadRequest(400, '"question" must be a non-empty string')
    unknown = sorted(set(data) - {"question", *FILTER_FIELDS})
    if unknown:
        raise BadRequest(400, f"unknown field(s): {', '.join(unknown)}")
    filters: dict[str, Any] = {}
    for name in ("council", "report_type"):
        value = data.get(name, [])
        value = [value] if isinstance(value, str) else value
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise BadRequest(400, f'"{name}" must be a string or a list of strings')
        filters[name] = value
    since = data.get("since", "")
    if isinstance(since, int) and not isinstance(since, bool):
        since = str(since)
    if not isinstance(since, str):
        raise BadRequest(400, '"since" must be a year or a date, e.g. "2018"')
    filters["since"] = since
    return question.strip(), filters


class PeerchatServer(ThreadingHTTPServer):
    """A threading HTTP server holding the live assistant its handlers answer from."""

    daemon_threads = True
    # socketserver's default backlog of 5 resets connections under 20 concurrent clients.
    request_queue_size = 128

    def __init__(self, settings: Settings, live: LiveAssistant) -> None:
        self.settings = settings
        self.live = live
        super().__init__((settings.serve_host, settings.serve_port), _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class _Handler(BaseHTTPRequestHandler):
    server: PeerchatServer
    server_version = "peerchat"

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        started = time.monotonic()
        if self.path != "/health":
            return self._reply(404, {"error": f"no such path {self.path}"}, started)
        try:
            assistant = self.server.live.get()
        except PeerchatError as exc:
            return self._reply(503, {"status": "unavailable", "error": str(exc)}, started)
        library = assistant.library
        body = {
            "status": "ok",
            "generation": assistant.generation,
            "reports": len(library.stored),
            "passages": len(library.chunks),
        }
        self._reply(200, body, started)

    def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
        started = time.monotonic()
        try:
            if self.path != "/ask":
                raise BadRequest(404, f"no such path {self.path}")
            question, fields = parse_ask(self._body())
            assistant = self.server.live.get()
            try:
                filters = assistant.make_filters(
                    fields["council"], fields["report_type"], fields["since"]
                )
            except PeerchatError as exc:
                raise BadRequest(400, str(exc)) from exc
            result = assistant.answer(question, filters=filters)
        except BadRequest as exc:
            return self._reply(exc.status, {"error": str(exc)}, started)
        except PeerchatError as exc:
            return self._reply(503, {"error": str(exc)}, started)
        except Exception:  # noqa: BLE001 - one failed request must not stop the server
            log.exception("internal_error", extra={"fields": {"path": self.path}})
            return self._reply(500, {"error": "internal error: see the server log"}, started)
        self._reply(200, {**answer_dict(result), "generation": assistant.generation}, started)

    def _body(self) -> bytes:
        raw = self.headers.get("Content-Length")
        if raw is None:
            raise BadRequest(411, "a Content-Length header is needed")
        try:
            length = int(raw)
        except ValueError as exc:
            raise BadRequest(400, f"bad Content-Length {raw!r}") from exc
        limit = self.server.settings.serve_max_body
        if length < 0 or length > limit:
            self.close_connection = True  # the body is not read
            raise BadRequest(413, f"the body is over {limit} bytes")
        return self.rfile.read(length)

    def _reply(self, status: int, body: dict[str, Any], started: float) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        level = logging.DEBUG if status < 400 else logging.INFO
        event(
            log,
            "http_request",
            level,
            method=self.command,
            path=self.path,
            status=status,
            seconds=seconds_since(started),
        )

    def log_message(self, format: str, *args: Any) -> None:
        """http.server's own access lines would go to stderr unstructured: `_reply` logs."""
