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
    assert at.caption[0].value.startswith("117 recommendations from 5 reports")
    table = at.dataframe[0].value
    assert len(table) == 117
    assert set(table.columns) >= {"council", "date", "number", "key", "themes", "text", "page"}
    at.sidebar.multiselect[0].select("Lambeth London Borough Council")
    at.sidebar.toggle[0].set_value(True).run()
    assert not at.exception
    assert at.caption[0].value.startswith("10 recommendations from 1 reports")
    assert list(at.dataframe[0].value["council"].unique()) == ["Lambeth London Borough Council"]
    at.sidebar.selectbox[0].select("performance").run()
    table = at.dataframe[0].value
    assert len(table) >= 1 and all("performance" in t for t in table["themes"])


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
    assert at.sidebar.selectbox[0].value == "Bedford Borough Council"
    text = at.markdown[0].value
    assert "## Key recommendations \\(20\\)" in text or "## Key recommendations (20)" in text
    assert text.count("   - Sponsor: ") == 20
    at.sidebar.selectbox[0].select("Lambeth London Borough Council").run()
    assert not at.exception
    assert "No action plan for Lambeth London Borough Council is in the library." in (
        at.markdown[0].value
    )
    assert len(at.get("download_button")) == 1
