"""How much reading one report file may cost: time, pages, text and memory.

A file over a limit is skipped with the reason (UnreadableReport), never half-read. The
defaults are those of `Settings` (PEERCHAT_PARSE_TIMEOUT, PEERCHAT_MAX_PAGES,
PEERCHAT_MAX_TEXT_CHARS, PEERCHAT_PARSE_MEMORY_MB).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReadLimits:
    # Seconds to read one PDF, in a worker process. None reads in this process, with no
    # time or memory limit (for tests and debugging).
    timeout: float | None = 60.0
    max_pages: int = 500
    max_text_chars: int = 5_000_000
    # Memory the PDF worker may take on top of what it starts with (decompression bombs).
    max_memory_mb: int = 1024

    def __post_init__(self) -> None:
        for name in ("max_pages", "max_text_chars", "max_memory_mb"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, not {getattr(self, name)}")
        if self.timeout is not None and self.timeout <= 0:
            raise ValueError(f"timeout must be positive, not {self.timeout}")
