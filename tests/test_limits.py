"""What one report file may cost to read: pages, text, memory (decompression bombs), time;
a file over a limit is skipped with the reason, and the rest of an ingest goes on."""

from __future__ import annotations

from pathlib import Path

import pytest

from peerchat.core.errors import PeerchatError, UnreadableReport
from peerchat.core.limits import ReadLimits
from peerchat.core.settings import Settings
from peerchat.index.build import ingest_paths
from peerchat.ingest.report import read_report
from tests.pdf_maker import bomb_pdf, text_pdf

TEXT_REPORT = Path(__file__).resolve().parent / "data" / "text"


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def _refused(path: Path, limits: ReadLimits) -> str:
    with pytest.raises(UnreadableReport) as caught:
        read_report(path, limits=limits)
    assert caught.value.path == path
    return caught.value.reason


def test_a_pdf_over_the_page_limit_is_refused(tmp_path: Path) -> None:
    topics = ("housing", "transport", "planning", "waste", "leisure", "libraries")
    path = _write(tmp_path, "long.pdf", text_pdf([f"The council's plan for {t}." for t in topics]))
    assert _refused(path, ReadLimits(max_pages=5)) == "6 pages, more than the limit of 5"
    assert read_report(path, limits=ReadLimits(max_pages=6)).n_pages == 6


def test_a_pdf_over_the_text_limit_is_refused_on_the_page_it_passes_it(tmp_path: Path) -> None:
    line = "The council has a clear plan and the peer team heard about it. " * 3
    path = _write(tmp_path, "wordy.pdf", text_pdf([line] * 4))
    reason = _refused(path, ReadLimits(max_text_chars=int(len(line) * 2.5)))
    assert reason.startswith(f"more than {int(len(line) * 2.5):,} characters of text")
    assert reason.endswith("reached on page 3 of 4"), reason


def test_a_text_export_over_the_limits_is_refused(tmp_path: Path) -> None:
    text = (TEXT_REPORT / "bedford-borough-cpc-action-plan-2024.txt").read_text()
    path = _write(tmp_path, "plan.txt", text.encode())
    chars = len(text.replace("\r", ""))
    reason = _refused(path, ReadLimits(max_text_chars=chars - 1))
    assert reason == f"{chars:,} characters of text, more than the limit of {chars - 1:,}"
    assert read_report(path, limits=ReadLimits(max_text_chars=chars)).text
    pages = _write(tmp_path, "pages.txt", "\f".join(["Some text on a page."] * 4).encode())
    assert _refused(pages, ReadLimits(max_pages=3)) == "4 pages, more than the limit of 3"
    # Far more bytes than the text limit could allow is refused before it is read.
    huge = _write(tmp_path, "huge.md", b"word " * 1000)
    assert _refused(huge, ReadLimits(max_text_chars=100)) == (
        "5,000 bytes of text, more than the limit of 100 characters"
    )


def test_a_decompression_bomb_is_stopped_by_pypdfs_limit(tmp_path: Path) -> None:
    # 100 MB of spaces in 100 kB: past pypdf's 75 MB output limit for one stream.
    path = _write(tmp_path, "bomb.pdf", bomb_pdf(100_000_000))
    assert path.stat().st_size < 200_000
    reason = _refused(path, ReadLimits(timeout=30))
    assert "decompression bomb" in reason and "page 1" in reason, reason


@pytest.mark.skipif(
    not Path("/proc/self/statm").exists(), reason="the memory ceiling is set on Linux only"
)
def test_a_decompression_bomb_under_pypdfs_limit_is_stopped_by_the_memory_budget(
    tmp_path: Path,
) -> None:
    # 60 MB inflated is under pypdf's own limit; with a 32 MB budget a stream may inflate
    # to 16 MB. Run twice: the outcome must not depend on the state of the parent's heap.
    path = _write(tmp_path, "bomb.pdf", bomb_pdf(60_000_000))
    for _ in range(2):
        reason = _refused(path, ReadLimits(timeout=30, max_memory_mb=32))
        assert "decompression bomb" in reason


def test_an_ingest_skips_files_over_the_limits_and_keeps_the_rest(
    tmp_path: Path, hash_embedder
) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    good = (TEXT_REPORT / "lambeth-cpc-feedback-2016.md").read_bytes()
    _write(folder, "lambeth.md", good)
    _write(folder, "bomb.pdf", bomb_pdf(100_000_000))
    _write(folder, "long.pdf", text_pdf(["A page of the report."] * 30))
    summary = ingest_paths(
        [folder],
        tmp_path / "index",
        hash_embedder,
        limits=ReadLimits(timeout=30, max_pages=20),
    )
    assert summary.ingested == ("lambeth.md",)
    reasons = dict(summary.skipped)
    assert set(reasons) == {"bomb.pdf", "long.pdf"}
    assert "decompression bomb" in reasons["bomb.pdf"]
    assert reasons["long.pdf"] == "30 pages, more than the limit of 20"


def test_settings_carry_the_limits_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "PEERCHAT_MAX_PAGES": "40",
            "PEERCHAT_MAX_TEXT_CHARS": "9000",
            "PEERCHAT_PARSE_TIMEOUT": "2.5",
            "PEERCHAT_PARSE_MEMORY_MB": "256",
            "PEERCHAT_MAX_UPLOAD_MB": "5",
        }
    )
    assert settings.read_limits == ReadLimits(
        timeout=2.5, max_pages=40, max_text_chars=9000, max_memory_mb=256
    )
    assert settings.max_upload_bytes == 5 * 1024 * 1024
    assert Settings().read_limits == ReadLimits(), "the defaults are the same in both places"
    with pytest.raises(PeerchatError, match=r"max_pages must be above zero \(PEERCHAT_MAX_PAGES\)"):
        Settings.from_env({"PEERCHAT_MAX_PAGES": "0"})


def test_a_file_that_hangs_the_reader_is_skipped_and_the_ingest_goes_on(
    tmp_path: Path, hash_embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from peerchat.ingest import pdf as ingest_pdf

    def forever(path, limits):
        while True:
            pass

    monkeypatch.setattr(ingest_pdf, "_extract", forever)
    folder = tmp_path / "reports"
    folder.mkdir()
    _write(folder, "lambeth.md", (TEXT_REPORT / "lambeth-cpc-feedback-2016.md").read_bytes())
    _write(folder, "slow.pdf", text_pdf(["The council's plan for housing."]))
    summary = ingest_paths(
        [folder], tmp_path / "index", hash_embedder, limits=ReadLimits(timeout=0.5)
    )
    assert summary.ingested == ("lambeth.md",)
    assert summary.skipped == (("slow.pdf", "reading took longer than 0.5 s (damaged PDF?)"),)
