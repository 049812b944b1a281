"""Driving the app in a real browser: the app served as `make run` serves it, on a free
port, Debian's headless Chromium at an exact viewport, waits on what Streamlit shows (never
on time), axe-core, and the few page probes the browser tests share. The fixtures built
from these are in conftest.py (one server and one browser per test module).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
INSTALL_HINT = (
    "install chromium and chromium-driver (apt-get install -y chromium chromium-driver) "
    "to run the browser tests"
)
# axe-core 4.14.1, vendored (tests/axe/README.md): axe-selenium-python's own copy is 3.1.1.
AXE_SCRIPT = Path(__file__).resolve().parent / "axe" / "axe.min.js"

VIEWPORTS = {"desktop": (1400, 1000, False), "phone": (412, 915, True)}
MAIN = "[data-testid='stMainBlockContainer']"  # the page body: not the sidebar or chat box
# What scrolls the page: stMain, or stAppScrollToBottomContainer on a page with a chat box.
SCROLLER = "[data-testid='stMain'], [data-testid='stAppScrollToBottomContainer']"
CHAT_BOX = "[data-testid='stChatInputTextArea']"
SOURCE = "[class*='st-key-source-']"  # a source's panel (its Streamlit key is source-aI-N)


def have_chromium() -> bool:
    return bool(shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER))


# --- the server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as reply:
            return reply.status == 200
    except OSError:
        return False


class AppServer:
    """The app as `make run` serves it (`python -m peerchat.ui_server app.py`: `streamlit
    run app.py` with the app's modules imported first) from the checkout on a free port,
    with `env` as its only PEERCHAT_* settings; its log (stderr, where the structured logs
    go) is kept."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PEERCHAT_")}
        self.env.update(HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false", **env)
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> AppServer:
        command = [sys.executable, "-m", "peerchat.ui_server", "app.py"]
        command += ["--server.port", str(self.port), "--server.headless", "true"]
        command += ["--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
        self._log = self.log.open("wb")
        self.proc = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=self._log
        )
        deadline = time.monotonic() + timeout
        while not _healthy(self.url):
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited: {self.log_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the app was not healthy within {timeout:.0f} s")
            time.sleep(0.2)
        return self

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()
        self.proc = None

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def events(self, name: str) -> list[dict]:
        """The structured log lines with `"event": name`."""
        out = []
        for line in self.log_text().splitlines():
            if f'"event": "{name}"' in line:
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError:
                    continue
        return out


# --- the browser ----------------------------------------------------------------------------


def chromium():
    """Headless Chromium (one per test module; each test sets its viewport)."""
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
        "--window-size=1400,1000",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--force-prefers-reduced-motion",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_script_timeout(120)
    return driver


def set_viewport(driver, name: str, height: int | None = None) -> None:
    """The layout viewport exactly `name`'s size (`height` instead, for a whole-page
    look); the phone is emulated as a touch device, so Streamlit takes its mobile layout.
    Takes effect for the page loaded next (and, for the size, at once)."""
    width, default_height, mobile = VIEWPORTS[name]
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {
            "width": width,
            "height": height or default_height,
            "deviceScaleFactor": 1,
            "mobile": mobile,
        },
    )
    driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": mobile})


def wait_for(driver, condition: Callable[[Any], Any], timeout: float = 90, what: str = ""):
    """Poll `condition(driver)` until it is truthy (a redraw under it counts as not yet);
    its value. Fails with `what` after `timeout` seconds."""
    from selenium.common.exceptions import WebDriverException

    deadline = time.monotonic() + timeout
    while True:
        try:
            value = condition(driver)
        except (WebDriverException, LookupError):
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what or condition}")
        time.sleep(0.1)


IDLE_JS = """
const app = document.querySelector("[data-testid='stApp']");
return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
  && !document.querySelector("[data-stale='true'], [data-testid='stSkeleton']")
  && !!document.querySelector(arguments[0]);
"""


def idle(driver) -> bool:
    """Streamlit has finished its run and drawn the page body."""
    return bool(driver.execute_script(IDLE_JS, MAIN))


def open_page(driver, url: str, text: str) -> None:
    """Load `url` and wait until the page body shows `text` and the app is idle."""
    driver.get(url)
    wait_for(driver, lambda d: text in main_text(d) and idle(d), what=f"{text!r} on {url}")


def main_text(driver) -> str:
    return driver.execute_script(
        "const m = document.querySelector(arguments[0]); return m ? m.innerText : '';", MAIN
    )


def menu(driver) -> list[str]:
    """The page menu's names, in order (an icon's name is a line of its own before it)."""
    return driver.execute_script(
        """return [...document.querySelectorAll("[data-testid='stSidebarNav'] a")]
             .map(a => a.innerText.trim().split('\\n').pop().trim());"""
    )


def body_width(driver) -> int:
    return driver.execute_script(
        "return Math.round(document.querySelector(arguments[0]).getBoundingClientRect().width)",
        MAIN,
    )


def active(driver) -> dict:
    """What has the keyboard focus: tag, test id, text, href, and which source it is in."""
    return driver.execute_script(
        """
        const e = document.activeElement;
        const source = e && e.closest(arguments[0]);
        const key = source ? [...source.classList].find(c => c.startsWith('st-key-')) : null;
        return {tag: e ? e.tagName : null, testid: e ? e.getAttribute('data-testid') : null,
                text: e ? (e.innerText || e.value || '').slice(0, 80) : '',
                href: e ? e.getAttribute('href') : null,
                source: key ? key.slice('st-key-'.length) : null};
        """,
        SOURCE,
    )


# --- the chat -------------------------------------------------------------------------------


def ask(driver, question: str) -> None:
    """Type `question` in the chat box, send it, and wait for its answer's sources."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    before = len(sources(driver))
    box = wait_for(driver, lambda d: d.find_element(By.CSS_SELECTOR, CHAT_BOX), what="chat box")
    box.click()
    box.send_keys(question)
    box.send_keys(Keys.ENTER)
    wait_for_answer(driver, before)


def wait_for_answer(driver, sources_before: int) -> None:
    wait_for(
        driver,
        lambda d: len(sources(d)) > sources_before and idle(d),
        timeout=120,
        what="the answer's sources",
    )


SOURCES_JS = """
return [...document.querySelectorAll(arguments[0])].map(w => {
  const details = w.querySelector('details');
  const summary = w.querySelector('summary');
  const key = [...w.classList].find(c => c.startsWith('st-key-')).slice('st-key-'.length);
  const r = summary.getBoundingClientRect();
  const img = w.querySelector("[data-testid='stImage'] img");
  const loaded = !!img && img.complete && img.naturalWidth > 0;
  const box = loaded ? img.getBoundingClientRect() : null;
  return {key: key, label: summary.innerText.replace(/^\\S+\\n/, '').trim(),
          open: !!details && details.open, top: Math.round(r.top),
          in_view: r.top >= -2 && r.bottom <= innerHeight + 2,
          image_width: box ? Math.round(box.width) : 0,
          image_left: box ? Math.round(box.left) : null,
          image_alt: loaded ? img.getAttribute('alt') : null};
});
"""


def sources(driver) -> list[dict]:
    """Every source panel on the page: its key (source-a0-2), label, open or not, whether
    its summary is in view, and its printed page's width once loaded."""
    return driver.execute_script(SOURCES_JS, SOURCE)


def source(driver, key: str) -> dict | None:
    return next((s for s in sources(driver) if s["key"] == key), None)


def page_shown(driver, key: str) -> dict | None:
    """The source `key` when it is open with its printed page loaded."""
    s = source(driver, key)
    return s if s and s["open"] and s["image_width"] and idle(driver) else None


# --- accessibility --------------------------------------------------------------------------


def axe_violations(driver, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
    """axe-core's violations of `impacts` on the page as it is: rule, impact, nodes and the
    first few targets, with the first node's summary."""
    from axe_selenium_python import Axe

    axe = Axe(driver, script_url=str(AXE_SCRIPT))
    axe.inject()
    results = axe.run(options=json.dumps({"resultTypes": ["violations"]}))
    return [
        {
            "rule": v["id"],
            "impact": v["impact"],
            "nodes": len(v["nodes"]),
            "targets": [n["target"] for n in v["nodes"][:3]],
            "summary": (v["nodes"][0].get("failureSummary") or "").replace("\n", " ")[:300],
        }
        for v in results["violations"]
        if v.get("impact") in impacts
    ]


def page_height(driver) -> int:
    """The height of the page's content, scrolled part included."""
    return int(
        driver.execute_script(
            "const m = document.querySelector(arguments[0]);"
            "return Math.max(m ? m.scrollHeight : 0, document.documentElement.scrollHeight);",
            SCROLLER,
        )
    )


def screenshot(driver, path: Path) -> Path:
    """The viewport as PNG at `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(path))
    return path


CLICK_JS = """
const e = arguments[0];
e.scrollIntoView({block: 'center'});
const r = e.getBoundingClientRect();
const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
if (!hit || !(hit === e || e.contains(hit))) return false;
hit.click();
return true;
"""


def click(driver, element) -> None:
    """Click `element` as a person would see it: scrolled to the middle of the screen and
    clicked there, in one step, once nothing (a toolbar, the chat box) lies over it. (The
    chat page scrolls itself while it settles, so WebDriver's own click, which scrolls and
    then clicks, can land on the toolbar.)"""
    wait_for(driver, lambda d: d.execute_script(CLICK_JS, element), what="the element to click")
