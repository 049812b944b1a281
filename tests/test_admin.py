"""Roles: anyone may ask; the Library page shows its upload, remove and re-index controls
only to the administrator (a password, or a sign-in through the identity provider)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from peerchat import manage
from peerchat.admin import (
    admin_by_password,
    admin_by_sign_in,
    admin_mode,
    require_admin,
)
from peerchat.core.errors import NotAuthorised
from peerchat.core.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
LIBRARY_PAGE = str(ROOT / "app_pages" / "1_Library.py")
TEXTS = Path(__file__).resolve().parent / "data" / "text"
BEDFORD = (TEXTS / "bedford-borough-cpc-action-plan-2024.txt").read_bytes()
LAMBETH = (TEXTS / "lambeth-cpc-feedback-2016.md").read_bytes()
PASSWORD = "tr0ub4dor&3 horse"
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a-long-random-test-cookie-secret",
    "client_id": "peerchat",
    "client_secret": "not-a-real-secret",
    "server_metadata_url": "https://id.example.org/.well-known/openid-configuration",
}


# --- the proof ----------------------------------------------------------------------------


def test_the_password_proves_the_administrator_and_nothing_else_does() -> None:
    settings = Settings(admin_password=PASSWORD)
    assert require_admin(admin_by_password(settings, PASSWORD)).who == "administrator"
    for wrong in ("", "tr0ub4dor&3", PASSWORD + " ", PASSWORD.upper(), "\ud800"):
        with pytest.raises(NotAuthorised, match="wrong administrator password") as caught:
            admin_by_password(settings, wrong)
        assert PASSWORD not in str(caught.value)
    with pytest.raises(NotAuthorised, match="no administrator password is set"):
        admin_by_password(Settings(), "")


def test_the_password_is_never_in_the_settings_repr() -> None:
    settings = Settings.from_env({"PEERCHAT_ADMIN_PASSWORD": PASSWORD})
    assert settings.admin_password == PASSWORD
    assert PASSWORD not in repr(settings) and "admin_password" not in repr(settings)
    assert PASSWORD not in repr(admin_by_password(settings, PASSWORD))


def test_a_sign_in_proves_the_administrator_when_allowed() -> None:
    anyone = Settings()
    assert admin_by_sign_in(anyone, True, "officer@council.gov.uk").who == "officer@council.gov.uk"
    with pytest.raises(NotAuthorised, match="not signed in"):
        admin_by_sign_in(anyone, False, "officer@council.gov.uk")
    listed = Settings(admin_emails="Admin@Council.gov.uk, second@council.gov.uk")
    assert admin_by_sign_in(listed, True, "admin@council.gov.uk")
    with pytest.raises(NotAuthorised, match="officer@council.gov.uk is not an administrator"):
        admin_by_sign_in(listed, True, "officer@council.gov.uk")


def test_the_mode_follows_what_is_configured() -> None:
    assert admin_mode(Settings(), identity_provider=False) == "none"
    assert admin_mode(Settings(admin_password="x"), identity_provider=False) == "password"
    assert admin_mode(Settings(admin_password="x"), identity_provider=True) == "sign-in"


# --- the Library page -----------------------------------------------------------------------


@pytest.fixture
def library_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, hash_embedder) -> Settings:
    """A small library (two text exports, the hash embedder) the page opens."""
    settings = Settings(
        index_dir=tmp_path / "index",
        reports_dir=tmp_path / "reports",
        embedder="hash",
        admin_password="built-by-the-fixture",
    )
    settings.reports_dir.mkdir()
    (settings.reports_dir / "bedford.txt").write_bytes(BEDFORD)
    admin = admin_by_password(settings, "built-by-the-fixture")
    assert manage.reindex(admin, settings, hash_embedder).ingested == ("bedford.txt",)
    monkeypatch.setenv("PEERCHAT_INDEX_DIR", str(settings.index_dir))
    monkeypatch.setenv("PEERCHAT_REPORTS_DIR", str(settings.reports_dir))
    monkeypatch.setenv("PEERCHAT_EMBEDDER", "hash")
    return settings.with_(admin_password="")


def _page(secrets: dict | None = None, user: dict | None = None) -> AppTest:
    at = AppTest.from_file(LIBRARY_PAGE, default_timeout=60)
    if secrets is not None:
        at.secrets = secrets
    if user is not None:
        at.user = user
    at.run()
    assert not at.exception, at.exception
    return at


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def _shown(at: AppTest) -> str:
    """Every piece of text on the page."""
    parts = [
        e.value
        for kind in ("markdown", "caption", "info", "warning", "error", "success")
        for e in getattr(at, kind)
    ]
    return "\n".join(str(p) for p in parts)


def _change_controls(at: AppTest) -> list[str]:
    labels = [b.label for b in at.button]
    return [
        label
        for label in labels
        if label in ("Add to the library", "Remove from the library")
        or label.startswith("Re-read the reports folder")
    ] + ["uploader"] * len(at.file_uploader)


def test_without_an_administrator_the_library_is_read_only(library_env: Settings) -> None:
    at = _page()
    assert len(at.dataframe[0].value) == 1, "the library is listed for anyone"
    assert _change_controls(at) == []
    assert not at.text_input, "no password to give"
    notice = at.info[0].value
    assert "read-only" in notice and "Whoever runs this app can set one up" in notice
    assert "PEERCHAT" not in notice, "no server settings in the officer's message"
    how = at.expander[0]
    assert how.label == "Setting up an administrator (for whoever runs this app)"
    assert "PEERCHAT_ADMIN_PASSWORD" in how.markdown[0].value and "[auth]" in how.markdown[0].value


def test_the_password_opens_the_controls_and_they_work(
    library_env: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PEERCHAT_ADMIN_PASSWORD", PASSWORD)
    at = _page()
    assert _change_controls(at) == [], "nothing to change before signing in"
    at.text_input(key="admin_password").set_value(PASSWORD)
    _button(at, "Sign in").click().run()
    assert not at.exception
    assert "Signed in as administrator" in _shown(at)
    assert sorted(_change_controls(at)) == [
        "Add to the library",
        "Re-read the reports folder",
        "Remove from the library",
        "uploader",
    ]
    assert "The reports folder holds 1 report file." in _shown(at)

    # Add a report by uploading it.
    at.file_uploader[0].set_value(("lambeth.md", LAMBETH, "text/markdown"))
    _button(at, "Add to the library").click().run()
    assert not at.exception
    assert any("Added 1 report(s): lambeth" in s.value for s in at.success), _shown(at)
    assert sorted(p.name for p in library_env.reports_dir.iterdir()) == [
        "bedford.txt",
        "lambeth.md",
    ]
    assert len(at.dataframe[0].value) == 2

    # Remove one: it needs confirming (the choice stays while the box is ticked), then its
    # file is set aside.
    at.selectbox(key="remove_file").set_value("bedford.txt")
    _button(at, "Remove from the library").click().run()
    assert any("Tick the box to confirm that bedford" in w.value for w in at.warning), _shown(at)
    assert (library_env.reports_dir / "bedford.txt").exists()
    assert at.selectbox(key="remove_file").value == "bedford.txt", "the choice is kept"
    at.checkbox(key="remove_sure").check()
    _button(at, "Remove from the library").click().run()
    assert not at.exception
    removed = next(s.value for s in at.success if "Removed bedford" in s.value)
    assert "whoever runs this app can put it back" in removed
    assert str(library_env.removed_dir) not in removed.replace("\\", ""), "no server paths"
    assert at.selectbox(key="remove_file").value is None, "the form starts afresh"
    assert [p.name for p in library_env.reports_dir.iterdir()] == ["lambeth.md"]
    assert (library_env.removed_dir / "bedford.txt").read_bytes() == BEDFORD
    assert list(at.dataframe[0].value["file"]) == ["lambeth.md"]

    # A report copied into the folder by hand is read on the first click (the page was
    # drawn before the file arrived), and the page says so.
    (library_env.reports_dir / "bedford-copy.txt").write_bytes(BEDFORD)
    _button(at, "Re-read the reports folder").click().run()
    assert not at.exception
    assert sorted(at.dataframe[0].value["file"]) == ["bedford-copy.txt", "lambeth.md"]
    assert [s.value for s in at.success] == [
        "Done\\: 1 new or changed report was read into the library\\. "
        "The library now holds 2 reports \\(2 pages\\)\\."
    ]

    # Signing out closes the controls again.
    _button(at, "Sign out").click().run()
    assert _change_controls(at) == []
    assert PASSWORD not in _shown(at)


def test_a_wrong_password_is_refused_and_not_echoed(
    library_env: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PEERCHAT_ADMIN_PASSWORD", PASSWORD)
    at = _page()
    at.text_input(key="admin_password").set_value("guess-" + PASSWORD[:6])
    _button(at, "Sign in").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["That is not the administrator password."]
    assert _change_controls(at) == []
    assert "guess-" not in _shown(at) and PASSWORD not in _shown(at)
    field = at.text_input(key="admin_password")
    assert field.proto.type == field.proto.PASSWORD, "typed as a password: shown as dots"


def test_with_an_identity_provider_a_signed_in_user_is_the_administrator(
    library_env: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PEERCHAT_ADMIN_PASSWORD", PASSWORD)  # ignored: sign-in wins
    out = _page(secrets={"auth": AUTH}, user={"is_logged_in": False})
    assert _change_controls(out) == []
    assert [b.label for b in out.button] == ["Sign in"]
    assert not out.text_input, "no password where there is sign-in"

    signed_in = _page(
        secrets={"auth": AUTH}, user={"is_logged_in": True, "email": "officer@council.gov.uk"}
    )
    assert "Signed in as officer@council.gov.uk" in _shown(signed_in).replace("\\", "")
    assert "uploader" in _change_controls(signed_in)


def test_with_an_allow_list_other_signed_in_users_are_not_the_administrator(
    library_env: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PEERCHAT_ADMIN_EMAILS", "head.of.policy@council.gov.uk")
    at = _page(
        secrets={"auth": AUTH}, user={"is_logged_in": True, "email": "officer@council.gov.uk"}
    )
    assert _change_controls(at) == []
    assert "is not an administrator" in at.warning[0].value
    ok = _page(
        secrets={"auth": AUTH},
        user={"is_logged_in": True, "email": "Head.Of.Policy@council.gov.uk"},
    )
    assert "uploader" in _change_controls(ok)


def test_the_chat_page_offers_no_build_button_to_anyone_but_the_administrator(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PEERCHAT_INDEX_DIR", str(tmp_path / "no-index"))
    monkeypatch.setenv("PEERCHAT_EMBEDDER", "hash")
    monkeypatch.setenv("PEERCHAT_ADMIN_PASSWORD", PASSWORD)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert not at.button
    assert any("Sign in as the administrator on the Library page" in c.value for c in at.caption)


# --- password guesses are slowed (issue 14, item 5) -----------------------------------------


def test_wrong_passwords_are_slowed_per_key_and_a_wait_compares_nothing() -> None:
    from peerchat.admin import Throttle, TooManyAttempts

    now = [1000.0]
    throttle = Throttle(free=5, delay=10.0, cap=60.0, clock=lambda: now[0])
    settings = Settings(admin_password=PASSWORD)
    mine, other = ("session:a", "client:10.0.0.1"), ("session:b", "client:10.0.0.2")
    for _ in range(5):
        with pytest.raises(NotAuthorised, match="wrong administrator password"):
            admin_by_password(settings, "guess", throttle, mine)
    # The sixth try, even with the right password, waits: it is not compared at all.
    with pytest.raises(TooManyAttempts) as caught:
        admin_by_password(settings, PASSWORD, throttle, mine)
    assert caught.value.seconds == 10.0
    assert admin_by_password(settings, PASSWORD, throttle, other).who == "administrator"
    # A new session from the same client waits too.
    with pytest.raises(TooManyAttempts):
        admin_by_password(settings, PASSWORD, throttle, ("session:c", "client:10.0.0.1"))
    now[0] += 10.0
    with pytest.raises(NotAuthorised, match="wrong administrator password"):
        admin_by_password(settings, "guess", throttle, mine)
    with pytest.raises(TooManyAttempts) as caught:
        admin_by_password(settings, "guess", throttle, mine)
    assert caught.value.seconds == 20.0, "the delay doubles with each failure"
    for _ in range(10):
        now[0] += 1000.0
        with pytest.raises(NotAuthorised):
            admin_by_password(settings, "guess", throttle, mine)
    assert throttle.wait(mine) == 60.0, "up to the cap"
    now[0] += 60.0
    assert admin_by_password(settings, PASSWORD, throttle, mine).who == "administrator"
    assert throttle.wait(mine) == 0.0, "a right password clears the count"


def test_the_library_page_slows_guesses_and_logs_each_with_a_session_id(
    library_env: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    from peerchat import ui

    monkeypatch.setenv("PEERCHAT_ADMIN_PASSWORD", PASSWORD)
    caplog.set_level(logging.INFO, logger="peerchat")
    ui.password_throttle().clear()
    try:
        at = _page()
        guesses = [f"guess-{i}-{PASSWORD[:4]}" for i in range(6)]
        for guess in guesses:
            at.text_input(key="admin_password").set_value(guess)
            _button(at, "Sign in").click().run()
            assert not at.exception
        assert [e.value for e in at.error][-1].startswith("Too many wrong passwords: wait ")
        at.text_input(key="admin_password").set_value(PASSWORD)
        _button(at, "Sign in").click().run()
        assert _change_controls(at) == [], "the right password waits its turn too"
        refused = [r for r in caplog.records if r.getMessage() == "admin_sign_in_refused"]
        delayed = [r for r in caplog.records if r.getMessage() == "admin_sign_in_delayed"]
        assert (len(refused), len(delayed)) == (5, 2)
        sessions = {r.fields["session"] for r in refused + delayed}
        assert len(sessions) == 1 and len(next(iter(sessions))) == 12
        logged = " ".join(f"{r.getMessage()} {getattr(r, 'fields', '')}" for r in caplog.records)
        assert not any(g in logged for g in guesses) and PASSWORD not in logged
    finally:
        ui.password_throttle().clear()
