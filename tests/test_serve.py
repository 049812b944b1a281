"""`peerchat serve`: the HTTP API, bad requests, and following the index while it changes
(hash embedder; a real server on a free local port)."""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import shutil
import socket
import sqlite3
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from peerchat.cli import main
from peerchat.core.settings import Settings
from peerchat.index.answer import Assistant
from peerchat.index.build import ingest_paths
from peerchat.index.store import current_generation
from peerchat.serve import LiveAssistant, PeerchatServer

ROOT = Path(__file__).resolve().parent.parent
TEXT_EXPORTS = ROOT / "tests" / "data" / "text"
LAMBETH_QUESTION = "What did the peer team mean by corporate disobedience in Lambeth?"
CAMBRIDGE_QUESTION = "What did the peer team say about Cambridge and building new homes?"


@dataclass
class Served:
    server: PeerchatServer
    live: LiveAssistant
    index_dir: Path
    folder: Path

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, dict]:
        host, port = self.server.server_address[:2]
        conn = http.client.HTTPConnection(host, port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, json.loads(response.read())
        finally:
            conn.close()

    def ask(self, question: str, **filters: object) -> tuple[int, dict]:
        body = json.dumps({"question": question, **filters}).encode()
        return self.request("POST", "/ask", body, {"Content-Type": "application/json"})

    def generation(self) -> str:
        return current_generation(self.index_dir).name


@contextlib.contextmanager
def _serving(settings: Settings, live: LiveAssistant) -> Iterator[PeerchatServer]:
    server = PeerchatServer(settings, live)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        live.wait_idle(30)


def _setup(tmp_path: Path, hash_embedder, load=None) -> tuple[Settings, LiveAssistant, Path]:
    folder = tmp_path / "reports"
    folder.mkdir()
    for name in ("lambeth-cpc-feedback-2016.md", "bedford-borough-cpc-action-plan-2024.txt"):
        shutil.copy(TEXT_EXPORTS / name, folder)
    index_dir = tmp_path / "index"
    ingest_paths([folder], index_dir, hash_embedder)
    settings = Settings(index_dir=index_dir, embedder="hash", serve_port=0, serve_max_body=2048)
    live = LiveAssistant(settings, hash_embedder, **({"load": load} if load else {}))
    return settings, live, folder


@pytest.fixture
def served(tmp_path: Path, hash_embedder) -> Iterator[Served]:
    settings, live, folder = _setup(tmp_path, hash_embedder)
    with _serving(settings, live) as server:
        yield Served(server, live, settings.index_dir, folder)


def _add_cambridge(served: Served, hash_embedder) -> None:
    shutil.copy(TEXT_EXPORTS / "cambridge-city-cpc-feedback-2017.md", served.folder)
    ingest_paths([served.folder], served.index_dir, hash_embedder)


def _cited_passages_exist(reply: dict, index_dir: Path) -> bool:
    """Whether every citation is a passage, with that text, of the generation named."""
    store = index_dir / reply["generation"] / "store.sqlite"
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        for c in reply["citations"]:
            row = conn.execute("SELECT text FROM chunks WHERE id = ?", (c["chunk_id"],)).fetchone()
            if row is None or row[0] != c["text"]:
                return False
    finally:
        conn.close()
    return True


def test_health_and_ask_reply_as_ask_json_does(served, monkeypatch):
    status, health = served.request("GET", "/health")
    assert status == 200
    assert health == {
        "status": "ok",
        "generation": served.generation(),
        "reports": 2,
        "passages": health["passages"],
    }
    status, reply = served.ask(LAMBETH_QUESTION)
    assert status == 200 and reply["found"] is True
    assert reply["generation"] == served.generation()

    monkeypatch.setenv("PEERCHAT_EMBEDDER", "hash")
    cli = CliRunner().invoke(
        main, ["ask", "--json", LAMBETH_QUESTION, "--index-dir", str(served.index_dir)]
    )
    assert cli.exit_code == 0, cli.output
    assert {k: v for k, v in reply.items() if k != "generation"} == json.loads(cli.stdout)


def test_ask_takes_the_filters_the_cli_takes(served):
    status, reply = served.ask("What are the priorities?", council="Bedford")
    assert status == 200 and reply["citations"]
    assert {c["council"] for c in reply["citations"]} == {"Bedford Borough Council"}
    status, reply = served.ask("What are the priorities?", since=2020, report_type=["action plan"])
    assert status == 200 and reply["citations"]
    assert {c["date"][:4] for c in reply["citations"]} == {"2024"}


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"{not json", 400, "the body is not JSON"),
        (b"\xff\xfe", 400, "the body is not JSON"),
        (b'["question"]', 400, "the body must be a JSON object"),
        (b"{}", 400, '"question" must be a non-empty string'),
        (b'{"question": "   "}', 400, '"question" must be a non-empty string'),
        (b'{"question": "q", "councils": ["Lambeth"]}', 400, "unknown field(s): councils"),
        (b'{"question": "q", "council": 3}', 400, '"council" must be a string or a list'),
        (b'{"question": "q", "since": [2018]}', 400, '"since" must be a year'),
        (b'{"question": "q", "council": "Atlantis"}', 400, "'Atlantis' is not a council"),
        (b'{"question": "' + b"a" * 3000 + b'"}', 413, "the body is over 2048 bytes"),
    ],
)
def test_bad_requests_are_refused_with_a_reason(served, body, status, message):
    got, reply = served.request("POST", "/ask", body)
    assert (got, reply["error"][: len(message)]) == (status, message)


def test_unknown_paths_and_a_missing_length(served):
    assert served.request("GET", "/ask")[0] == 405
    assert served.request("POST", "/nowhere", b"{}")[0] == 404
    host, port = served.server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.putrequest("POST", "/ask")
    conn.endheaders()
    response = conn.getresponse()
    assert response.status == 411 and "Content-Length" in json.loads(response.read())["error"]
    conn.close()
    status, health = served.request("GET", "/health")
    assert status == 200, "the server is still up"


def test_a_new_generation_is_picked_up_and_loaded_once(tmp_path, hash_embedder):
    loads: list[str] = []

    def counting_load(settings, embedder):
        assistant = Assistant.load(settings, embedder=embedder)
        loads.append(assistant.generation)
        return assistant

    settings, live, folder = _setup(tmp_path, hash_embedder, load=counting_load)
    with _serving(settings, live) as server:
        served = Served(server, live, settings.index_dir, folder)
        first = served.generation()
        status, reply = served.ask(CAMBRIDGE_QUESTION)
        assert (status, reply["found"], reply["generation"]) == (200, False, first)
        _add_cambridge(served, hash_embedder)
        second = served.generation()
        assert second != first
        for _ in range(5):
            assert served.ask(LAMBETH_QUESTION)[1]["generation"] in (first, second)
        live.wait_idle(30)
        status, reply = served.ask(CAMBRIDGE_QUESTION)
        assert (status, reply["found"], reply["generation"]) == (200, True, second)
        assert served.request("GET", "/health")[1]["reports"] == 3
    assert loads == [first, second], "each generation is loaded once"


def test_the_old_generation_answers_while_the_new_one_loads(tmp_path, hash_embedder):
    gate = threading.Event()
    first_generation: list[str] = []

    def slow_load(settings, embedder):
        assistant = Assistant.load(settings, embedder=embedder)
        if first_generation and assistant.generation != first_generation[0]:
            assert gate.wait(30), "the test never let the load finish"
        first_generation.append(assistant.generation)
        return assistant

    settings, live, folder = _setup(tmp_path, hash_embedder, load=slow_load)
    with _serving(settings, live) as server:
        served = Served(server, live, settings.index_dir, folder)
        first = served.generation()
        assert served.ask(LAMBETH_QUESTION)[1]["generation"] == first
        _add_cambridge(served, hash_embedder)
        for _ in range(3):  # the new generation is loading, held at the gate
            status, reply = served.ask(CAMBRIDGE_QUESTION)
            assert (status, reply["generation"], reply["found"]) == (200, first, False)
        assert served.request("GET", "/health")[1]["generation"] == first
        gate.set()
        live.wait_idle(30)
        status, reply = served.ask(CAMBRIDGE_QUESTION)
        assert (reply["generation"], reply["found"]) == (served.generation(), True)


class _Pause(logging.Handler):
    """Holds an in-process ingest at one logged step until released."""

    def __init__(self, step: str) -> None:
        super().__init__(logging.DEBUG)
        self.step = step
        self.reached = threading.Event()
        self.resume = threading.Event()

    def handle(self, record: logging.LogRecord) -> bool:
        # Not Handler.handle: that holds the handler's lock through emit, which would also
        # block the server's threads logging their answers.
        if record.getMessage() == self.step:
            self.reached.set()
            self.resume.wait(30)
        return True

    def emit(self, record: logging.LogRecord) -> None:
        pass


@contextlib.contextmanager
def _paused_at(step: str) -> Iterator[_Pause]:
    logger = logging.getLogger("peerchat")
    pause = _Pause(step)
    level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(pause)
    try:
        yield pause
    finally:
        pause.resume.set()
        logger.removeHandler(pause)
        logger.setLevel(level)


def test_readers_answer_from_the_live_generation_during_an_ingest(served, hash_embedder):
    first = served.generation()
    shutil.copy(TEXT_EXPORTS / "cambridge-city-cpc-feedback-2017.md", served.folder)
    with _paused_at("generation_written") as pause:
        ingest = threading.Thread(
            target=ingest_paths, args=([served.folder], served.index_dir, hash_embedder)
        )
        ingest.start()
        assert pause.reached.wait(60), "the ingest never wrote its generation"
        # The new generation is complete on disk but not published: readers stay on `first`.
        for question in (LAMBETH_QUESTION, CAMBRIDGE_QUESTION):
            status, reply = served.ask(question)
            assert (status, reply["generation"]) == (200, first)
        assert served.ask(CAMBRIDGE_QUESTION)[1]["found"] is False
        pause.resume.set()
        ingest.join(60)
    assert served.generation() != first
    served.ask(LAMBETH_QUESTION)
    served.live.wait_idle(30)
    status, reply = served.ask(CAMBRIDGE_QUESTION)
    assert (reply["generation"], reply["found"]) == (served.generation(), True)


def test_concurrent_requests_while_a_generation_is_published(served, hash_embedder):
    first = served.generation()
    replies: list[tuple[int, dict]] = []
    lock = threading.Lock()
    questions = [
        LAMBETH_QUESTION,
        CAMBRIDGE_QUESTION,
        "Which councils were told to narrow priorities?",
    ]

    def client(n: int) -> None:
        for i in range(6):
            got = served.ask(questions[(n + i) % len(questions)])
            with lock:
                replies.append(got)

    clients = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for c in clients:
        c.start()
    _add_cambridge(served, hash_embedder)
    for c in clients:
        c.join(120)
    second = served.generation()
    assert len(replies) == 48 and {status for status, _ in replies} == {200}
    assert {reply["generation"] for _, reply in replies} <= {first, second}
    assert all(_cited_passages_exist(reply, served.index_dir) for _, reply in replies)


# --- one client cannot stall the server (issue 14, item 3) ---------------------------------


@pytest.fixture
def guarded(tmp_path: Path, hash_embedder) -> Iterator[Served]:
    """A server with a small pool of workers and a short wait for a request's head."""
    settings, live, folder = _setup(tmp_path, hash_embedder)
    settings = settings.with_(serve_threads=4, serve_queue=4, serve_timeout=30.0)
    live.settings = settings
    with _serving(settings, live) as server:
        yield Served(server, live, settings.index_dir, folder)


def test_idle_and_half_sent_connections_do_not_stall_an_answer(guarded):
    host, port = guarded.server.server_address[:2]
    status, _ = guarded.ask(LAMBETH_QUESTION)  # loaded and answering
    assert status == 200
    threads_before = threading.active_count()
    idle: list = []
    try:
        for i in range(500):
            sock = socket.create_connection((host, port), timeout=10)
            if i % 2:
                sock.sendall(b"POST /ask HTTP/1.1\r\nContent-Le")  # half a request
            idle.append(sock)
        # A functional limit, not a benchmark: with 500 stalled clients the answer comes
        # at once, or the request times out and the test fails.
        conn = http.client.HTTPConnection(host, port, timeout=2)
        body = json.dumps({"question": LAMBETH_QUESTION}).encode()
        conn.request("POST", "/ask", body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        assert response.status == 200 and json.loads(response.read())["found"] is True
        conn.close()
        grown = threading.active_count() - threads_before
        assert grown <= 2, f"{grown} threads for 500 stalled connections"
    finally:
        for sock in idle:
            sock.close()


def _read_to_the_end(sock: socket.socket) -> bytes:
    """What the server sends before it closes the connection (a client that waits 30 s
    for it fails: a server that never closes raises TimeoutError here)."""
    out = b""
    while chunk := sock.recv(4096):
        out += chunk
    return out


def test_a_stalled_connection_is_closed_after_the_timeout(tmp_path, hash_embedder, caplog):
    """The socket timeout: a connection that sends nothing, half a head, or a head and
    half its body is closed after `serve_timeout`, and the one worker is free again."""
    settings, live, _ = _setup(tmp_path, hash_embedder)
    settings = settings.with_(serve_threads=1, serve_queue=1, serve_timeout=0.3)
    live.settings = settings
    caplog.set_level(logging.INFO, logger="peerchat")
    with _serving(settings, live) as server:
        host, port = server.server_address[:2]
        served = Served(server, live, settings.index_dir, tmp_path)
        silent = socket.create_connection((host, port), timeout=30)
        half_head = socket.create_connection((host, port), timeout=30)
        half_head.sendall(b"POST /ask HTTP/1.1\r\nContent-Le")
        half_body = socket.create_connection((host, port), timeout=30)
        half_body.sendall(
            b"POST /ask HTTP/1.1\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"question": "What'
        )
        try:
            assert _read_to_the_end(silent) == b""
            assert _read_to_the_end(half_head) == b""
            # The head was whole, so a worker read the body: it gave up, and is free.
            assert _read_to_the_end(half_body) == b""
        finally:
            for sock in (silent, half_head, half_body):
                sock.close()
        status, reply = served.ask(LAMBETH_QUESTION)
        assert status == 200 and reply["found"] is True, "the one worker is free"
    timed_out = [r for r in caplog.records if r.getMessage() == "request_timed_out"]
    assert [r.fields["path"] for r in timed_out] == ["/ask"], "one line for the body"


def test_beyond_the_queue_requests_get_503_at_once(tmp_path, hash_embedder):
    gate = threading.Event()
    entered = threading.Semaphore(0)
    settings, live, _ = _setup(tmp_path, hash_embedder)
    settings = settings.with_(serve_threads=1, serve_queue=1)
    live.settings = settings

    class Held:
        """The assistant, held at each answer until the test lets it go."""

        def __init__(self, assistant):
            self._assistant = assistant

        def __getattr__(self, name):
            return getattr(self._assistant, name)

        def answer(self, *args, **kwargs):
            entered.release()
            assert gate.wait(30)
            return self._assistant.answer(*args, **kwargs)

    live.get()
    live._current = Held(live._current)
    with _serving(settings, live) as server:
        dispatched = threading.Semaphore(0)
        dispatch = server.dispatch

        def counted(*args):
            dispatch(*args)
            dispatched.release()

        server.dispatch = counted
        served = Served(server, live, settings.index_dir, tmp_path)
        results: list[int] = []
        first = threading.Thread(target=lambda: results.append(served.ask(LAMBETH_QUESTION)[0]))
        first.start()
        assert entered.acquire(timeout=30), "the first request reached the worker"
        assert dispatched.acquire(timeout=30)
        second = threading.Thread(target=lambda: results.append(served.ask(LAMBETH_QUESTION)[0]))
        second.start()
        assert dispatched.acquire(timeout=30), "the second request is queued"
        status, reply = served.ask(LAMBETH_QUESTION)  # the worker busy, the queue full
        assert status == 503 and "busy" in reply["error"]
        gate.set()
        first.join(30)
        second.join(30)
    assert sorted(results) == [200, 200]


def test_other_methods_get_a_json_405_and_head_health_200(served):
    for method in ("PUT", "DELETE", "PATCH", "OPTIONS", "BREW"):
        status, reply = served.request(method, "/ask", b"{}")
        assert status == 405 and "/ask takes POST" in reply["error"], (method, reply)
    assert served.request("GET", "/ask")[0] == 405
    assert served.request("POST", "/health", b"{}")[0] == 405
    assert served.request("GET", "/nowhere")[0] == 404
    host, port = served.server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.request("HEAD", "/health")
    response = conn.getresponse()
    assert response.status == 200 and response.read() == b""
    assert response.getheader("Content-Type").startswith("application/json")
    conn.close()
    # A request line http.server cannot parse is answered in JSON too.
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.sendall(b"GARBAGE\r\n\r\n")
        raw = sock.makefile("rb").read()
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 400") and "error" in json.loads(body)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"since": "last year"}, '"since" must be a year or a date'),
        ({"since": "2018-13-40"}, "\"since\" '2018-13-40' is not a year or a date"),
        ({"since": "20180"}, '"since" must be a year or a date'),
        ({"report_type": "blog post"}, "\"report_type\" 'blog post' is not a report type"),
        ({"report_type": ["action plan", "x"]}, "\"report_type\" 'x' is not a report type"),
    ],
)
def test_since_and_report_type_are_validated(served, fields, message):
    status, reply = served.ask("What are the priorities?", **fields)
    assert (status, reply["error"][: len(message)]) == (400, message)


def test_a_client_that_goes_away_is_one_log_line(tmp_path, hash_embedder, capfd):
    """Five clients each reset their connection while the server is answering them: each
    is one log line (client_disconnected), no traceback, and the server answers on."""
    gate = threading.Event()
    entered = threading.Semaphore(0)
    settings, live, _ = _setup(tmp_path, hash_embedder)

    class Held:
        """The assistant, held at each answer until the test lets it go."""

        def __init__(self, assistant):
            self._assistant = assistant

        def __getattr__(self, name):
            return getattr(self._assistant, name)

        def answer(self, *args, **kwargs):
            entered.release()
            assert gate.wait(30)
            return self._assistant.answer(*args, **kwargs)

    class Lines(logging.Handler):
        def __init__(self) -> None:
            super().__init__(logging.INFO)
            self.names: list[str] = []
            self.disconnected = threading.Semaphore(0)

        def emit(self, record: logging.LogRecord) -> None:
            self.names.append(record.getMessage())
            if record.getMessage() == "client_disconnected":
                self.disconnected.release()

    lines = Lines()
    logger = logging.getLogger("peerchat")
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(lines)
    live.get()
    live._current = Held(live._current)
    body = json.dumps({"question": LAMBETH_QUESTION}).encode()
    request = (
        b"POST /ask HTTP/1.1\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    try:
        with _serving(settings, live) as server:
            host, port = server.server_address[:2]
            clients = []
            for _ in range(5):
                sock = socket.create_connection((host, port), timeout=30)
                sock.sendall(request)
                clients.append(sock)
                assert entered.acquire(timeout=30), "the request reached the assistant"
            for sock in clients:
                # Reset, not a polite close: the answer has nowhere to go.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.close()
            gate.set()
            for _ in range(5):
                assert lines.disconnected.acquire(timeout=30), (
                    "no log line for a client that went away",
                    lines.names,
                )
            served = Served(server, live, settings.index_dir, tmp_path)
            assert served.request("GET", "/health")[0] == 200, "still up"
    finally:
        gate.set()
        logger.removeHandler(lines)
        logger.setLevel(level)
    err = capfd.readouterr().err
    assert "Traceback" not in err and "BrokenPipe" not in err and "ConnectionReset" not in err
    assert lines.names.count("client_disconnected") == 5
