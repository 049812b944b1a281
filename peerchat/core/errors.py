"""Domain errors. Each names the file or folder and the reason; only the CLI and the app
turn them into messages for people."""

from __future__ import annotations

from pathlib import Path


class PeerchatError(Exception):
    """Base of every error peerchat reports to a user."""


class UnreadableReport(PeerchatError):
    """A file that cannot be ingested: not a PDF, empty, encrypted, no text layer..."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path.name}: {reason}")


class IndexMissing(PeerchatError):
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        super().__init__(
            f"no index at {self.path}: build it with `peerchat ingest` "
            f"(or `peerchat ingest --index-dir {self.path} data/reports`)"
        )


class IndexIncompatible(PeerchatError):
    """An index from another version, another embedding model, or damaged."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(
            f"the index at {self.path} cannot be used ({reason}): rebuild it with "
            f"`peerchat ingest --rebuild --index-dir {self.path}`"
        )


class IndexDamaged(IndexIncompatible):
    """One file of an index generation cannot be read as it should (truncated, empty, not
    what its name says): `file` names it."""

    def __init__(self, index_dir: Path | str, file: Path | str, reason: str) -> None:
        self.file = Path(file)
        super().__init__(index_dir, f"its file {self.file} is damaged: {reason}")


class IndexUnwritable(PeerchatError):
    """The index cannot be written: a folder without write permission, a read-only or a
    full disk. `fix` says what to do."""

    def __init__(self, path: Path | str, reason: str, fix: str) -> None:
        self.path = Path(path)
        self.reason = reason
        self.fix = fix
        super().__init__(f"cannot write {self.path} ({reason}): {fix}")


class IngestRunning(PeerchatError):
    """Another process holds the index's build lock (and the caller chose not to wait)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        super().__init__(
            f"another ingest is updating {self.path}: wait for it to finish, "
            "or run this one without --no-wait to wait for it"
        )


class UnknownCouncil(PeerchatError):
    """A council name that cannot be placed: no council peerchat knows, or (`reason`) one
    with no report in the library. The CLI makes it a usage error (exit 2)."""

    def __init__(self, name: str, reason: str = "") -> None:
        self.name = name
        self.reason = reason or "not a council peerchat knows"
        super().__init__(
            f"{name!r}: {reason}" if reason else f"{name!r} is not a council peerchat knows"
        )


class InvalidFilter(PeerchatError):
    """A filter value that means nothing: a report type peerchat does not know, a `since`
    that is not a year or a date. `field` names it as the caller gave it ("report_type",
    "since"). The CLI makes it a usage error (exit 2); the server a 400."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


class LLMError(PeerchatError):
    """The language-model endpoint failed, timed out or returned nothing usable."""


class NotAuthorised(PeerchatError):
    """Changing the library (adding or removing reports, re-indexing) needs the administrator."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)
