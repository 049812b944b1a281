"""A fake OpenAI-compatible chat server for tests: http.server in a thread on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    """What the fake server does with one request."""

    text: str = ""
    status: int = 200
    raw: bytes | None = None  # sent as is instead of a chat completion
    delay: float = 0.0  # seconds before answering
    pieces: int = 4  # SSE chunks the text is cut into when streaming
    stop_after: int | None = None  # close the stream after this many chunks
    stall: float = 0.0  # seconds of silence before closing a stopped stream


@dataclass
class FakeModel:
    """The server, its URL and the requests it received. `script(payload) -> Reply`."""

    script: Callable[[dict], Reply]
    requests: list[dict] = field(default_factory=list)
    headers: list[dict] = field(default_factory=list)
    url: str = ""
    _server: ThreadingHTTPServer | None = None

    def __enter__(self) -> FakeModel:
        model = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length", 0))
                payload = json.loads(self.rfile.read(length) or b"{}")
                model.requests.append(payload)
                model.headers.append(dict(self.headers))
                reply = model.script(payload)
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    if reply.raw is not None or reply.status != 200:
                        self._send(reply.status, reply.raw or b'{"error": "boom"}')
                    elif payload.get("stream"):
                        self._stream(reply)
                    else:
                        body = {
                            "choices": [{"message": {"role": "assistant", "content": reply.text}}]
                        }
                        self._send(200, json.dumps(body).encode())
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _stream(self, reply: Reply) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                size = max(1, -(-len(reply.text) // reply.pieces))
                chunks = [reply.text[i : i + size] for i in range(0, len(reply.text), size)]
                for i, chunk in enumerate(chunks):
                    if reply.stop_after is not None and i >= reply.stop_after:
                        time.sleep(reply.stall)
                        return
                    event = {"choices": [{"delta": {"content": chunk}}]}
                    self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        host, port = self._server.server_address[:2]
        self.url = f"http://{host}:{port}/v1"
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()


def echo(text: str, **kwargs: object) -> Callable[[dict], Reply]:
    """A script that always replies `text`."""
    return lambda payload: Reply(text, **kwargs)
