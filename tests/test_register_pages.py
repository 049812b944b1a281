"""The register's app pages (Recommendations, Signposted practice, Council briefing) run
with Streamlit's AppTest over the sample index."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def page(sample_index: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PEERCHAT_INDEX_DIR", str(sample_index))
    monkeypatch.chdir(ROOT)

    def load(name: str) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app_pages" / name), default_timeout=60)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return load


def test_recommendations_page_filters(page) -> None:
    at = page("2_Recommendations.py")
    assert at.title[0].value == "Recommendations"
    assert at.caption[0].value.startswith("110 recommendations from 5 reports")
    table = at.dataframe[0].value
    assert len(table) == 110, "Lambeth's seven repeated key recommendations counted once"
    assert set(table.columns) >= {"council", "date", "label", "themes", "text", "page"}
    assert "January 2024" in set(table["date"]), "the plan's date as printed"
    assert not at.sidebar.multiselect, "the filters are on the page"
    at.multiselect[0].select("Lambeth London Borough Council")
    at.toggle[0].set_value(True).run()
    assert not at.exception
    assert at.caption[0].value.startswith("10 recommendations from 1 report;")
    assert list(at.dataframe[0].value["council"].unique()) == ["Lambeth London Borough Council"]
    at.selectbox[0].select("performance").run()
    table = at.dataframe[0].value
    assert len(table) >= 1 and all("performance" in t for t in table["themes"])


def test_recommendations_page_download_and_chart(page) -> None:
    import json

    at = page("2_Recommendations.py")
    (button,) = at.get("download_button")
    assert button.proto.label == "Download CSV"
    chart = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert chart["encoding"]["y"]["axis"]["labelLimit"] == 0, "whole theme names"
    legend = chart["encoding"]["color"]["legend"]
    # Under the plot, moved left on a narrow screen so its right edge stays in the chart.
    assert legend["orient"] == "none" and legend["labelLimit"] == 0
    assert legend["legendX"]["expr"].startswith("min(0, width - ")
    assert chart["padding"]["bottom"] > 6 * 17, "room below the plot for six councils"
    assert chart["encoding"]["color"]["scale"]["range"][0] == "#0072B2", "Okabe-Ito palette"
    # A theme filter narrows the chart to that theme.
    at.selectbox[0].select("finance").run()
    chart = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert chart["encoding"]["y"]["sort"] == ["finance"]


def _cards(at: AppTest) -> list[str]:
    """The recommendation cards' headings ("**Recommendation 1** · Bedford ...")."""
    return [m.value for m in at.markdown if m.value.startswith("**") and " · " in m.value]


def _paging(at: AppTest) -> list[str]:
    return [c.value for c in at.caption if "shown; the chart is below" in c.value]


def test_recommendations_page_cards_come_twenty_at_a_time(page) -> None:
    """A phone gets the cards (CSS hides the table; tests/test_browser.py checks that):
    twenty, twenty more on "Show 20 more", and new filters start again from the first."""
    at = page("2_Recommendations.py")
    assert len(_cards(at)) == 20 and _paging(at) == ["20 of 110 shown; the chart is below."]
    at.button(key="more-cards").click().run()
    assert not at.exception
    assert len(_cards(at)) == 40 and _paging(at) == ["40 of 110 shown; the chart is below."]
    at.multiselect[0].select("Lambeth London Borough Council").run()
    assert len(_cards(at)) == 20 and _paging(at) == ["20 of 33 shown; the chart is below."]
    assert at.button(key="more-cards").label == "Show 13 more"
    at.button(key="more-cards").click().run()
    assert len(_cards(at)) == 33 and _paging(at) == []
    assert not [b for b in at.button if b.key == "more-cards"], "all 33 shown"
    assert at.get("vega_lite_chart"), "the chart follows the cards"


def test_signposts_page_search(page) -> None:
    at = page("3_Signposted_practice.py")
    names = [h.value for h in at.header]
    assert names == [
        "Adur and Worthing Councils",
        "Suffolk Coastal and Waveney Councils",
        "Dorset Councils Partnership",
        "21st century councillor and public servant",
        "Breckland and South Holland",
    ]
    at.sidebar.text_input[0].input("digital").run()
    assert not at.exception
    assert [h.value for h in at.header] == [
        "Adur and Worthing Councils",
        "Breckland and South Holland",
    ]
    assert at.caption[0].value == "2 of 5 signposted examples."


def test_briefing_page(page) -> None:
    at = page("4_Council_briefing.py")
    assert not at.sidebar.selectbox, "the council picker is on the page"
    assert at.selectbox[0].value == "Bedford Borough Council"
    assert at.subheader[0].value == "Recommendations and actions (20)"
    table = at.table[0].value
    assert len(table) == 20
    assert list(table.columns) == ["Recommendation", "Action", "Sponsor", "Lead", "Due", "Source"]
    assert "Portfolio Holder for Finance" in table["Sponsor"].iloc[9]
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Download Word (.docx)", "Download Markdown"]
    at.selectbox[0].select("Lambeth London Borough Council").run()
    assert not at.exception
    assert any("No action plan for Lambeth London Borough Council" in i.value for i in at.info)
    assert set(at.table[0].value["Action"]) == {"no action recorded"}
