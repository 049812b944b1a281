"""Changing the library (peerchat/manage.py): only with an Admin; uploads checked as
hostile (size, signature, names, limits); removal moves the file aside and re-indexes."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peerchat import manage
from peerchat.admin import Admin, admin_by_password
from peerchat.core.errors import NotAuthorised, PeerchatError
from peerchat.core.settings import Settings
from peerchat.index.store import Library
from tests.pdf_maker import bomb_pdf

TEXTS = Path(__file__).resolve().parent / "data" / "text"
BEDFORD = (TEXTS / "bedford-borough-cpc-action-plan-2024.txt").read_bytes()
LAMBETH = (TEXTS / "lambeth-cpc-feedback-2016.md").read_bytes()


@pytest.fixture
def fast_settings(tmp_path: Path) -> Settings:
    return Settings(
        index_dir=tmp_path / "library" / "index",
        reports_dir=tmp_path / "library" / "reports",
        embedder="hash",
        admin_password="correct horse",
    )


@pytest.fixture
def admin(fast_settings: Settings) -> Admin:
    return admin_by_password(fast_settings, "correct horse")


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


# --- only the administrator -------------------------------------------------------------


@pytest.mark.parametrize("pretender", [None, "admin", True, object()])
def test_every_change_refuses_without_an_admin(
    fast_settings: Settings, hash_embedder, pretender: object
) -> None:
    fast_settings.reports_dir.mkdir(parents=True)
    (fast_settings.reports_dir / "bedford.txt").write_bytes(BEDFORD)
    with pytest.raises(NotAuthorised, match="need the administrator"):
        manage.add_reports(pretender, [("lambeth.md", LAMBETH)], fast_settings, hash_embedder)
    with pytest.raises(NotAuthorised):
        manage.reindex(pretender, fast_settings, hash_embedder)
    with pytest.raises(NotAuthorised):
        manage.remove_report(pretender, "bedford.txt", fast_settings, hash_embedder)
    assert _files(fast_settings.reports_dir) == ["bedford.txt"], "nothing changed"
    assert not fast_settings.index_dir.exists(), "nothing indexed"


def test_an_admin_cannot_be_made_without_signing_in() -> None:
    with pytest.raises(NotAuthorised):
        Admin("administrator")
    with pytest.raises(NotAuthorised):
        Admin("administrator", object())


# --- adding -------------------------------------------------------------------------------


def test_add_reports_keeps_good_files_and_names_bad_ones(
    fast_settings: Settings, admin: Admin, hash_embedder
) -> None:
    calls: list[tuple[str, int, int]] = []
    result = manage.add_reports(
        admin,
        [
            ("notes.pdf", b"this is not really a pdf, no signature at all"),
            ("late.pdf", b" " * 1024 + b"%PDF-1.4 the signature comes too late"),
            ("fake.pdf", b"%PDF-1.4 a signature and nothing else"),
            ("empty.txt", b"   "),
            ("../../bedford.txt", BEDFORD),
        ],
        fast_settings,
        hash_embedder,
        progress=lambda stage, done, total: calls.append((stage, done, total)),
    )
    assert result.added == ("bedford.txt",)
    reasons = dict(result.skipped)
    assert set(reasons) == {"notes.pdf", "late.pdf", "fake.pdf", "empty.txt"}
    assert reasons["notes.pdf"] == "not a PDF (no %PDF header)"
    assert reasons["late.pdf"] == "not a PDF (no %PDF header)"
    assert "damaged" in reasons["fake.pdf"], reasons["fake.pdf"]
    assert reasons["empty.txt"] == "empty file"
    assert _files(fast_settings.reports_dir) == ["bedford.txt"]
    assert result.summary is not None and result.summary.ingested == ("bedford.txt",)
    assert calls and calls[-1] == ("indexing", 1, 1)
    assert any(stage == "embedding" and done == total > 0 for stage, done, total in calls)

    # The same content again is not added twice; a different file of the same name is
    # saved beside it, not over it.
    again = manage.add_reports(admin, [("other.txt", BEDFORD)], fast_settings, hash_embedder)
    assert again.added == () and again.summary is None
    assert again.skipped == (("other.txt", "already in the library as bedford.txt"),)
    renamed = manage.add_reports(admin, [("bedford.txt", LAMBETH)], fast_settings, hash_embedder)
    assert renamed.added == ("bedford-2.txt",)
    assert (fast_settings.reports_dir / "bedford.txt").read_bytes() == BEDFORD


def test_an_upload_over_the_size_limit_is_refused_unread(
    fast_settings: Settings, admin: Admin, hash_embedder
) -> None:
    small = fast_settings.with_(max_upload_mb=1)
    big = LAMBETH + b"\n" + b"More text. " * 100_000  # about 1.1 MB
    result = manage.add_reports(
        admin, [("big.md", big), ("bedford.txt", BEDFORD)], small, hash_embedder
    )
    assert result.added == ("bedford.txt",)
    assert result.skipped == (("big.md", "1.1 MB, more than the upload limit of 1 MB"),)


def test_an_upload_over_the_read_limits_is_refused(
    fast_settings: Settings, admin: Admin, hash_embedder
) -> None:
    limited = fast_settings.with_(max_text_chars=5_000, parse_timeout=30.0)
    result = manage.add_reports(
        admin,
        [("bomb.pdf", bomb_pdf(100_000_000)), ("lambeth.md", LAMBETH)],
        limited,
        hash_embedder,
    )
    assert result.added == ()
    reasons = dict(result.skipped)
    assert "decompression bomb" in reasons["bomb.pdf"]
    assert "more than the limit of 5,000" in reasons["lambeth.md"], reasons["lambeth.md"]
    assert _files(limited.reports_dir) == []


@pytest.mark.parametrize(
    ("upload", "saved"),
    [
        ("../../etc/x.txt", "x.txt"),
        ("..\\..\\windows\\x.txt", "x.txt"),
        ("/etc/passwd.txt", "passwd.txt"),
        ("a\x00b.txt", "a_b.txt"),
        (".hidden.txt", "hidden.txt"),
        ("..", "upload"),
        ("\u202etxt.exe.txt", "_txt.exe.txt"),
        ("  spaced   name .txt", "spaced name.txt"),
        ("x" * 300 + ".txt", "x" * 146 + ".txt"),
        ("-rf.txt", "rf.txt"),
    ],
)
def test_upload_names_land_safely_inside_the_reports_folder(
    upload: str, saved: str, tmp_path: Path
) -> None:
    name = manage.safe_name(upload)
    assert name == saved
    folder = tmp_path / "reports"
    assert (folder / name).resolve().parent == folder.resolve()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_upload_name_is_a_bare_visible_name(upload: str) -> None:
    name = manage.safe_name(upload)
    assert name and len(name) <= manage.MAX_NAME
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert not name.startswith((".", "-", " ")) and name not in (".", "..")
    assert Path(name).name == name


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.sampled_from([".pdf", ".txt", ".md", ".PDF"]))
def test_an_upload_name_keeps_its_extension(stem: str, extension: str) -> None:
    assert manage.safe_name(stem + "a" + extension).endswith("a" + extension)


def test_a_hostile_name_is_saved_inside_the_folder_and_never_over_a_report(
    fast_settings: Settings, admin: Admin, hash_embedder, tmp_path: Path
) -> None:
    manage.add_reports(admin, [("bedford.txt", BEDFORD)], fast_settings, hash_embedder)
    result = manage.add_reports(
        admin, [("../reports/bedford.txt", LAMBETH)], fast_settings, hash_embedder
    )
    assert result.added == ("bedford-2.txt",)
    assert (fast_settings.reports_dir / "bedford.txt").read_bytes() == BEDFORD
    outside = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.txt"))
    assert outside == ["library/reports/bedford-2.txt", "library/reports/bedford.txt"]


def test_a_failed_ingest_leaves_the_folder_as_it_was(
    fast_settings: Settings, admin: Admin, hash_embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(manage, "ingest_paths", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        manage.add_reports(admin, [("bedford.txt", BEDFORD)], fast_settings, hash_embedder)
    assert _files(fast_settings.reports_dir) == []


# --- removing -----------------------------------------------------------------------------


def test_remove_report_moves_the_file_aside_and_reindexes(
    fast_settings: Settings, admin: Admin, hash_embedder
) -> None:
    manage.add_reports(
        admin, [("bedford.txt", BEDFORD), ("lambeth.md", LAMBETH)], fast_settings, hash_embedder
    )
    library = Library.open(fast_settings.index_dir)
    assert manage.removable_files(library, fast_settings) == ["bedford.txt", "lambeth.md"]

    result = manage.remove_report(admin, "bedford.txt", fast_settings, hash_embedder)
    assert result.removed and result.summary.removed == ("bedford.txt",)
    assert result.kept_at == fast_settings.removed_dir / "bedford.txt"
    assert result.kept_at.read_bytes() == BEDFORD, "nothing is lost"
    assert fast_settings.removed_dir.parent == fast_settings.reports_dir.resolve().parent
    assert _files(fast_settings.reports_dir) == ["lambeth.md"]
    library = Library.open(fast_settings.index_dir)
    assert [s.report.source for s in library.stored] == ["lambeth.md"]

    # Added and removed again: the first copy in the holding folder is kept.
    manage.add_reports(admin, [("bedford.txt", BEDFORD)], fast_settings, hash_embedder)
    again = manage.remove_report(admin, "bedford.txt", fast_settings, hash_embedder)
    assert again.kept_at.name == "bedford-2.txt"
    assert _files(fast_settings.removed_dir) == ["bedford-2.txt", "bedford.txt"]


@pytest.mark.parametrize("name", ["", ".", "..", "../reports/lambeth.md", "missing.md", "a\x00b"])
def test_remove_report_refuses_what_is_not_a_report_in_the_folder(
    fast_settings: Settings, admin: Admin, hash_embedder, name: str
) -> None:
    manage.add_reports(admin, [("lambeth.md", LAMBETH)], fast_settings, hash_embedder)
    with pytest.raises(PeerchatError, match="not a report file in the reports folder"):
        manage.remove_report(admin, name, fast_settings, hash_embedder)
    assert _files(fast_settings.reports_dir) == ["lambeth.md"]


def test_a_failed_reindex_puts_the_removed_file_back(
    fast_settings: Settings, admin: Admin, hash_embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    manage.add_reports(admin, [("lambeth.md", LAMBETH)], fast_settings, hash_embedder)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(manage, "ingest_paths", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        manage.remove_report(admin, "lambeth.md", fast_settings, hash_embedder)
    assert _files(fast_settings.reports_dir) == ["lambeth.md"]
    assert _files(fast_settings.removed_dir) == []
