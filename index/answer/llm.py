"""A client for any OpenAI-compatible chat endpoint (llama.cpp, Ollama, hosted services).

`POST {base_url}/chat/completions`, whole replies or server-sent events ("data: {...}"
lines ending with "data: [DONE]"). Connect errors and 429/5xx replies are retried a few
times with backoff before any text has arrived; a stream that breaks part-way is never
retried (the caller has already shown its first words). Every failure is an `LLMError`
that names the endpoint and the reason.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from peerchat.core.errors import LLMError
from peerchat.core.settings import Settings

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_BACKOFF = 8.0


class ModelError(LLMError):
    """The endpoint at `base_url` failed: `reason` says how ("no reply within 60 s")."""

    def __init__(self, base_url: str, reason: str) -> None:
        self.base_url = base_url
        self.reason = reason
        super().__init__(f"language model at {base_url}: {reason}")


@dataclass(frozen=True)
class Message:
    """One chat message: role "system", "user" or "assistant"."""

    role: str
    content: str


class ChatClient:
    """Chat completions from one model at one OpenAI-compatible endpoint.

    `timeout` bounds connecting and each wait for the server (the whole reply when not
    streaming, each piece when streaming). `fold_system` puts the system message at the
    head of the first user message, for models with no system role (Gemma's chat format
    drops it); by default it is on for models whose name says "gemma".
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str = "",
        timeout: float = 60.0,
        retries: int = 2,
        backoff: float = 0.5,
        transport: httpx.BaseTransport | None = None,
        fold_system: bool | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.fold_system = "gemma" in model.lower() if fold_system is None else fold_system
        self.retries = retries
        self.backoff = backoff
        headers = {"Accept": "application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._http = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            transport=transport,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> ChatClient:
        """The client for `settings.llm_*` (check `settings.llm_enabled` first)."""
        return cls(
            settings.llm_base_url,
            settings.llm_model,
            settings.llm_api_key,
            timeout=settings.llm_timeout,
        )

    @property
    def url(self) -> str:
        return f"{self.base_url}/chat/completions"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ChatClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def complete(self, messages: list[Message], **params: Any) -> str:
        """The model's whole reply to `messages`."""
        with self._open(messages, stream=False, params=params) as response:
            try:
                response.read()
                data = response.json()
                content = data["choices"][0]["message"]["content"]
            except httpx.TimeoutException as exc:
                raise self._error(f"no reply within {self._timeout_s} s") from exc
            except httpx.HTTPError as exc:
                raise self._error(f"the reply broke off ({exc.__class__.__name__})") from exc
            except (ValueError, KeyError, IndexError, TypeError) as exc:
                raise self._error("the reply is not a chat completion") from exc
        if not isinstance(content, str):
            raise self._error("the reply has no text")
        return content

    def stream(self, messages: list[Message], **params: Any) -> Iterator[str]:
        """The model's reply to `messages` in pieces, as the server sends them."""
        with self._open(messages, stream=True, params=params) as response:
            if "text/event-stream" not in response.headers.get("content-type", ""):
                # A server that ignores "stream": one JSON reply.
                yield from self._whole_reply_as_stream(response)
                return
            try:
                for line in response.iter_lines():
                    piece = self._event_text(line)
                    if piece is None:
                        return
                    if piece:
                        yield piece
            except httpx.TimeoutException as exc:
                raise self._error(f"the stream stalled for {self._timeout_s} s") from exc
            except httpx.HTTPError as exc:
                raise self._error(f"the stream broke off ({exc.__class__.__name__})") from exc

    # ------------------------------------------------------------------ internals

    @property
    def _timeout_s(self) -> float:
        return float(self._http.timeout.read or 0)

    def _error(self, reason: str) -> ModelError:
        return ModelError(self.base_url, reason)

    def _payload(self, messages: list[Message], stream: bool, params: dict) -> dict:
        if self.fold_system:
            messages = _fold_system(messages)
        payload: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "stream": stream,
        }
        payload.update(params)
        return payload

    def _open(self, messages: list[Message], stream: bool, params: dict):
        """A context manager over a response with a 2xx status, after retries."""
        payload = self._payload(messages, stream, params)
        attempt = 0
        while True:
            request = self._http.build_request("POST", self.url, json=payload)
            try:
                response = self._http.send(request, stream=True)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                if attempt < self.retries:
                    attempt += 1
                    self._sleep(attempt, None)
                    continue
                raise self._error(f"cannot connect ({exc.__class__.__name__})") from exc
            except httpx.TimeoutException as exc:
                raise self._error(f"no reply within {self._timeout_s} s") from exc
            except httpx.HTTPError as exc:
                raise self._error(f"request failed ({exc.__class__.__name__})") from exc
            if response.status_code < 300:
                return _Closing(response)
            detail = _error_detail(response)
            response.close()
            if response.status_code in RETRY_STATUSES and attempt < self.retries:
                attempt += 1
                self._sleep(attempt, response.headers.get("retry-after"))
                continue
            raise self._error(f"HTTP {response.status_code}{detail}")

    def _sleep(self, attempt: int, retry_after: str | None) -> None:
        delay = self.backoff * 2 ** (attempt - 1)
        if retry_after and retry_after.strip().isdigit():
            delay = max(delay, float(retry_after))
        time.sleep(min(delay, MAX_BACKOFF))

    def _event_text(self, line: str) -> str | None:
        """The text in one SSE line: "" for lines without any, None at "[DONE]"."""
        line = line.strip()
        if not line.startswith("data:"):
            return ""  # blank separators, ": comments", "event:" lines
        data = line[len("data:") :].strip()
        if data == "[DONE]":
            return None
        try:
            event = json.loads(data)
        except ValueError as exc:
            raise self._error("the stream sent an event that is not JSON") from exc
        if isinstance(event, dict) and event.get("error"):
            raise self._error(f"the server reported an error: {_short(event['error'])}")
        try:
            choice = event["choices"][0] if event["choices"] else {}
        except (KeyError, TypeError) as exc:
            raise self._error("the stream sent an event that is not a chat chunk") from exc
        delta = choice.get("delta") or {}
        text = delta.get("content") if isinstance(delta, dict) else None
        if text is None:
            text = choice.get("text")  # completions-style chunks
        return text if isinstance(text, str) else ""

    def _whole_reply_as_stream(self, response: httpx.Response) -> Iterator[str]:
        try:
            response.read()
            content = response.json()["choices"][0]["message"]["content"]
        except httpx.TimeoutException as exc:
            raise self._error(f"no reply within {self._timeout_s} s") from exc
        except (httpx.HTTPError, ValueError, KeyError, IndexError, TypeError) as exc:
            raise self._error("the reply is not a chat completion") from exc
        if isinstance(content, str) and content:
            yield content


class _Closing:
    """`with` over an httpx streaming response that closes it on exit."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response

    def __enter__(self) -> httpx.Response:
        return self.response

    def __exit__(self, *exc: object) -> None:
        self.response.close()


def _fold_system(messages: list[Message]) -> list[Message]:
    system = "\n\n".join(m.content for m in messages if m.role == "system")
    rest = [m for m in messages if m.role != "system"]
    if not system:
        return rest
    at = next((i for i, m in enumerate(rest) if m.role == "user"), None)
    if at is None:
        return [Message("user", system), *rest]
    rest[at] = Message("user", f"{system}\n\n{rest[at].content}")
    return rest


def _error_detail(response: httpx.Response) -> str:
    try:
        response.read()
        body = response.json()
        message = body.get("error", body) if isinstance(body, dict) else body
        return f": {_short(message)}"
    except Exception:  # noqa: BLE001 - the status alone is enough
        return ""


def _short(value: object) -> str:
    if isinstance(value, dict):
        value = value.get("message", value)
    text = " ".join(str(value).split())
    return text[:200]
