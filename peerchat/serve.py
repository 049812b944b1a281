"""`peerchat serve`: cited answers over HTTP, from the live index, for other programs.

    GET  /health  -> {"status": "ok", "generation": "gen-...", "reports": 5, "passages": 168}
    HEAD /health  -> the same status, no body
    POST /ask     {"question": "...", "council": ["Lambeth"], "report_type": [...],
                   "since": "2018"}   (only "question" is required)
                  -> the object `peerchat ask --json` prints, plus "generation": the index
                     generation that answered

The server follows the index. On each request it reads CURRENT (a few bytes); when an
ingest has published a new generation, that generation is loaded once, in the background,
while requests go on being answered from the one already loaded. Errors are JSON
`{"error": "..."}`: 400 for a bad request, 404, 405 for another method, 411, 413 for a body
over `settings.serve_max_body`, 503 while there is no usable index or every worker is busy.

One client cannot stall it. Connections wait for their request head in one thread (the
intake), never in a worker: a connection that sends nothing, or half a request, costs a
socket until `serve_timeout`, and the oldest such are dropped beyond
`serve_max_connections`. Complete requests go to `serve_threads` workers through a queue
of `serve_queue`; beyond that they get 503 at once. A client that goes away is one log
line, never a traceback.
"""

from __future__ import annotations

import collections
import contextlib
import io
import json
import logging
import queue
import re
import selectors
import socket
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from peerchat.core.errors import IndexDamaged, IndexIncompatible, IndexMissing, PeerchatError
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
        """The assistant to answer with now; IndexMissing/IndexIncompatible while none loads.

        A generation whose files were damaged while loaded (IndexDamaged from
        `library.check`) is dropped with one log line, and not loaded again: requests get
        that message (503) until an ingest publishes a new generation.
        """
        key = generation_key(self.settings.index_dir)
        with self._lock:
            current = self._current
        if current is not None:
            try:
                current.library.check()
            except IndexDamaged as exc:
                self._drop_damaged(current, exc)
        with self._lock:
            current = self._current
            if current is not None:
                stale = key and key != current.generation
                if stale and self._loader is None and key != self._failed_key:
                    self._start(key)
                return current
            if (
                self._loader is None
                and key == self._failed_key
                and isinstance(self._error, IndexIncompatible)
            ):
                raise self._error  # damaged or unusable: not read again until it changes
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

    def _drop_damaged(self, assistant: Assistant, exc: IndexDamaged) -> None:
        with self._lock:
            if self._current is not assistant:
                return
            self._current = None
            self._error = exc
            self._failed_key = assistant.generation
        event(
            log,
            "index_damaged",
            logging.ERROR,
            generation=assistant.generation,
            file=str(exc.file),
            error=str(exc),
        )

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


SINCE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


def parse_ask(body: bytes) -> tuple[str, dict[str, Any]]:
    """The question and the filter fields of a POST /ask body; BadRequest (400) if it is
    not a JSON object with a non-empty "question" and only known filter fields, each of
    the right shape ("since" a year or a date; the report types peerchat knows are
    checked by `Assistant.make_filters`)."""
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
    if not isinstance(since, str) or (since and not SINCE.fullmatch(since.strip())):
        raise BadRequest(400, '"since" must be a year or a date, e.g. "2018" or "2018-06-30"')
    filters["since"] = since.strip()
    return question.strip(), filters


class PeerchatServer(HTTPServer):
    """An HTTP server holding the live assistant its handlers answer from: an intake
    thread that collects request heads, and a bounded pool of workers (module docstring)."""

    request_queue_size = 128  # the listen backlog: accepting is quick, the intake waits

    def __init__(self, settings: Settings, live: LiveAssistant) -> None:
        self.settings = settings
        self.live = live
        super().__init__((settings.serve_host, settings.serve_port), _Handler)
        self._jobs: queue.Queue[tuple[socket.socket, Any, bytes] | None] = queue.Queue(
            settings.serve_queue
        )
        self._workers = [
            threading.Thread(target=self._work, name=f"serve-worker-{i}", daemon=True)
            for i in range(settings.serve_threads)
        ]
        for worker in self._workers:
            worker.start()
        self._intake = _Intake(self)
        self._intake.start()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def waiting(self) -> int:
        """Connections still sending their request head."""
        return self._intake.size

    def process_request(self, request: Any, client_address: Any) -> None:
        """A new connection: the intake waits for its request head (serve_forever's thread
        only accepts)."""
        self._intake.add(request, client_address)

    def dispatch(self, sock: socket.socket, client_address: Any, head: bytes) -> None:
        """A connection whose request head has arrived: to a worker, or 503 if all are busy
        and the queue is full."""
        try:
            self._jobs.put_nowait((sock, client_address, head))
        except queue.Full:
            event(log, "server_busy", logging.WARNING, queued=self._jobs.qsize())
            _refuse(sock, 503, "the server is busy: try again shortly", {"Retry-After": "1"})

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            sock, client_address, head = job
            try:
                self.RequestHandlerClass((sock, head), client_address, self)
            except Exception:  # noqa: BLE001 - one failed request must not stop a worker
                self.handle_error(sock, client_address)
            finally:
                self.shutdown_request(sock)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """One log line, never a traceback on stderr: a client that went away is expected."""
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            event(log, "client_disconnected", error=type(exc).__name__)
        else:
            log.exception("internal_error")

    def server_close(self) -> None:
        super().server_close()
        self._intake.stop()
        for _ in self._workers:
            with contextlib.suppress(queue.Full):
                self._jobs.put_nowait(None)


class _Intake(threading.Thread):
    """Connections waiting for their request head, all in one thread (a selector): each is
    dispatched once its head is complete, closed when it takes longer than
    `serve_timeout`, refused (431) past 64 KiB of head, and dropped oldest first when more
    than `serve_max_connections` wait."""

    MAX_HEAD = 65536

    def __init__(self, server: PeerchatServer) -> None:
        super().__init__(name="serve-intake", daemon=True)
        self.server = server
        self.timeout = server.settings.serve_timeout
        self.limit = server.settings.serve_max_connections
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ)
        self._new: collections.deque[tuple[socket.socket, Any]] = collections.deque()
        # socket -> (client address, head so far, deadline), oldest first
        self._waiting: collections.OrderedDict[socket.socket, tuple[Any, bytearray, float]] = (
            collections.OrderedDict()
        )
        self._stopping = False

    @property
    def size(self) -> int:
        return len(self._waiting) + len(self._new)

    def add(self, sock: socket.socket, client_address: Any) -> None:
        self._new.append((sock, client_address))
        with contextlib.suppress(OSError):
            self._wake_w.send(b"\0")

    def stop(self) -> None:
        self._stopping = True
        with contextlib.suppress(OSError):
            self._wake_w.send(b"\0")
        self.join(5)
        for sock in list(self._waiting):
            self._close(sock)
        for sock, _ in self._new:
            sock.close()
        self._selector.close()
        self._wake_r.close()
        self._wake_w.close()

    def run(self) -> None:
        while not self._stopping:
            nearest = min((d for _, _, d in self._waiting.values()), default=None)
            wait = 1.0 if nearest is None else max(0.0, min(1.0, nearest - time.monotonic()))
            for key, _ in self._selector.select(wait):
                if key.fileobj is self._wake_r:
                    with contextlib.suppress(OSError):
                        self._wake_r.recv(4096)
                else:
                    self._read(key.fileobj)  # type: ignore[arg-type]
            while self._new:
                self._admit(*self._new.popleft())
            now = time.monotonic()
            for sock, (_, _, deadline) in list(self._waiting.items()):
                if deadline > now:
                    break  # oldest first: the rest are later
                event(log, "request_timed_out", logging.DEBUG, seconds=self.timeout)
                self._close(sock)

    def _admit(self, sock: socket.socket, client_address: Any) -> None:
        while len(self._waiting) >= self.limit:
            oldest = next(iter(self._waiting))
            event(log, "connection_dropped", logging.DEBUG, reason="too many waiting")
            self._close(oldest)
        try:
            sock.setblocking(False)
            self._selector.register(sock, selectors.EVENT_READ)
        except (OSError, ValueError):
            sock.close()
            return
        self._waiting[sock] = (client_address, bytearray(), time.monotonic() + self.timeout)

    def _read(self, sock: socket.socket) -> None:
        entry = self._waiting.get(sock)
        if entry is None:
            return
        client_address, head, _ = entry
        try:
            data = sock.recv(8192)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._close(sock)  # the client went away before asking anything
            return
        head += data
        if b"\r\n\r\n" in head or b"\n\n" in head:
            self._selector.unregister(sock)
            del self._waiting[sock]
            sock.setblocking(True)
            self.server.dispatch(sock, client_address, bytes(head))
        elif len(head) > self.MAX_HEAD:
            self._selector.unregister(sock)
            del self._waiting[sock]
            sock.setblocking(True)
            _refuse(sock, 431, f"the request head is over {self.MAX_HEAD} bytes")

    def _close(self, sock: socket.socket) -> None:
        self._waiting.pop(sock, None)
        with contextlib.suppress(KeyError, ValueError, OSError):
            self._selector.unregister(sock)
        with contextlib.suppress(OSError):
            sock.close()


def _refuse(sock: socket.socket, status: int, message: str, headers: dict | None = None) -> None:
    """Answer `status` with a JSON error and close, without a worker."""
    from http import HTTPStatus

    body = json.dumps({"error": message}).encode()
    lines = [
        f"HTTP/1.0 {status} {HTTPStatus(status).phrase}",
        "Content-Type: application/json; charset=utf-8",
        f"Content-Length: {len(body)}",
        "Connection: close",
        *(f"{k}: {v}" for k, v in (headers or {}).items()),
    ]
    try:
        sock.settimeout(1.0)
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            sock.close()


class _HeadThenSocket(io.RawIOBase):
    """What the intake read of a request, then the rest from the socket."""

    def __init__(self, head: bytes, sock: socket.socket) -> None:
        self._head = memoryview(head)
        self._sock = sock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        return self._sock.recv_into(buffer)


class _SocketWriter(io.BufferedIOBase):
    """Writes go straight to the socket, whole."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._sock.sendall(data)
        with memoryview(data) as view:
            return view.nbytes


PATHS = {"/health": ("GET", "HEAD"), "/ask": ("POST",)}


class _Handler(BaseHTTPRequestHandler):
    server: PeerchatServer
    server_version = "peerchat"

    def setup(self) -> None:
        sock, head = self.request
        self.request = self.connection = sock
        sock.settimeout(self.server.settings.serve_timeout)
        self.rfile = io.BufferedReader(_HeadThenSocket(head, sock))
        self.wfile = _SocketWriter(sock)
        self._started = time.monotonic()

    def handle(self) -> None:
        try:
            super().handle()
        except (ConnectionError, TimeoutError) as exc:
            path = getattr(self, "path", "")
            event(log, "client_disconnected", path=path, error=type(exc).__name__)

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        self._health(with_body=True)

    def do_HEAD(self) -> None:  # noqa: N802 - the name http.server calls
        self._health(with_body=False)

    def _health(self, with_body: bool) -> None:
        started = time.monotonic()
        if self.path != "/health":
            return self._refused(self.path, started, with_body)
        try:
            assistant = self.server.live.get()
        except PeerchatError as exc:
            body = {"status": "unavailable", "error": str(exc)}
            return self._reply(503, body, started, with_body)
        library = assistant.library
        body = {
            "status": "ok",
            "generation": assistant.generation,
            "reports": len(library.stored),
            "passages": len(library.chunks),
        }
        self._reply(200, body, started, with_body)

    def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
        started = time.monotonic()
        try:
            if self.path != "/ask":
                return self._refused(self.path, started)
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
        except (ConnectionError, TimeoutError):
            raise  # the client went away or stalled: handle() logs it
        except Exception:  # noqa: BLE001 - one failed request must not stop the server
            log.exception("internal_error", extra={"fields": {"path": self.path}})
            return self._reply(500, {"error": "internal error: see the server log"}, started)
        self._reply(200, {**answer_dict(result), "generation": assistant.generation}, started)

    def _refused(self, path: str, started: float, with_body: bool = True) -> None:
        """404 for a path the server does not have, 405 for a method it does not take."""
        allowed = PATHS.get(path)
        if allowed is None:
            return self._reply(404, {"error": f"no such path {path}"}, started, with_body)
        message = f"{path} takes {' or '.join(allowed)}, not {self.command}"
        self._reply(405, {"error": message}, started, with_body, {"Allow": ", ".join(allowed)})

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own errors (a bad request line, an unknown method) as JSON; an
        unknown method is 405."""
        started = getattr(self, "_started", time.monotonic())
        path = getattr(self, "path", "")
        if code == 501 and path:
            return self._refused(path, started)
        self.close_connection = True
        self.request_version = "HTTP/1.0"  # a line it could not parse counts as 0.9: no head
        body = {"error": message or explain or "bad request"}
        with contextlib.suppress(OSError):
            self._reply(code, body, started, self.command != "HEAD")

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
        body = self.rfile.read(length)
        if len(body) < length:
            raise BadRequest(400, f"the body ended after {len(body)} of {length} bytes")
        return body

    def _reply(
        self,
        status: int,
        body: dict[str, Any],
        started: float,
        with_body: bool = True,
        headers: dict[str, str] | None = None,
    ) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if with_body:
            self.wfile.write(data)
        level = logging.DEBUG if status < 400 else logging.INFO
        event(
            log,
            "http_request",
            level,
            method=self.command,
            path=getattr(self, "path", ""),
            status=status,
            seconds=seconds_since(started),
        )

    def log_message(self, format: str, *args: Any) -> None:
        """http.server's own access lines would go to stderr unstructured: `_reply` logs."""

    def log_error(self, format: str, *args: Any) -> None:
        """http.server's one error it does not answer: a read or a write of the request
        that took longer than `serve_timeout` (the connection is closed). One log line."""
        if format.startswith("Request timed out"):
            event(
                log,
                "request_timed_out",
                path=getattr(self, "path", ""),
                seconds=self.server.settings.serve_timeout,
            )
