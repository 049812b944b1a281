// No "<" in this file: the sanitiser Streamlit passes it through drops a script whose
// text holds "<" before a letter or "/".
// What Streamlit's own widgets do not do, added once per browser tab (app.py puts this
// script on every page through peerchat.ui.page_chrome):
//
// 1. An answer's [n] links (href "#source-KEY-N", written by ui.answer_markdown) open
//    source n, scroll to it and move the keyboard focus to it. Without this script they
//    are still links, to nowhere; with it, a click, a tap or Enter on one opens the source.
// 2. When a rerun removes the element that had the keyboard focus (an example question's
//    button, say), focus goes to the chat box, not to the top of the page.
// 3. The button beside each select box is named for its list ("Open the Councils list"),
//    not just "Open", so two dropdowns do not sound the same to a screen reader.
(() => {
  if (window.peerchatPage) return;
  window.peerchatPage = true;

  const CHAT_BOX = "[data-testid='stChatInputTextArea']";
  const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

  function sourceSummary(key) {
    const wrapper = document.querySelector(".st-key-" + CSS.escape(key));
    return wrapper && wrapper.querySelector("summary");
  }

  // Opening a source reruns the app, which draws its printed page. The chat page keeps
  // itself scrolled to the bottom while its content grows, and lets go only when it is
  // scrolled while its size holds still. So the source is scrolled to as the page changes
  // and again once it has settled (twice: the first settles what "still" is), for a few
  // seconds, unless the person scrolls or types meanwhile.
  let pendingScroll = null;
  let settled = null;
  function scrollToSource(behavior) {
    if (!pendingScroll) return;
    if (performance.now() > pendingScroll.until) {
      pendingScroll = null;
      return;
    }
    const summary = sourceSummary(pendingScroll.key);
    if (!summary) return;
    // A wheel event on the scrolling element stops the pull to the bottom, as a person's
    // scrolling does (Streamlit listens for it while it scrolls).
    const scroller = summary.closest("[data-testid='stAppScrollToBottomContainer']");
    if (scroller) scroller.dispatchEvent(new WheelEvent("wheel", { bubbles: false }));
    summary.scrollIntoView({ block: "start", behavior: behavior || "auto" });
  }
  function scrollWhenSettled() {
    if (!pendingScroll) return;
    clearTimeout(settled);
    settled = setTimeout(() => {
      scrollToSource();
      settled = setTimeout(scrollToSource, 250);
    }, 200);
  }
  for (const type of ["wheel", "touchmove", "keydown"]) {
    document.addEventListener(type, () => (pendingScroll = null), { passive: true });
  }
  document.addEventListener(
    "load",
    (event) => {
      if (event.target.tagName === "IMG") scrollWhenSettled();
    },
    true
  );

  function openSource(key) {
    const summary = sourceSummary(key);
    if (!summary) return false;
    const details = summary.closest("details");
    if (details && !details.open) summary.click();
    summary.focus({ preventScroll: true });
    pendingScroll = { key: key, until: performance.now() + 8000 };
    scrollToSource(reducedMotion.matches ? "auto" : "smooth");
    scrollWhenSettled();
    return true;
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a[href^='#source-']");
    if (!link) return;
    event.preventDefault();
    openSource(link.getAttribute("href").slice(1));
  });

  let lastFocused = null;
  document.addEventListener("focusin", (event) => {
    lastFocused = event.target;
  });

  function keepFocus() {
    const active = document.activeElement;
    if (active && active !== document.body) return;
    if (!lastFocused || lastFocused.isConnected) return;
    const box = document.querySelector(CHAT_BOX);
    if (box && !box.disabled) box.focus({ preventScroll: true });
  }

  function nameSelectButtons() {
    const widgets = document.querySelectorAll(
      "[data-testid='stMultiSelect'], [data-testid='stSelectbox']"
    );
    for (const widget of widgets) {
      const label = widget.querySelector("[data-testid='stWidgetLabel']");
      const button = widget.querySelector("button[aria-haspopup='listbox']");
      const text = label && label.textContent.trim();
      if (!button || !text) continue;
      const open = button.getAttribute("aria-expanded") === "true";
      const name = (open ? "Close" : "Open") + " the " + text + " list";
      if (button.getAttribute("aria-label") !== name) button.setAttribute("aria-label", name);
    }
  }

  let queued = false;
  function tidy() {
    queued = false;
    scrollToSource();
    keepFocus();
    nameSelectButtons();
  }
  new MutationObserver(() => {
    scrollWhenSettled();
    if (!queued) {
      queued = true;
      requestAnimationFrame(tidy);
    }
  }).observe(document.body, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: ["aria-label", "aria-expanded"],
  });
  tidy();
})();
