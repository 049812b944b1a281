"""The app in a real browser: `streamlit run app.py` driven by Debian's headless Chromium
(tests/browser_kit.py), at 1400×1000 and, emulating a phone, 412×915.

A bookmarked page opened first after a start; the first click on "Re-read the reports
folder"; an answer's [2] opening source 2; a session with the keyboard alone; a source's
printed page on a phone; axe-core on the answered page. `make screenshot` runs this file
with PEERCHAT_SCREENSHOT_DIR=docs to refresh the screenshots in docs/.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from tests import browser_kit as kit
from tests.conftest import SAMPLE_REPORTS

pytestmark = pytest.mark.browser

QUESTION = "which councils were told to narrow priorities"
TITLE = "Peer Challenge Assistant"
# Read at import: the test session's fixtures clear PEERCHAT_* variables.
SCREENSHOT_DIR = os.environ.get("PEERCHAT_SCREENSHOT_DIR", "")
TEXTS = Path(__file__).resolve().parent / "data" / "text"
COUNCILS = (
    "Bedford Borough Council",
    "Bromsgrove District Council",
    "Cambridge City Council",
    "Central Bedfordshire Council",
    "Lambeth London Borough Council",
)
PASSWORD = "a-test-administrator-password"
WIDE = 1000  # the page body at 1400 px: 1100 px wide in the wide layout, 736 in the narrow


def _shot(tmp_path: Path, name: str) -> Path:
    return (Path(SCREENSHOT_DIR) if SCREENSHOT_DIR else tmp_path) / name


def _by_css(driver, selector: str):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, selector)


def _button(driver, text: str):
    from selenium.webdriver.common.by import By

    found = [b for b in driver.find_elements(By.CSS_SELECTOR, f"{kit.MAIN} button") if b.text]
    return next((b for b in found if b.text.strip().endswith(text)), None)


@pytest.fixture
def small_library(tmp_path: Path, hash_embedder) -> dict[str, str]:
    """A reports folder with Bedford's action plan, indexed with the fast hash embedder;
    the settings of a server over it with an administrator password."""
    from peerchat.index.build import ingest_paths

    reports = tmp_path / "reports"
    reports.mkdir()
    shutil.copy(TEXTS / "bedford-borough-cpc-action-plan-2024.txt", reports)
    index = tmp_path / "index"
    assert ingest_paths([reports], index, hash_embedder).ingested
    return {
        "PEERCHAT_INDEX_DIR": str(index),
        "PEERCHAT_REPORTS_DIR": str(reports),
        "PEERCHAT_EMBEDDER": "hash",
        "PEERCHAT_ADMIN_PASSWORD": PASSWORD,
    }


@pytest.fixture
def fresh_server(small_library: dict[str, str], tmp_path: Path):
    """A server of its own, started for the test: its first visitor is the test's."""
    server = kit.AppServer(small_library, tmp_path / "server.log").start()
    try:
        yield server
    finally:
        server.stop()


def test_a_bookmarked_page_first_after_a_start_has_the_menu_and_the_wide_layout(
    fresh_server: kit.AppServer, chrome
) -> None:
    kit.set_viewport(chrome, "desktop")
    kit.open_page(chrome, fresh_server.url + "/Library", "Library")
    menu = kit.menu(chrome)
    assert menu[:2] == ["Ask", "Library"], f"first visit at /Library: the menu reads {menu}"
    assert "app" not in menu
    assert kit.body_width(chrome) > WIDE, "the wide layout"
    kit.open_page(chrome, fresh_server.url + "/", TITLE)
    assert kit.menu(chrome)[:2] == ["Ask", "Library"]
    assert kit.body_width(chrome) > WIDE


def test_the_first_reread_click_reads_the_folder_and_says_so(
    fresh_server: kit.AppServer, small_library: dict[str, str], chrome
) -> None:
    from selenium.webdriver.common.keys import Keys

    kit.set_viewport(chrome, "desktop")
    kit.open_page(chrome, fresh_server.url + "/Library", "Library")
    password = kit.wait_for(chrome, lambda d: _by_css(d, f"{kit.MAIN} input[type='password']"))
    password.send_keys(PASSWORD, Keys.ENTER)
    kit.wait_for(chrome, lambda d: "Signed in as" in kit.main_text(d) and kit.idle(d))
    assert "1 report, " in kit.main_text(chrome)

    # A report arrives in the folder after the page was drawn; one click reads it.
    shutil.copy(TEXTS / "lambeth-cpc-feedback-2016.md", small_library["PEERCHAT_REPORTS_DIR"])
    ingests = len(fresh_server.events("ingest_finished"))
    button = _button(chrome, "Re-read the reports folder")
    assert button is not None, kit.main_text(chrome)[-800:]
    kit.click(chrome, button)
    said = "Done: 1 new or changed report was read into the library."
    kit.wait_for(
        chrome, lambda d: said in kit.main_text(d) and kit.idle(d), what="the re-read's message"
    )
    assert len(fresh_server.events("ingest_finished")) == ingests + 1, "one click, one re-read"
    text = kit.main_text(chrome)
    assert "The library now holds 2 reports" in text
    assert text.startswith("Library") and "2 reports, " in text, "the list is up to date"


# Phrases of the app's model statuses, as the page shows them (no Markdown).
LOADING = "Getting the search ready"
WAITING = "Your question will be answered as soon as the search model has loaded"
# Set on the pages the browser opens during the cold-start test: when (ms from navigation
# start, on the page's own clock) the chat box first exists, the model's loading status is
# first shown and gone, Enter is pressed in the chat box, a question waits for the model,
# and the first source is drawn.
COLD_START_MARKS = """
window.__coldStart = {};
new MutationObserver(() => {
  const m = window.__coldStart, now = performance.now();
  const text = document.body ? document.body.innerText : '';
  if (!m.box && document.querySelector("[data-testid='stChatInputTextArea']")) m.box = now;
  const loading = text.includes(LOADING);
  if (!m.status && loading) m.status = now;
  if (m.status && !m.status_gone && !loading) m.status_gone = now;
  if (!m.waiting && text.includes(WAITING)) m.waiting = now;
  if (!m.source && document.querySelector("[class*='st-key-source-']")) m.source = now;
}).observe(document, {childList: true, subtree: true, characterData: true});
document.addEventListener('keydown', e => {
  const m = window.__coldStart;
  if (!m.asked && e.key === 'Enter' && e.target.matches("[data-testid='stChatInputTextArea']"))
    m.asked = performance.now();
}, true);
"""
# Generous, so that a busy machine does not fail it: the goal is 3 s (the figures are
# printed, with the load); before the model loaded in the background it took about 10 s.
CHAT_BOX_WITHIN = 10.0
# A question is taken to have been asked before the model loaded when the model finished
# loading at least this long after it was sent (the time for the page's run to get there).
RUN_SLACK = 5.0


@pytest.fixture
def cold_server(app_index: Path, tmp_path: Path):
    """A server of its own over the sample index with the real model, not yet loaded."""
    env = {"PEERCHAT_INDEX_DIR": str(app_index), "PEERCHAT_REPORTS_DIR": str(SAMPLE_REPORTS)}
    server = kit.AppServer(env, tmp_path / "server.log").start()
    try:
        yield server
    finally:
        server.stop()


def test_cold_start_the_chat_box_comes_before_the_model_and_a_question_waits_for_it(
    cold_server: kit.AppServer, chrome, record_property
) -> None:
    """The first request after a start: the chat box is on the page while the model is
    still loading (its status shown), and a question sent at once waits, saying so, and is
    answered once the model has loaded. Prints the times (the page's own, from navigation
    start) with the machine's load."""
    from selenium.webdriver.common.keys import Keys

    from peerchat import ui

    assert LOADING in ui.MODEL_LOADING and WAITING in ui.QUESTION_WAITING.replace("*", "")
    script = COLD_START_MARKS.replace("LOADING", json.dumps(LOADING))
    script = script.replace("WAITING", json.dumps(WAITING))
    added = chrome.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": script})
    try:
        kit.set_viewport(chrome, "desktop")
        chrome.get(cold_server.url)
        box = kit.wait_for(chrome, lambda d: _by_css(d, kit.CHAT_BOX), what="the chat box")
        box.click()
        box.send_keys(QUESTION, Keys.ENTER)
        asked_at = chrome.execute_script("return Date.now()")
        # While the question waits (if it does): the statuses are announced, as axe sees it.
        waiting = kit.wait_for(
            chrome,
            lambda d: d.execute_script(
                "const m = window.__coldStart; return m.waiting && !m.status_gone ? 'waiting'"
                " : m.source ? 'answered' : null"
            ),
            timeout=120,
            what="the question waiting, or answered",
        )
        statuses, gone = chrome.execute_script(
            "return [[...document.querySelectorAll(\"[role='status']\")]"
            ".map(e => e.innerText).join(' '), !!window.__coldStart.status_gone]"
        )
        if waiting == "waiting" and not gone:
            assert LOADING in statuses and WAITING in statuses, (
                f"both statuses are role=status, read out when shown: {statuses!r}"
            )
            stale = chrome.execute_script(
                "return [...document.querySelectorAll(\"[data-stale='true']\")]"
                ".map(e => e.innerText.trim()).filter(t => t)"
            )
            assert stale == [], f"faded leftovers of the page before, while it waits: {stale}"
            assert kit.axe_violations(chrome) == []
        kit.wait_for_answer(chrome, 0)
        kit.wait_for(
            chrome,
            lambda d: d.execute_script("return window.__coldStart.status_gone"),
            what="the loading status gone",
        )
        marks = chrome.execute_script("return window.__coldStart")
    finally:
        chrome.execute_cdp_cmd(
            "Page.removeScriptToEvaluateOnNewDocument", {"identifier": added["identifier"]}
        )
    s = {k: round(v / 1000, 2) for k, v in marks.items()}
    figures = (
        f"cold start: chat box on screen {s['box']} s after navigation; first answer "
        f"{s['source'] - s['asked']:.1f} s after asking at once ({s['source']} s after "
        f"navigation); load average {os.getloadavg()[0]:.2f}; marks {s}"
    )
    print(figures)
    record_property("cold_start", figures)

    assert marks["status"] <= marks["box"] < marks["status_gone"], (
        "the chat box and the loading status come before the model has loaded: " + figures
    )
    assert marks["box"] / 1000 < CHAT_BOX_WITHIN, figures
    loaded = cold_server.events("model_loaded")
    assert len(loaded) == 1, "one model load"
    loaded_at = datetime.fromisoformat(loaded[0]["ts"].replace("Z", "+00:00")).timestamp()
    if loaded_at > asked_at / 1000 + RUN_SLACK:
        assert "waiting" in marks and marks["waiting"] < marks["source"], (
            "a question asked while the model loads says it waits: " + figures
        )
    messages = chrome.execute_script(
        "return [...document.querySelectorAll(\"[data-testid='stChatMessage']\")]"
        ".map(m => m.innerText)"
    )
    assert len(messages) == 2 and QUESTION in messages[0], "asked once, answered once"
    assert "Central Bedfordshire Council" in messages[1], messages[1][:300]


def _ask_fresh(driver, url: str, viewport: str) -> None:
    kit.set_viewport(driver, viewport)
    kit.open_page(driver, url, TITLE)
    kit.ask(driver, QUESTION)


def test_an_answer_cites_councils_and_its_2_opens_source_2(
    app_server: kit.AppServer, chrome, tmp_path: Path
) -> None:
    _ask_fresh(chrome, app_server.url, "desktop")
    labels = [s["label"] for s in kit.sources(chrome)]
    cited = {name for name in COUNCILS if any(name in label for label in labels)}
    assert len(cited) >= 3, f"sources listed: {labels}"
    answer = chrome.execute_script(
        "const m = document.querySelectorAll(\"[data-testid='stChatMessage']\");"
        "return m[m.length - 1].innerText;"
    )
    assert "Central Bedfordshire Council" in answer, answer
    assert "Searched all 6 councils in the library" in answer, answer[:300]

    link = _by_css(chrome, "[data-testid='stChatMessage'] a[href='#source-a0-2']")
    assert link.text == "[2]" and link.get_attribute("title").startswith("Open source 2: ")
    kit.click(chrome, link)
    shown = kit.wait_for(chrome, lambda d: kit.page_shown(d, "source-a0-2"), what="source 2")
    assert [s["key"] for s in kit.sources(chrome) if s["open"]] == ["source-a0-2"]
    assert shown["image_alt"].startswith("Page ") and "as printed" in shown["image_alt"]
    kit.wait_for(chrome, lambda d: kit.source(d, "source-a0-2")["in_view"], what="scrolled to 2")
    assert kit.active(chrome)["source"] == "source-a0-2", "the keyboard focus went with it"

    # The picture for the README: the question, the answer and the opened source.
    kit.set_viewport(chrome, "desktop", height=1800)
    chrome.execute_script(
        "document.querySelector(\"[data-testid='stChatMessage']\").scrollIntoView();"
    )
    kit.wait_for(chrome, kit.idle)
    path = kit.screenshot(chrome, _shot(tmp_path, "screenshot.png"))
    kit.set_viewport(chrome, "desktop")
    assert path.stat().st_size > 10_000


def test_a_keyboard_only_session_asks_opens_a_source_and_returns_to_the_chat_box(
    app_server: kit.AppServer, chrome
) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    kit.set_viewport(chrome, "desktop")
    kit.open_page(chrome, app_server.url, TITLE)

    def press(key: str, until, limit: int, shift: bool = False) -> int:
        for n in range(1, limit + 1):
            chain = ActionChains(chrome)
            if shift:
                chain.key_down(Keys.SHIFT).send_keys(key).key_up(Keys.SHIFT)
            else:
                chain.send_keys(key)
            chain.perform()
            if until(kit.active(chrome)):
                return n
        raise AssertionError(f"not reached in {limit} presses: {kit.active(chrome)}")

    def chat_box(a: dict) -> bool:
        return a["testid"] == "stChatInputTextArea"

    press(Keys.TAB, until=chat_box, limit=30)
    ActionChains(chrome).send_keys(QUESTION, Keys.ENTER).perform()
    kit.wait_for_answer(chrome, 0)
    assert chat_box(kit.active(chrome)), "focus stays in the chat box after the answer"

    # Back from the chat box to a citation in the answer, past the sources.
    press(
        Keys.TAB,
        until=lambda a: (a["href"] or "").startswith("#source-a0-"),
        limit=15,
        shift=True,
    )
    target = kit.active(chrome)["href"][1:]
    ActionChains(chrome).send_keys(Keys.ENTER).perform()
    kit.wait_for(chrome, lambda d: kit.page_shown(d, target), what=f"{target} opened")
    assert kit.active(chrome)["source"] == target, "focus moved to the opened source"
    presses = press(Keys.TAB, until=chat_box, limit=15)
    assert presses <= 10, f"{presses} Tabs from the opened source back to the chat box"


def test_an_example_question_keeps_the_focus_in_the_chat_box(
    app_server: kit.AppServer, chrome
) -> None:
    from selenium.webdriver.common.keys import Keys

    kit.set_viewport(chrome, "desktop")
    kit.open_page(chrome, app_server.url, TITLE)
    example = _button(chrome, "Which councils were told to strengthen scrutiny?")
    example.send_keys(Keys.ENTER)  # pressed from the keyboard; the button then goes away
    kit.wait_for_answer(chrome, 0)
    active = kit.active(chrome)
    assert active["testid"] == "stChatInputTextArea", f"focus on {active}, not the chat box"


def test_on_a_phone_an_opened_source_shows_its_page_across_the_screen(
    app_server: kit.AppServer, chrome, tmp_path: Path
) -> None:
    _ask_fresh(chrome, app_server.url, "phone")
    link = _by_css(chrome, "[data-testid='stChatMessage'] a[href='#source-a0-1']")
    kit.click(chrome, link)
    shown = kit.wait_for(chrome, lambda d: kit.page_shown(d, "source-a0-1"), what="source 1")
    assert shown["image_width"] >= 380, f"the page is {shown['image_width']} px wide at 412 px"
    assert shown["image_left"] >= 0
    overflow = chrome.execute_script(
        "const s = document.querySelector(arguments[0]); return s.scrollWidth - s.clientWidth;",
        kit.SCROLLER,
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow} px"
    try:
        kit.wait_for(chrome, lambda d: kit.source(d, "source-a0-1")["in_view"], timeout=20)
    except AssertionError:
        # The page can still be settling (the search-ready status, the page image's height)
        # after the first scroll: a second click on [1] must bring the source into view.
        kit.click(chrome, _by_css(chrome, "[data-testid='stChatMessage'] a[href='#source-a0-1']"))
        kit.wait_for(
            chrome, lambda d: kit.source(d, "source-a0-1")["in_view"], what="source 1 in view"
        )
    # The picture: the printed page, as the phone shows it.
    chrome.execute_script(
        "document.querySelector(arguments[0] + \" [data-testid='stImage']\")"
        ".scrollIntoView({block: 'center'});",
        kit.SOURCE,
    )
    path = kit.screenshot(chrome, _shot(tmp_path, "screenshot-phone.png"))
    assert path.stat().st_size > 10_000


def test_the_answered_page_has_no_serious_accessibility_violations(
    app_server: kit.AppServer, chrome
) -> None:
    """axe-core 4 on the page an officer spends most time on: an answer with a source
    open (`make a11y` checks every page at both sizes)."""
    _ask_fresh(chrome, app_server.url, "desktop")
    kit.click(chrome, _by_css(chrome, "[data-testid='stChatMessage'] a[href='#source-a0-1']"))
    kit.wait_for(chrome, lambda d: kit.page_shown(d, "source-a0-1"), what="source 1")
    assert kit.axe_violations(chrome) == []


def _clear_right_edge(chart) -> bool:
    """Nothing is drawn in the chart's last three columns of pixels: a legend or a label
    cut off by the chart's edge would be (Vega draws on a canvas, so this looks)."""
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(chart.screenshot_as_png)).convert("L")
    width, height = image.size
    return all(
        image.getpixel((x, y)) >= 240 for x in range(width - 3, width) for y in range(height)
    )


def _charts_drawn(driver) -> bool:
    """Every chart on the page body has drawn its marks (Vega draws a canvas or an svg)."""
    from selenium.webdriver.common.by import By

    charts = driver.find_elements(By.CSS_SELECTOR, f"{kit.MAIN} [data-testid='stVegaLiteChart']")
    return bool(charts) and all(c.find_elements(By.CSS_SELECTOR, "canvas, svg") for c in charts)


def test_recommendations_page(app_server: kit.AppServer, chrome, tmp_path: Path) -> None:
    """At 1400 px: the table (a selected row opens in full), a visible "Download CSV"
    button, and the theme chart with its legend inside the page."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    kit.set_viewport(chrome, "desktop", height=1650)
    kit.open_page(chrome, app_server.url + "/Recommendations", "Recommendations by theme")
    kit.wait_for(chrome, _charts_drawn, what="the chart drawn")
    main = _by_css(chrome, kit.MAIN)
    button = main.find_element(By.CSS_SELECTOR, "[data-testid='stDownloadButton'] button")
    assert button.is_displayed() and "Download CSV" in button.text
    table = main.find_element(By.CSS_SELECTOR, ".st-key-wide-only [data-testid='stDataFrame']")
    assert table.is_displayed(), "a wide screen gets the table"
    assert not main.find_element(By.CSS_SELECTOR, ".st-key-narrow-only").is_displayed()
    # Selecting a row (its checkbox: the grid's first column, first row under the header)
    # opens the recommendation in full.
    chrome.execute_script("arguments[0].scrollIntoView({block: 'center'});", table)
    ActionChains(chrome).move_to_element_with_offset(
        table, -table.rect["width"] / 2 + 18, -table.rect["height"] / 2 + 54
    ).click().perform()
    full = (
        "Ensure the approach to developing the Corporate Plan maximises engagement internally "
        "and with partners and communities."
    )
    kit.wait_for(
        chrome, lambda d: full in kit.main_text(d) and kit.idle(d), what="the selected row in full"
    )
    # The chart, legend included, fits the page: nothing runs off the right edge.
    chart = _by_css(chrome, f"{kit.MAIN} [data-testid='stVegaLiteChart']")
    right = chart.rect["x"] + chart.rect["width"]
    assert right <= chrome.execute_script("return document.documentElement.clientWidth")
    widest = chrome.execute_script(
        "return Math.max(...[...arguments[0].querySelectorAll('canvas, svg')]"
        ".map(e => e.getBoundingClientRect().right));",
        chart,
    )
    assert widest <= right + 1, "the chart's drawing stays inside its box"
    assert _clear_right_edge(chart), "nothing in the chart runs into its right edge"
    chrome.execute_script("window.scrollTo(0, 0);")
    path = kit.screenshot(chrome, _shot(tmp_path, "screenshot-recommendations.png"))
    assert path.stat().st_size > 10_000


def test_briefing_page(app_server: kit.AppServer, chrome, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    kit.set_viewport(chrome, "desktop", height=1650)
    kit.open_page(chrome, app_server.url + "/Council_briefing", "Portfolio Holder for Finance")
    main = _by_css(chrome, kit.MAIN)
    labels = [
        b.text
        for b in main.find_elements(By.CSS_SELECTOR, "[data-testid='stDownloadButton'] button")
    ]
    assert any("Download Word" in t for t in labels) and any("Markdown" in t for t in labels)
    text = kit.main_text(chrome)
    assert "Recommendations and actions (20)" in text and "shared with 5–7" in text
    path = kit.screenshot(chrome, _shot(tmp_path, "screenshot-briefing.png"))
    assert path.stat().st_size > 10_000


def test_register_pages_on_a_phone(app_server: kit.AppServer, chrome, tmp_path: Path) -> None:
    """At 412 x 915 the Recommendations page shows each recommendation's text in stacked
    cards (not the wide table), twenty at a time, with the chart under them fitting the
    screen; the briefing's council picker is on the page (a phone folds the sidebar away)."""
    from selenium.webdriver.common.by import By

    kit.set_viewport(chrome, "phone")
    try:
        kit.open_page(chrome, app_server.url + "/Recommendations", "Recommendations by theme")
        kit.wait_for(chrome, _charts_drawn, what="the chart drawn")
        main = _by_css(chrome, kit.MAIN)
        cards = main.find_element(By.CSS_SELECTOR, ".st-key-narrow-only")
        assert cards.is_displayed(), "a phone gets the cards"
        assert not main.find_element(By.CSS_SELECTOR, ".st-key-wide-only").is_displayed()
        for words in ("Ensure the approach to developing the Corporate Plan maximises",
                      "Develop a capital strategy, underpinned by a clear understanding"):  # fmt: skip
            assert words in cards.text, words
        later = "Set out a clear narrative for the Council's role in the borough"  # card 78
        assert later not in cards.text, "twenty cards at a time"
        assert cards.rect["width"] <= 412
        path = kit.screenshot(chrome, _shot(tmp_path, "screenshot-recommendations-phone.png"))
        assert path.stat().st_size > 10_000
        # "Show 20 more" brings the next twenty; the chart under the cards fits the screen.
        for shown in (40, 60, 80):
            more = _button(chrome, "Show 20 more")
            assert more is not None and more.is_displayed()
            kit.click(chrome, more)
            kit.wait_for(
                chrome,
                lambda d, n=shown: f"{n} of 110 shown" in kit.main_text(d) and kit.idle(d),
                what=f"{shown} cards",
            )
        kit.wait_for(chrome, lambda d: later in kit.main_text(d), what="card 78")
        kit.wait_for(chrome, _charts_drawn, what="the chart drawn again")
        chart = _by_css(chrome, f"{kit.MAIN} [data-testid='stVegaLiteChart']")
        widest = chrome.execute_script(
            "return Math.max(...[...arguments[0].querySelectorAll('canvas, svg')]"
            ".map(e => e.getBoundingClientRect().right));",
            chart,
        )
        assert widest <= 412, "the chart fits a phone's screen"
        assert _clear_right_edge(chart), "the legend and labels are not cut off at the edge"

        kit.open_page(chrome, app_server.url + "/Council_briefing", "Recommendations and actions")
        picker = _by_css(chrome, f"{kit.MAIN} [data-testid='stSelectbox']")
        assert picker.is_displayed() and picker.rect["width"] <= 412
        shown = picker.get_attribute("innerText") + " ".join(
            i.get_attribute("value") or "" for i in picker.find_elements(By.CSS_SELECTOR, "input")
        )
        assert "Bedford Borough Council" in shown
    finally:
        kit.set_viewport(chrome, "desktop")
