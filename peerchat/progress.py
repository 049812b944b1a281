"""A progress bar on stderr for long ingests (silent when not wanted)."""

from __future__ import annotations

import sys
from types import TracebackType

LABELS = {
    "checking": "Checking files",
    "reading": "Reading reports",
    "embedding": "Embedding passages and sentences",
    "indexing": "Writing the index",
}
UNITS = {"checking": "file", "reading": "file", "embedding": "text", "indexing": "step"}


class StderrProgress:
    """Callable as `progress(stage, done, total)`; draws one tqdm bar per stage on stderr."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled and sys.stderr is not None
        self._bar = None
        self._stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled or total == 0:
            return
        if stage != self._stage:
            self._close()
            from tqdm import tqdm

            self._stage = stage
            self._bar = tqdm(
                total=total,
                desc=LABELS.get(stage, stage),
                unit=UNITS.get(stage, "item"),
                file=sys.stderr,
                leave=False,
                dynamic_ncols=True,
            )
        if self._bar is not None and done > self._bar.n:
            self._bar.update(done - self._bar.n)

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> StderrProgress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._close()
