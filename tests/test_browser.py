"""The app in a real browser: `streamlit run app.py` driven by headless Chromium.

Ask the cross-council question, check the sources, open one at its printed page and save
a screenshot ($PEERCHAT_SCREENSHOT_DIR/screenshot.png; `make screenshot` refreshes
docs/screenshot.png).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

try:
    from selenium.webdriver.common.by import By
except ImportError:  # selenium is a dev extra; the tests skip without a browser anyway
    By = None

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
INSTALL_HINT = (
    "install chromium and chromium-driver (apt-get install -y chromium chromium-driver) "
    "to run the browser test"
)
QUESTION = "which councils were told to narrow priorities"
# Read at import: the test session's fixtures clear PEERCHAT_* variables.
MAIN = "[data-testid='stMain']"  # the page body, not the sidebar
SOURCE_LABEL = re.compile(r"\[\d+\] ")
SCREENSHOT_DIR = os.environ.get("PEERCHAT_SCREENSHOT_DIR", "")
COUNCILS = (
    "Bedford Borough Council",
    "Bromsgrove District Council",
    "Cambridge City Council",
    "Central Bedfordshire Council",
    "Lambeth London Borough Council",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as reply:
            return reply.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def index_dir(request: pytest.FixtureRequest) -> Path:
    """data/index when `make screenshot` has just built it from the sample reports (fast);
    otherwise the session's sample index."""
    from peerchat.core.errors import PeerchatError
    from peerchat.index.answer import generation_key
    from peerchat.index.store import Library, current_generation, read_manifest

    built = ROOT / "data" / "index"
    if generation_key(built):
        try:
            library = Library.open(built)  # refuses an index from another version
        except PeerchatError:
            library = None
        manifest = read_manifest(current_generation(built)) if library else None
        if manifest and manifest.reports == 5 and manifest.embedder == "all-MiniLM-L6-v2":
            return built
    return request.getfixturevalue("sample_index")


@pytest.fixture(scope="module")
def server(index_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """`streamlit run app.py` on a free port, stopped (terminate, then kill) afterwards."""
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        pytest.skip(INSTALL_HINT)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEERCHAT_")}
    env.update(PEERCHAT_INDEX_DIR=str(index_dir), HF_HUB_OFFLINE="1")
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
    command += ["--server.headless", "true", "--browser.gatherUsageStats", "false"]
    command += ["--server.fileWatcherType", "none"]
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    log_file = log.open("wb")
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log_file)
    try:
        deadline = time.monotonic() + 30
        while not _healthy(url):
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited: {log.read_text(errors='replace')[-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail("the app was not healthy within 30 s")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log_file.close()


@pytest.fixture(scope="module")
def browser():
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        pytest.skip(INSTALL_HINT)
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1400,1800",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _screenshot_path(tmp_path: Path, name: str = "screenshot.png") -> Path:
    target = Path(SCREENSHOT_DIR) if SCREENSHOT_DIR else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    return target / name


def test_ask_and_open_a_source(server: str, browser, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 40)
    browser.get(server)
    box = wait.until(
        ec.element_to_be_clickable((By.CSS_SELECTOR, "[data-testid='stChatInputTextArea']"))
    )
    box.send_keys(QUESTION)
    box.send_keys(Keys.ENTER)

    def sources(driver) -> list:
        """The numbered source panels ("[1] Council · ..."), not the sidebar's panels."""
        return [
            e
            for e in driver.find_elements(By.CSS_SELECTOR, "[data-testid='stExpander']")
            if SOURCE_LABEL.search(e.find_element(By.CSS_SELECTOR, "summary").text)
        ]

    def source_labels(driver) -> list[str] | bool:
        labels = [e.text for e in sources(driver)]
        return labels if len(labels) >= 3 else False

    labels = wait.until(source_labels)
    cited = {name for name in COUNCILS if any(name in label for label in labels)}
    assert len(cited) >= 3, f"sources listed: {labels}"
    answer = browser.find_elements(By.CSS_SELECTOR, "[data-testid='stChatMessage']")[-1].text
    assert "Central Bedfordshire Council" in answer, answer

    # Open the first source: it shows its page as printed (each rerun redraws the DOM, so
    # elements are found afresh rather than held).
    def first_source(driver):
        return sources(driver)[0]

    first_source(browser).find_element(By.CSS_SELECTOR, "summary").click()
    wait.until(
        lambda d: d.execute_script(
            "const img = arguments[0].querySelector(\"[data-testid='stImage'] img\");"
            "return img !== null && img.complete && img.naturalWidth > 0;",
            first_source(d),
        )
    )
    assert first_source(browser).find_elements(
        By.CSS_SELECTOR, "[data-testid='stDownloadButton']"
    ), "the source offers its PDF"

    # The screenshot shows the question, the answer and the sources.
    browser.execute_script(
        "arguments[0].scrollIntoView({block: 'start'});",
        browser.find_elements(By.CSS_SELECTOR, "[data-testid='stChatMessage']")[0],
    )
    time.sleep(0.5)  # let the scroll settle before the picture (not a wait for the app)
    path = _screenshot_path(tmp_path)
    browser.save_screenshot(str(path))
    assert path.stat().st_size > 10_000


def _vega_drawn(driver) -> bool:
    """Every chart on the page has drawn its marks (Vega renders into a canvas or svg)."""
    charts = driver.find_elements(By.CSS_SELECTOR, f"{MAIN} [data-testid='stVegaLiteChart']")
    return bool(charts) and all(
        c.find_elements(By.CSS_SELECTOR, "canvas, svg.marks") for c in charts
    )


def test_recommendations_page(server: str, browser, tmp_path: Path) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 90)  # a busy machine is slow; ready is ready
    browser.get(server.rstrip("/") + "/Recommendations")

    def loaded(driver) -> bool:
        body = driver.find_element(By.CSS_SELECTOR, MAIN).text
        return "Recommendations by theme and council" in body and _vega_drawn(driver)

    wait.until(loaded)
    main = browser.find_element(By.CSS_SELECTOR, MAIN)
    button = main.find_element(By.CSS_SELECTOR, "[data-testid='stDownloadButton'] button")
    assert button.is_displayed() and "Download CSV" in button.text
    table = main.find_element(By.CSS_SELECTOR, ".st-key-wide-only [data-testid='stDataFrame']")
    assert table.is_displayed(), "a wide screen gets the table"
    cards = main.find_element(By.CSS_SELECTOR, ".st-key-narrow-only")
    assert not cards.is_displayed(), "... and not the phone's cards"
    # Selecting a row opens the recommendation in full (its checkbox: the grid's first
    # column, first row under the header).
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(browser).move_to_element_with_offset(
        table, -table.rect["width"] / 2 + 18, -table.rect["height"] / 2 + 54
    ).click().perform()
    wait.until(lambda d: "Ensure the approach to developing the Corporate Plan maximises "
               "engagement internally and with partners and communities." in
               d.find_element(By.CSS_SELECTOR, MAIN).text)  # fmt: skip
    main = browser.find_element(By.CSS_SELECTOR, MAIN)
    # The chart, legend included, fits the page: nothing runs off the right edge.
    chart = main.find_element(By.CSS_SELECTOR, "[data-testid='stVegaLiteChart']")
    right = chart.rect["x"] + chart.rect["width"]
    assert right <= browser.execute_script("return document.documentElement.clientWidth")
    widest = browser.execute_script(
        "return Math.max(...[...arguments[0].querySelectorAll('canvas, svg')]"
        ".map(e => e.getBoundingClientRect().right));",
        chart,
    )
    assert widest <= right + 1, "the chart's drawing stays inside its box"
    path = _screenshot_path(tmp_path, "screenshot-recommendations.png")
    browser.save_screenshot(str(path))
    assert path.stat().st_size > 10_000


def test_briefing_page(server: str, browser, tmp_path: Path) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 90)  # a busy machine is slow; ready is ready
    browser.get(server.rstrip("/") + "/Council_briefing")

    def loaded(driver) -> bool:
        body = driver.find_element(By.CSS_SELECTOR, MAIN).text
        return "Portfolio Holder for Finance" in body and "\nSources\n" in body

    wait.until(loaded)
    main = browser.find_element(By.CSS_SELECTOR, MAIN)
    labels = [
        b.text
        for b in main.find_elements(By.CSS_SELECTOR, "[data-testid='stDownloadButton'] button")
    ]
    assert any("Download Word" in t for t in labels) and any("Markdown" in t for t in labels), (
        labels
    )
    assert "Portfolio Holder for Finance" in main.text
    assert "shared with 5–7" in main.text
    path = _screenshot_path(tmp_path, "screenshot-briefing.png")
    browser.save_screenshot(str(path))
    assert path.stat().st_size > 10_000


def test_register_pages_on_a_phone(server: str, browser, tmp_path: Path) -> None:
    """At 412 x 915 (a common Android phone) the Recommendations page shows each
    recommendation's text in stacked cards, and the briefing's council picker is on the
    page (the sidebar is folded away on a phone)."""
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 90)  # a busy machine is slow; ready is ready
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 412, "height": 915, "deviceScaleFactor": 1, "mobile": True},
    )
    try:
        browser.get(server.rstrip("/") + "/Recommendations")
        wait.until(
            lambda d: "Recommendations by theme" in d.find_element(By.CSS_SELECTOR, MAIN).text
        )
        main = browser.find_element(By.CSS_SELECTOR, MAIN)
        cards = main.find_element(By.CSS_SELECTOR, ".st-key-narrow-only")
        assert cards.is_displayed(), "a phone gets the cards"
        table = main.find_element(By.CSS_SELECTOR, ".st-key-wide-only")
        assert not table.is_displayed(), "... not the wide table"
        text = cards.text
        for words in ("Set out a clear narrative for the Council's role in the borough",
                      "Develop a capital strategy, underpinned by a clear understanding"):  # fmt: skip
            assert words in text, words
        assert cards.rect["width"] <= 412
        path = _screenshot_path(tmp_path, "screenshot-recommendations-phone.png")
        browser.save_screenshot(str(path))

        browser.get(server.rstrip("/") + "/Council_briefing")
        wait.until(
            lambda d: "Recommendations and actions" in d.find_element(By.CSS_SELECTOR, MAIN).text
        )
        main = browser.find_element(By.CSS_SELECTOR, MAIN)
        picker = main.find_element(By.CSS_SELECTOR, "[data-testid='stSelectbox']")
        assert picker.is_displayed() and picker.rect["width"] <= 412
        assert "Bedford Borough Council" in picker.get_attribute("innerText") + " ".join(
            i.get_attribute("value") or "" for i in picker.find_elements(By.CSS_SELECTOR, "input")
        )
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
