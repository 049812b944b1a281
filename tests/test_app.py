"""The Streamlit app, driven by AppTest over the real sample index, and the UI helpers
(escaping, filters) tested directly. The administrator's pages are in test_admin.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from peerchat import ui
from peerchat.core.dates import display_date
from peerchat.core.records import Answer, Citation, Understood
from peerchat.index.search import Filters

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
LIBRARY_PAGE = str(ROOT / "app_pages" / "1_Library.py")


@pytest.fixture
def app_env(monkeypatch: pytest.MonkeyPatch, sample_index: Path) -> Path:
    monkeypatch.setenv("PEERCHAT_INDEX_DIR", str(sample_index))
    monkeypatch.delenv("PEERCHAT_EMBEDDER", raising=False)  # the real model
    return sample_index


def _ask(at: AppTest, question: str) -> Answer:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, at.exception
    return at.session_state["exchanges"][-1].answer


def _source_labels(at: AppTest) -> list[str]:
    labels = [e.label.replace("\\", "") for e in at.expander]
    return [label for label in labels if label.startswith("[")]


def test_ask_shows_a_short_answer_with_numbered_sources(app_env: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert "Which councils were told to strengthen scrutiny?" in [b.label for b in at.button]

    answer = _ask(at, "which councils were told to narrow priorities")
    assert answer.found and len(answer.citations) >= 3
    messages = at.chat_message
    assert [m.name for m in messages] == ["user", "assistant"]
    assert messages[0].markdown[0].value == "which councils were told to narrow priorities"
    shown = messages[1].markdown[0].value
    assert "**Central Bedfordshire Council**" in shown
    assert '[\\[1\\]](#source-a0-1 "Open source 1: ' in shown, "[1] links to the first source"
    labels = _source_labels(at)
    assert len(labels) == len(answer.citations)
    for label, c in zip(labels, answer.citations):
        when = display_date(c.date)  # "15 May 2017": the date as printed
        assert label.startswith(f"[{c.n}] {c.council} · {c.report_type}, {when} · p. {c.page}")
    councils = {c.council for c in answer.citations}
    assert len(councils) >= 3, councils
    # Each source offers its PDF.
    assert len(at.get("download_button")) >= len(answer.citations)


def test_an_example_button_asks_it_and_new_conversation_clears(app_env: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.button(key="example-0").click().run()
    assert not at.exception
    exchanges = at.session_state["exchanges"]
    assert [e.answer.question for e in exchanges] == [
        "Which councils were told to strengthen scrutiny?"
    ]
    next(b for b in at.button if b.label == "New conversation").click().run()
    assert not at.exception
    assert at.session_state["exchanges"] == []
    assert any("Try one of these" in m.value for m in at.markdown)


def test_a_follow_up_uses_the_conversation(app_env: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    _ask(at, "which councils were told to narrow priorities")
    follow_up = _ask(at, "and Cambridge?")
    assert follow_up.found, follow_up.text
    assert follow_up.citations
    assert {c.council for c in follow_up.citations} == {"Cambridge City Council"}
    assert len(at.chat_message) == 4


def test_a_filter_narrows_the_councils_cited(app_env: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    chosen = ["Lambeth London Borough Council", "Cambridge City Council"]
    at.multiselect(key="filter_councils").set_value(chosen).run()
    assert not at.exception
    answer = _ask(at, "which councils were told to narrow priorities")
    assert answer.citations
    assert {c.council for c in answer.citations} <= set(chosen)
    captions = [c.value.replace("\\", "") for c in at.chat_message[1].caption]
    assert captions[0] == (
        "**Searched** Lambeth London Borough Council and Cambridge City Council only, as "
        "chosen · all report types · all years"
    ), captions
    # Filters stay until cleared.
    next(b for b in at.button if b.label == "Clear filters").click().run()
    assert at.multiselect(key="filter_councils").value == []


def test_a_year_range_becomes_a_date_filter(app_env: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.slider(key="filter_years").set_value((2017, 2017)).run()
    answer = _ask(at, "which councils were told to narrow priorities")
    assert not at.exception
    assert at.session_state["exchanges"][-1].filters.date_from == "2017-01-01"
    assert {c.date[:4] for c in answer.citations} <= {"2017"}


def test_no_answer_is_said_plainly(app_env: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    answer = _ask(at, "What did the peer challenge recommend for Birmingham City Council?")
    assert not answer.found
    infos = [i.value for i in at.chat_message[1].info]
    assert len(infos) == 1 and "Birmingham City Council" in infos[0]
    assert not _source_labels(at)


def test_no_index_says_how_to_build_one(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PEERCHAT_INDEX_DIR", str(tmp_path / "no-index"))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert any("No index yet" in i.value for i in at.info)
    assert any("make run" in m.value and "peerchat ingest" in m.value for m in at.markdown)
    assert not at.button, "only the administrator can build the index in the app"
    assert any("whoever runs this app can set one up" in c.value for c in at.caption)
    assert any("PEERCHAT_ADMIN_PASSWORD" in m.value for m in at.expander[0].markdown)
    assert not at.chat_input, "nothing to ask before there is an index"


def test_library_page_lists_the_reports(app_env: Path) -> None:
    at = AppTest.from_file(LIBRARY_PAGE, default_timeout=60).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) == 5
    assert set(table["council"]) >= {"Cambridge City Council", "Lambeth London Borough Council"}
    assert list(table.columns[:5]) == ["council", "type", "date", "pages", "passages"]


def test_library_page_without_an_index(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PEERCHAT_INDEX_DIR", str(tmp_path / "no-index"))
    at = AppTest.from_file(LIBRARY_PAGE, default_timeout=60).run()
    assert not at.exception
    assert any("No index yet" in i.value for i in at.info)
    assert not at.file_uploader, "read-only without an administrator"


# --- report text is shown escaped -------------------------------------------------------

HOSTILE = 'Click <script>alert("x")</script> here: [x](javascript:alert(1)) ![i](http://e/i.png) $x$ :red[y]'


def test_a_passage_cannot_inject_html_links_or_markup() -> None:
    quote = "[x](javascript:alert(1))"
    md = ui.highlighted_markdown(HOSTILE, (quote,))
    assert "<script>" not in md and "](" not in md and "![" not in md
    assert "\\<script\\>" in md
    assert "\\$x\\$" in md and "\\:red\\[y\\]" in md
    assert ":orange-background[**\\[x\\]\\(javascript\\:alert\\(1\\)\\)**]" in md
    plain = ui.escape_markdown(HOSTILE)
    assert "](" not in plain and "<" not in plain.replace("\\<", "")


def test_answer_text_keeps_its_bullets_but_not_links_or_html() -> None:
    c = Citation(1, "r:1:p1-1:0", "X", "T", "other", "", "", 1, "x.pdf", HOSTILE, 0.1)
    answer = Answer("q", True, f"- **X**: {HOSTILE} [1] [7]", citations=(c,))
    md = ui.answer_markdown(answer, "a3")
    assert md.startswith("- **X**\\: Click \\<script\\>")
    link = '[\\[1\\]](#source-a3-1 "Open source 1: X, page 1")'
    assert md.endswith(link + " \\[7\\]"), "only cited numbers become links, to their source"
    rest = md.replace(link, "")
    assert not re.search(r"(?<!\\)\]\(", rest), "no other link can form: every ] is escaped"
    assert "\\$x\\$" in md


def test_highlights_follow_the_quotes_and_line_breaks() -> None:
    text = "First sentence. Second one.\nThird line."
    md = ui.highlighted_markdown(text, ("Second one.\nThird", "Second one."))
    assert md == (
        "First sentence\\. :orange-background[**Second one\\.**]  \n"
        ":orange-background[**Third**] line\\."
    )


def test_filters_from_the_sidebar_choices() -> None:
    full = (2016, 2024)
    assert not ui.filters_from([], [], full, full).active
    narrowed = ui.filters_from(
        ["Lambeth London Borough Council"], ["action plan"], (2017, 2018), full
    )
    assert narrowed.councils == ("Lambeth London Borough Council",)
    assert narrowed.report_types == ("action plan",)
    assert (narrowed.date_from, narrowed.date_to) == ("2017-01-01", "2018-12-31")


def test_a_long_passage_is_cut_to_the_lines_it_quotes() -> None:
    lines = [f"Line {i} " + "word " * 40 for i in range(8)]
    text = "\n".join(lines)
    quote = lines[4].strip()
    assert ui.passage_excerpt(text, (quote,)) == "\n".join(["…", *lines[3:6], "…"])
    assert ui.passage_excerpt(text, ()) == text
    assert ui.passage_excerpt("Short.\nText.\nHere.", ("Text.",)) == "Short.\nText.\nHere."


def test_the_model_panel_is_optional_and_per_session(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    panel = next(e for e in at.expander if e.label == "Language model (optional)")
    assert panel is not None and not at.exception
    assert not at.text_input and not at.selectbox, "no model is set up: nothing to choose"
    # The administrator's endpoint is not there: the answer falls back, with a notice.
    monkeypatch.setenv("PEERCHAT_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("PEERCHAT_LLM_MODEL", "nothing-here")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert at.selectbox(key="llm_endpoint").value == "http://127.0.0.1:9/v1"
    answer = _ask(at, "What did the peer team mean by corporate disobedience?")
    assert answer.found and answer.citations
    assert any("quotes the passages instead" in n for n in answer.notices), answer.notices
    # A visitor may choose no model: the answer quotes the reports.
    at.selectbox(key="llm_endpoint").set_value("").run()
    answer = _ask(at, "What did the peer team mean by corporate disobedience?")
    assert not any("language model" in n for n in answer.notices), answer.notices


# --- the language model's key and endpoints (issue 14, item 1) -------------------------------

SERVER_KEY = "sk-server-4f1b9c0e7d2a"


def _every_value_sent_to_the_browser(at: AppTest) -> list[str]:
    """The value, options, label, placeholder and help of every widget and the text of
    every element on the page: what a visitor's browser receives."""
    out: list[str] = []
    for kind in ("text_input", "text_area", "selectbox", "multiselect", "radio", "number_input"):
        for widget in getattr(at, kind):
            out.append(str(widget.value))
            for attr in ("options", "label", "placeholder", "help"):
                value = getattr(widget, attr, None)
                out.extend(str(v) for v in (value if isinstance(value, list) else [value]))
            out.append(str(widget.proto))
    for kind in ("markdown", "caption", "info", "warning", "error", "success"):
        out.extend(str(e.value) for e in getattr(at, kind))
    return out


def _ask_with_a_model(at: AppTest) -> None:
    at.chat_input[0].set_value("What did the peer team mean by corporate disobedience?").run()
    assert not at.exception, at.exception


def test_the_servers_key_is_in_no_widget_and_goes_only_to_its_endpoint(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.llm_fake import FakeModel, echo

    with FakeModel(echo("Nothing usable.")) as allowed, FakeModel(echo("Hi.")) as outside:
        monkeypatch.setenv("PEERCHAT_LLM_BASE_URL", allowed.url)
        monkeypatch.setenv("PEERCHAT_LLM_MODEL", "fake")
        monkeypatch.setenv("PEERCHAT_LLM_API_KEY", SERVER_KEY)
        at = AppTest.from_file(APP, default_timeout=60)
        # A visitor who forges the session's endpoint (any widget key it has had) gets the
        # allowed endpoint, never theirs.
        for key in ("llm_base_url", "llm_endpoint"):
            at.session_state[key] = outside.url
        at.run()
        assert not at.exception
        assert not any(SERVER_KEY in value for value in _every_value_sent_to_the_browser(at))
        _ask_with_a_model(at)
        assert not any(SERVER_KEY in value for value in _every_value_sent_to_the_browser(at))
    assert outside.requests == [], "nothing is sent outside the allow-list"
    assert allowed.requests, "the configured endpoint answered"
    assert {h.get("Authorization") for h in allowed.headers} == {f"Bearer {SERVER_KEY}"}


def test_a_visitor_chooses_among_allowed_endpoints_and_their_key_goes_only_there(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.llm_fake import FakeModel, echo

    with (
        FakeModel(echo("Nothing usable.")) as server_model,
        FakeModel(echo("Nothing usable.")) as second,
    ):
        monkeypatch.setenv("PEERCHAT_LLM_BASE_URL", server_model.url)
        monkeypatch.setenv("PEERCHAT_LLM_MODEL", "fake")
        monkeypatch.setenv("PEERCHAT_LLM_API_KEY", SERVER_KEY)
        monkeypatch.setenv("PEERCHAT_LLM_ALLOWED_ENDPOINTS", second.url + "/")
        at = AppTest.from_file(APP, default_timeout=60).run()
        endpoint = at.selectbox(key="llm_endpoint")
        assert endpoint.options == ["None: quote the reports", server_model.url, second.url]
        assert not [t for t in at.text_input if t.key in ("llm_base_url", "llm_endpoint")]
        # The second endpoint with no key of the visitor's: no key is sent to it.
        endpoint.set_value(second.url).run()
        _ask_with_a_model(at)
        # ... and with the visitor's own key: that key, to that endpoint only.
        at.text_input(key="llm_visitor_key").set_value("sk-visitor").run()
        _ask_with_a_model(at)
    # (A forged endpoint in the session is the test above.)
    assert server_model.requests == [], "the visitor moved to the second endpoint"
    keys = [h.get("Authorization") for h in second.headers]
    assert keys and set(keys) <= {None, "Bearer sk-visitor"} and "Bearer sk-visitor" in keys


def test_llm_choices_are_checked_outside_the_app_too() -> None:
    from peerchat.core.errors import PeerchatError
    from peerchat.core.settings import Settings

    settings = Settings.from_env(
        {
            "PEERCHAT_LLM_BASE_URL": "http://models.internal:8080/v1/",
            "PEERCHAT_LLM_MODEL": "small",
            "PEERCHAT_LLM_API_KEY": SERVER_KEY,
            "PEERCHAT_LLM_ALLOWED_ENDPOINTS": "https://api.example.org/v1",
            "PEERCHAT_LLM_ALLOWED_MODELS": "large",
        }
    )
    assert SERVER_KEY not in repr(settings) and "llm_api_key" not in repr(settings)
    assert settings.llm_endpoints == (
        "http://models.internal:8080/v1",
        "https://api.example.org/v1",
    )
    own = settings.llm_choice("http://models.internal:8080/v1", "large")
    assert (own.llm_base_url, own.llm_model, own.llm_api_key) == (
        "http://models.internal:8080/v1",
        "large",
        SERVER_KEY,
    )
    assert settings.llm_choice("https://api.example.org/v1", "small").llm_api_key == ""
    assert settings.llm_choice("https://api.example.org/v1", "small", "mine").llm_api_key == "mine"
    for endpoint in ("http://127.0.0.1:8799/v1", "http://models.internal:8080/v1/../x", "file:///"):
        with pytest.raises(PeerchatError, match="not one this server allows"):
            settings.llm_choice(endpoint, "small", "mine")
    with pytest.raises(PeerchatError, match="model is not one this server allows"):
        settings.llm_choice("https://api.example.org/v1", "other")
    assert not settings.llm_choice("", "").llm_enabled
    # The command line's --llm-base-url elsewhere does not take the configured key along.
    moved = Settings.from_env(
        {"PEERCHAT_LLM_BASE_URL": "http://a/v1", "PEERCHAT_LLM_API_KEY": SERVER_KEY},
        llm_base_url="http://b/v1",
    )
    assert moved.llm_api_key == ""
    same = Settings.from_env(
        {"PEERCHAT_LLM_BASE_URL": "http://a/v1", "PEERCHAT_LLM_API_KEY": SERVER_KEY},
        llm_base_url="http://a/v1/",
    )
    assert same.llm_api_key == SERVER_KEY


# --- what an answer searched ---------------------------------------------------------------


def _understood_line(at: AppTest, message: int) -> str:
    return at.chat_message[message].caption[0].value.replace("\\", "")


def test_a_question_naming_a_council_says_it_searched_that_council(app_env: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    _ask(at, "what did Lambeth say about scrutiny?")
    assert _understood_line(at, 1) == (
        "**Searched** Lambeth London Borough Council · all report types · all years"
    )
    assert not [b for b in at.button if b.key and b.key.startswith("narrow-")]


def test_a_vague_question_says_what_it_covered_and_offers_to_narrow(app_env: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    answer = _ask(at, "what about finances?")
    line = _understood_line(at, 1)
    assert line.startswith("**Searched** all 6 councils in the library: Bedford Borough Council,")
    assert line.endswith(" · all report types · all years")
    offers = [b for b in at.button if b.key and b.key.startswith("narrow-a0-")]
    cited = {name for c in answer.citations for name in c.council.split(" and ")}
    assert offers and {b.label for b in offers} == cited, (offers, cited)

    offers[0].click().run()
    assert not at.exception
    narrowed = at.session_state["exchanges"][-1]
    assert narrowed.answer.question == "what about finances?"
    assert narrowed.filters.councils == (offers[0].label,)
    assert {c.council for c in narrowed.answer.citations} <= {
        c.council for c in answer.citations if offers[0].label in c.council
    }
    assert _understood_line(at, 3) == (
        f"**Searched** {offers[0].label} only, as chosen · all report types · all years"
    )
    assert not at.sidebar.multiselect(key="filter_councils").value, "the sidebar is untouched"


def test_a_guessed_name_is_shown_and_can_be_taken_back(app_env: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    answer = _ask(at, "what did lambth say about scrutiny?")
    assert answer.understood.guesses == (("lambth", "Lambeth London Borough Council"),)
    captions = [c.value.replace("\\", "") for c in at.chat_message[1].caption]
    assert captions[:2] == [
        "**Searched** Lambeth London Borough Council · all report types · all years",
        "Taking 'lambth' as Lambeth London Borough Council.",
    ], captions
    assert captions.count("Taking 'lambth' as Lambeth London Borough Council.") == 1
    back = at.button(key="unguess-a0-0")
    assert back.label == "Ask again without Lambeth London Borough Council"
    back.click().run()
    assert not at.exception
    again = at.session_state["exchanges"][-1].answer
    assert again.question == "what did say about scrutiny?"
    assert again.understood.councils == () and again.understood.guesses == ()
    assert _understood_line(at, 3).startswith("**Searched** all 6 councils in the library")


def test_the_searched_line_reads_how_the_answer_understood_the_question() -> None:
    councils = ["A Council", "B Council", "C Council"]

    def line(understood: Understood, filters: Filters | None = None) -> str:
        answer = Answer("q", True, "x", understood=understood)
        seen = ui.searched(answer, filters or Filters(), councils)
        return ui.searched_markdown(seen).replace("\\", "")

    assert line(Understood()) == (
        "**Searched** all 3 councils in the library: A Council, B Council and C Council · "
        "all report types · all years"
    )
    named = Understood(councils=("B Council",), report_types=("action plan",), years=(2017,))
    assert line(named) == "**Searched** B Council · action plans · 2017"
    chosen = Filters(councils=("A Council",), date_from="2017-01-01", date_to="2018-12-31")
    assert line(Understood(councils=("A Council",)), chosen) == (
        "**Searched** A Council only, as chosen · all report types · 2017 to 2018"
    )
    assert line(Understood(councils=("A Council",), follow_up=True)) == (
        "**Searched** A Council, following on from the question before · all report types · "
        "all years"
    )
    assert line(Understood(missing=("Z Council",)), Filters(date_from="2019-01-01")).endswith(
        " · from 2019 · no report for Z Council in the library"
    )
    guessed = Answer(
        "q",
        True,
        "x",
        notices=("Taking 'a' as A Council.", "Other."),
        understood=Understood(councils=("A Council",), guesses=(("a", "A Council"),)),
    )
    seen = ui.searched(guessed, Filters(), councils)
    assert seen.guesses == (("a", "A Council"),) and seen.notices == ("Other.",)
    assert ui.searched(Answer("", False, "Ask a question."), Filters(), councils) is None


def test_a_guessed_name_comes_out_of_the_question_asked_again() -> None:
    assert ui.without_name("what did lambth say about scrutiny?", "lambth") == (
        "what did say about scrutiny?"
    )
    assert ui.without_name("Lambth's action plan: what is in it?", "lambth") == (
        "action plan: what is in it?"
    )
    assert ui.without_name("is cambrige in cambrige?", "cambrige") == "is in cambrige?"
    assert ui.without_name("scrutiny in lambthorpe", "lambth") == "scrutiny in lambthorpe"


def test_an_ingest_is_told_in_plain_words() -> None:
    from peerchat.index.build import IngestSummary

    read = IngestSummary(ingested=("a.pdf",), unchanged=("b.pdf",), reports=2, pages=20)
    assert ui.ingest_message(read).replace("\\", "") == (
        "Done: 1 new or changed report was read into the library. "
        "The library now holds 2 reports (20 pages)."
    )
    same = IngestSummary(unchanged=("a.pdf", "b.pdf"), reports=2, pages=20)
    assert ui.ingest_message(same).replace("\\", "") == (
        "Done: nothing had changed in the reports folder. The library holds 2 reports (20 pages)."
    )
    mixed = IngestSummary(
        ingested=("a.pdf", "c.pdf"),
        removed=("b.pdf",),
        skipped=(("d.pdf", "encrypted"),),
        reports=2,
        pages=9,
    )
    assert ui.ingest_message(mixed).replace("\\", "") == (
        "Done: 2 new or changed reports were read into the library; 1 report no longer in "
        "the folder was taken out; 1 file could not be read (below). "
        "The library now holds 2 reports (9 pages)."
    )
