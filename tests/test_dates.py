"""Dates at the precision the reports print them: read, shown and filtered."""

from __future__ import annotations

import pytest

from peerchat.core.dates import date_span, display_date, in_period
from peerchat.ingest.metadata import find_date


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        (
            "Bedford Borough Council LGA Corporate Peer Challenge - Action Plan\nJanuary 2024",
            "2024-01",
        ),
        ("Corporate Peer Challenge, 4-7 October 2016", "2016-10-04"),
        ("12th – 15th March 2018", "2018-03-12"),
        ("Sept 2019 update", "2019-09"),
        ("14/03/2018", "2018-03-14"),
        ("no date here", ""),
    ],
)
def test_find_date_keeps_the_precision_printed(text: str, iso: str) -> None:
    assert find_date(text) == iso


@pytest.mark.parametrize(
    ("iso", "shown"),
    [
        ("2024-01", "January 2024"),
        ("2016-10-04", "4 October 2016"),
        ("2017", "2017"),
        ("", "undated"),
        ("soon", "soon"),
    ],
)
def test_display_date(iso: str, shown: str) -> None:
    assert display_date(iso) == shown


def test_a_month_or_a_year_covers_its_days() -> None:
    assert date_span("2024-01") == ("2024-01-01", "2024-01-31")
    assert date_span("2024-02") == ("2024-02-01", "2024-02-29")
    assert date_span("2017") == ("2017-01-01", "2017-12-31")
    assert date_span("2016-10-04") == ("2016-10-04", "2016-10-04")
    assert date_span("") == ("", "")
    assert in_period("2024-01", date_from="2024-01-15")
    assert in_period("2024-01", date_to="2024-01-01")
    assert not in_period("2024-01", date_from="2024-02-01")
    assert not in_period("2024-01", date_to="2023-12-31")
    assert in_period("2024-01", date_from="2024")  # a year as a bound: from its first day
    assert in_period("2024-01", date_to="2024")  # ... to its last
    assert not in_period("", date_from="2018-01-01")
    assert in_period("")
