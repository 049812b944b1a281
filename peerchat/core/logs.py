"""Structured logs: one JSON object per line for each ingest step and each question
answered, configured from `Settings` at the edge (the CLI, the app, the server).

Code that logs takes a standard logger under "peerchat" and calls
`event(log, "file_read", file=..., seconds=...)`. Nothing is written until `configure`
attaches a handler, so library use and unit tests stay quiet. Logs go to stderr or a file,
never to stdout: stdout is for results.

    {"ts": "2026-11-26T21:07:03.123Z", "level": "info", "logger": "peerchat.ingest",
     "event": "file_read", "file": "lambeth.pdf", "pages": 12, "passages": 33, "seconds": 0.41}
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from peerchat.core.errors import PeerchatError
from peerchat.core.settings import Settings

ROOT_LOGGER = "peerchat"
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def event(logger: logging.Logger, name: str, level: int = logging.INFO, **fields: object) -> None:
    """Log the event `name` with its fields (JSON-ready values) as one structured record."""
    if logger.isEnabledFor(level):
        logger.log(level, name, extra={"fields": fields})


def question_fields(settings: Settings, question: str) -> dict[str, object]:
    """How a question appears in a log record: its text, or only its length when
    `settings.log_questions` is off."""
    if settings.log_questions:
        return {"question": question}
    return {"question_chars": len(question)}


class FinishedIngest(Protocol):
    """What `ingest_finished` logs of an ingest (an index build's summary has it)."""

    ingested: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]
    skipped: tuple[tuple[str, str], ...]
    reports: int
    passages: int
    embedded: int
    seconds: float


def ingest_finished(summary: FinishedIngest) -> None:
    """Log the end of an ingest with its counts (the CLI and the app call this)."""
    event(
        logging.getLogger("peerchat.ingest"),
        "ingest_finished",
        ingested=len(summary.ingested),
        unchanged=len(summary.unchanged),
        removed=len(summary.removed),
        skipped=len(summary.skipped),
        reports=summary.reports,
        passages=summary.passages,
        embedded=summary.embedded,
        seconds=round(summary.seconds, 4),
    )


def seconds_since(started: float) -> float:
    """Seconds since `started` (a time.monotonic() reading), rounded for the log."""
    return round(time.monotonic() - started, 4)


class JsonLines(logging.Formatter):
    """A record as one JSON object: time, level, logger, event, then the event's fields."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        data: dict[str, object] = {
            "ts": f"{stamp}.{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
            "pid": record.process,
        }
        data.update(getattr(record, "fields", {}))
        if record.exc_info:
            data["error"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is when a record arrives (click's test runner and
    Streamlit swap it), not the stream that was current when it was configured."""

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, value: object) -> None:
        pass


@dataclass(frozen=True)
class KillPoint:
    """Tests only: the logged step at which a process SIGKILLs itself.

    "file_read:3" kills at the third `file_read` event; "generation_started+5" kills 5 ms
    after the first `generation_started` event (somewhere inside the steps that follow).
    """

    event: str
    nth: int = 1
    delay_ms: float = 0.0

    @classmethod
    def parse(cls, spec: str) -> KillPoint:
        head, _, delay = spec.partition("+")
        name, _, nth = head.partition(":")
        try:
            return cls(name.strip(), int(nth or 1), float(delay or 0))
        except ValueError as exc:
            raise PeerchatError(
                f"PEERCHAT_TEST_KILL_AT={spec!r} is not EVENT[:N][+MS], e.g. 'file_read:2'"
            ) from exc


class _KillHandler(logging.Handler):
    """SIGKILLs this process at its `KillPoint`. Installed only when
    `settings.test_kill_at` is set: the crash tests use it to stop an ingest at an exact step."""

    def __init__(self, point: KillPoint) -> None:
        super().__init__(logging.DEBUG)
        self.point = point
        self.seen = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage() != self.point.event:
            return
        self.seen += 1
        if self.seen != self.point.nth:
            return
        if self.point.delay_ms:
            timer = threading.Timer(self.point.delay_ms / 1000, _kill_self)
            timer.daemon = True
            timer.start()
        else:
            _kill_self()


def _kill_self() -> None:
    os.kill(os.getpid(), signal.SIGKILL)  # no flushing, no cleanup: as if killed from outside


def configure(settings: Settings) -> list[logging.Handler]:
    """Send peerchat's events, as JSON lines, to `settings.log_file` (appended) or stderr at
    `settings.log_level`. Replaces the handlers of an earlier call; returns the new ones
    (pass them to `detach` when done)."""
    level_name = settings.log_level.strip().upper()
    if level_name not in LEVELS:
        raise PeerchatError(
            f"PEERCHAT_LOG_LEVEL={settings.log_level!r} is not a level: use {', '.join(LEVELS)}"
        )
    level = logging.getLevelName(level_name)
    logger = logging.getLogger(ROOT_LOGGER)
    detach([h for h in logger.handlers if getattr(h, "_peerchat", False)])
    if settings.log_file:
        try:
            output: logging.Handler = logging.FileHandler(settings.log_file, encoding="utf-8")
        except OSError as exc:
            raise PeerchatError(
                f"cannot write the log file {settings.log_file} ({exc.strerror or exc})"
            ) from exc
    else:
        output = _StderrHandler()
    output.setLevel(level)
    output.setFormatter(JsonLines())
    handlers = [output]
    if settings.test_kill_at:
        handlers.append(_KillHandler(KillPoint.parse(settings.test_kill_at)))
    logger.setLevel(logging.DEBUG if settings.test_kill_at else level)
    logger.propagate = False
    for handler in handlers:
        handler._peerchat = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    return handlers


def detach(handlers: Sequence[logging.Handler]) -> None:
    """Remove handlers that `configure` attached, closing any log file."""
    logger = logging.getLogger(ROOT_LOGGER)
    for handler in handlers:
        logger.removeHandler(handler)
        handler.close()
    if not any(getattr(h, "_peerchat", False) for h in logger.handlers):
        logger.setLevel(logging.NOTSET)
        logger.propagate = True
