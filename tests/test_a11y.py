"""Accessibility: axe-core 4 (vendored in tests/axe/) through axe-selenium-python on every
page of the app, at 1400×1000 and 412×915, both as the page opens and with the viewport
stretched to the page's full height (axe leaves what is scrolled out of view unchecked).
No violation of impact serious or critical may remain.

The sweep (marker a11y) runs with `make a11y`, which also writes a table of every
violation found, of any impact, to a11y-report.md; the default suite checks the answered
page only (tests/test_browser.py) and the vendored file's integrity (here).
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

import pytest

from tests import browser_kit as kit

# axe-core publishes the SRI hash of each release's axe.min.js (sri-history.json).
AXE_VERSION = "4.14.1"
AXE_SRI = "sha256-KTSJmUUM3yhJqOcLeRL8LahahJ2jnA0NU5T1HUqe2Vw="
PASSWORD = "a-test-administrator-password"
QUESTION = "which councils were told to narrow priorities"
# Read at import: the test session's fixtures clear PEERCHAT_* variables.
REPORT = os.environ.get("PEERCHAT_A11Y_REPORT", "")
PAGES = {
    "Ask, answered, a source open": ("/", "Peer Challenge Assistant"),
    "Library": ("/Library", "Library"),
    "Library, signed in as administrator": ("/Library", "Library"),
    "Recommendations": ("/Recommendations", "Recommendations"),
    "Signposted practice": ("/Signposted_practice", "Signposted practice"),
    "Council briefing": ("/Council_briefing", "Council briefing"),
}


def test_the_vendored_axe_core_is_the_published_file() -> None:
    data = kit.AXE_SCRIPT.read_bytes()
    assert data.startswith(f"/*! axe v{AXE_VERSION}".encode()), data[:40]
    digest = "sha256-" + base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert digest == AXE_SRI, "tests/axe/axe.min.js is not axe-core's published file"
    licence = (kit.AXE_SCRIPT.parent / "LICENSE").read_text()
    assert licence.startswith("Mozilla Public License, version 2.0")


@pytest.fixture(scope="module")
def a11y_server(app_index: Path, tmp_path_factory: pytest.TempPathFactory):
    if not kit.have_chromium():
        pytest.skip(kit.INSTALL_HINT)
    env = {
        "PEERCHAT_INDEX_DIR": str(app_index),
        "PEERCHAT_REPORTS_DIR": str(kit.ROOT / "data" / "reports"),
        "PEERCHAT_ADMIN_PASSWORD": PASSWORD,
    }
    server = kit.AppServer(env, tmp_path_factory.mktemp("a11y") / "server.log").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def findings():
    """Every violation found, by page; written to $PEERCHAT_A11Y_REPORT at the end."""
    found: dict[str, list[dict]] = {}
    yield found
    if REPORT:
        Path(REPORT).write_text(_report(found), encoding="utf-8")


def _report(found: dict[str, list[dict]]) -> str:
    lines = [
        f"# axe-core {AXE_VERSION}: violations on each page",
        "",
        "| page | viewport | rule | impact | nodes | first target |",
        "|---|---|---|---|---|---|",
    ]
    for where, violations in found.items():
        page, viewport = where.rsplit(" @ ", 1)
        if not violations:
            lines.append(f"| {page} | {viewport} | none | | | |")
        for v in violations:
            target = " ".join(str(t) for t in v["targets"][0])[-70:].replace("|", "\\|")
            lines.append(
                f"| {page} | {viewport} | {v['rule']} | {v['impact']} | {v['nodes']} | `{target}` |"
            )
    return "\n".join(lines) + "\n"


def _sign_in(driver) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    field = kit.wait_for(
        driver, lambda d: d.find_element(By.CSS_SELECTOR, f"{kit.MAIN} input[type='password']")
    )
    field.send_keys(PASSWORD, Keys.ENTER)
    kit.wait_for(driver, lambda d: "Signed in as" in kit.main_text(d) and kit.idle(d))


@pytest.mark.a11y
@pytest.mark.browser
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
@pytest.mark.parametrize("page", list(PAGES))
def test_no_serious_violations(
    a11y_server: kit.AppServer, chrome, findings: dict, page: str, viewport: str
) -> None:
    path, title = PAGES[page]
    kit.set_viewport(chrome, viewport)
    kit.open_page(chrome, a11y_server.url + path, title)
    if page.startswith("Ask"):
        kit.ask(chrome, QUESTION)
        link = chrome.execute_script("return document.querySelector(\"a[href='#source-a0-1']\");")
        kit.click(chrome, link)
        kit.wait_for(chrome, lambda d: kit.page_shown(d, "source-a0-1"), what="source 1")
    if "administrator" in page:
        _sign_in(chrome)
    at_viewport = kit.axe_violations(chrome, impacts=("minor", "moderate", "serious", "critical"))
    kit.set_viewport(chrome, viewport, height=min(kit.page_height(chrome) + 40, 12_000))
    kit.wait_for(chrome, kit.idle)
    full_height = kit.axe_violations(chrome, impacts=("minor", "moderate", "serious", "critical"))
    kit.set_viewport(chrome, viewport)
    findings[f"{page} @ {viewport}"] = at_viewport
    findings[f"{page} (full height) @ {viewport}"] = full_height
    serious = [v for v in at_viewport + full_height if v["impact"] in ("serious", "critical")]
    assert serious == [], serious
