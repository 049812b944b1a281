"""Dates as the reports print them, kept at the precision printed.

A report dated "4-7 October 2016" has a day (`2016-10-04`); an action plan dated "January
2024" has a month (`2024-01`), never a made-up day; a catalogue may give only a year
(`2017`). These ISO strings are what records hold and JSON carries; `display_date` is how
they are shown, and `date_span` lets a filter by day or year treat a month as the days it
covers.
"""

from __future__ import annotations

import calendar
import re

ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def display_date(iso: str, blank: str = "undated") -> str:
    """ "2024-01" -> "January 2024", "2016-10-04" -> "4 October 2016", "2017" -> "2017";
    `blank` for ""; anything else as it is."""
    m = ISO_DATE.match(iso.strip()) if iso else None
    if not iso:
        return blank
    if m is None:
        return iso
    year, month, day = m.groups()
    if month is None or not 1 <= int(month) <= 12:
        return year
    name = MONTH_NAMES[int(month) - 1]
    return f"{int(day)} {name} {year}" if day else f"{name} {year}"


def date_span(iso: str) -> tuple[str, str]:
    """The first and last day an ISO date of any precision covers, as "YYYY-MM-DD":
    "2024-01" -> ("2024-01-01", "2024-01-31"); ("", "") when `iso` is not a date."""
    m = ISO_DATE.match(iso.strip()) if iso else None
    if m is None:
        return "", ""
    year, month, day = m.groups()
    if day:
        return iso, iso
    if month:
        last = calendar.monthrange(int(year), int(month))[1]
        return f"{year}-{month}-01", f"{year}-{month}-{last:02d}"
    return f"{year}-01-01", f"{year}-12-31"


def in_period(iso: str, date_from: str = "", date_to: str = "") -> bool:
    """Whether a date of any precision falls, at least in part, between `date_from` and
    `date_to` (ISO days, either may be ""): January 2024 is in "since 2024-01-15"."""
    first, last = date_span(iso)
    date_from = date_span(date_from)[0] or date_from  # "2018" means from its first day
    date_to = date_span(date_to)[1] or date_to  # ... and to its last
    if not first:
        return not date_from and not date_to
    if date_from and last < date_from:
        return False
    return not (date_to and first > date_to)
