"""The recommendation register on the real sample reports: extraction counts, signposts,
action-plan rows, storage with the generation, theme tags and cross-report matching."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from peerchat.core.records import Report, Section, TableRow
from peerchat.index.embedding import HashEmbedder
from peerchat.index.register import (
    action_answering,
    build_register,
    matching_recommendations,
    select_recommendations,
)
from peerchat.index.store import Library
from peerchat.ingest.chunk import chunk_report
from peerchat.ingest.register import extract_recommendations, find_dates, repeats
from peerchat.ingest.report import read_report

CB = "Central Bedfordshire Council"
LAMBETH = "Lambeth London Borough Council"
CAMBRIDGE = "Cambridge City Council"
BROMSGROVE = "Bromsgrove District Council"
BEDFORD = "Bedford Borough Council"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def library(sample_index: Path) -> Library:
    return Library.open(sample_index)


def _recs(library: Library, council: str, key: bool | None = None):
    recs = select_recommendations(library.register, [council])
    return [r for r in recs if key is None or r.key == key]


def test_key_recommendation_counts(library: Library) -> None:
    counts = {c: len(_recs(library, c, key=True)) for c in (CB, LAMBETH, CAMBRIDGE, BROMSGROVE)}
    assert counts == {CB: 5, LAMBETH: 10, CAMBRIDGE: 6, BROMSGROVE: 9}
    for council in (CB, LAMBETH, CAMBRIDGE, BROMSGROVE):
        numbers = [r.number for r in _recs(library, council, key=True)]
        assert numbers == [str(n) for n in range(1, len(numbers) + 1)], council


def test_key_recommendations_keep_their_continuations(library: Library) -> None:
    cambridge = {r.number: r for r in _recs(library, CAMBRIDGE, key=True)}
    assert cambridge["1"].text.startswith("Prioritise what's important to you and focus on")
    # "• 6. World famous ..." is a lead line; the paragraph after it belongs to it.
    assert cambridge["6"].text.startswith("World famous cutting edge city")
    assert cambridge["6"].text.endswith("how it can be a cutting edge council.")
    cb = {r.number: r for r in _recs(library, CB, key=True)}
    assert cb["1"].text.startswith("In collaboration with your partners")  # "• 1)" stripped
    assert "political and managerial clarity" in cb["4"].text, "paragraph between items 4 and 5"
    bromsgrove = _recs(library, BROMSGROVE, key=True)
    assert not any("Further recommendations" in r.text for r in bromsgrove)


def test_bromsgrove_further_recommendations_counted_once(library: Library) -> None:
    further = _recs(library, BROMSGROVE, key=False)
    # Annex I lists 22 further recommendations, the same ones the sections give.
    assert [r.number for r in further] == [str(n) for n in range(1, 23)]
    assert len({r.text for r in further}) == 22
    by_number = {r.number: r for r in further}
    assert by_number["9"].text.startswith("Review processes for supporting members")
    assert (
        by_number["14"].section == "9 Financial planning and viability > Recommendations – finance"
    )
    assert by_number["14"].page == 9


def test_annex_items_run_together_are_split_and_deduplicated() -> None:
    text = (
        "1. Key recommendations\n\n• Do the first thing\n• Do the second thing\n\n"
        "Annex I\n\nKey Recommendations\n\n• Do the first thing\n• Do the second thing\n\n"
        "Further Recommendations\n\n1. Review the budget process 2. Train every officer\n\n"
        "3. Do the first thing"
    )
    annex = text.index("Annex I")
    sub = text.index("Key Recommendations")
    sections = (
        Section("1", "Key recommendations", "key recommendations", "1 Key recommendations",
                0, annex - 2, 1, 1),
        Section("Annex I", "Annex I", "annex", "Annex I", annex, sub - 2, 1, 1),
        Section("", "Key Recommendations", "key recommendations", "Annex I > Key Recommendations",
                sub, len(text), 1, 1),
    )  # fmt: skip
    report = Report("f" * 64, "x.txt", "x.txt", ("Somewhere Council",), "feedback report",
                    "2020-01-01", "T", text, (0,), sections)  # fmt: skip
    recs = extract_recommendations(report, chunk_report(report))
    assert [(r.key, r.number, r.text, r.origin) for r in recs] == [
        (True, "1", "Do the first thing", "report"),
        (True, "2", "Do the second thing", "report"),
        (False, "1", "Review the budget process", "annex"),
        (False, "2", "Train every officer", "annex"),
    ]


def test_items_link_to_the_passage_that_holds_them(library: Library) -> None:
    chunks = {c.id: c for c in library.chunks}
    for rec in library.register.recommendations:
        chunk = chunks[rec.chunk_id]
        report = library.reports[rec.report_id]
        assert chunk.report_id == rec.report_id
        if rec.origin != "action plan":
            assert chunk.start <= rec.start < chunk.end, rec.id
            assert report.page_at(rec.start) == rec.page
            text = library.report_text(report.id)  # report texts stay on disk
            assert rec.text[:30] in " ".join(text[rec.start : rec.end].split())
    for s in library.register.signposts:
        assert chunks[s.chunk_id].start <= s.start < chunks[s.chunk_id].end


def test_bedford_action_plan_rows(library: Library) -> None:
    # Row by row against the text export: tests/test_action_plan.py.
    rows = [a for a in library.register.actions if BEDFORD in a.councils]
    assert [a.ref for a in rows] == [str(n) for n in range(1, 21)]
    assert all(a.sponsor and a.lead for a in rows), "6 and 7 take the cells of 5, their group"
    by_ref = {a.ref: a for a in rows}
    assert by_ref["1"].sponsor == "Mayor/ Deputy Mayor"
    assert by_ref["1"].lead == "Chief Executive"
    assert by_ref["10"].lead == "Asst Chief Executive (Finance) & CFO"
    assert by_ref["4"].dates == ("from February to August 2024", "in the autumn 2024",
                                 "by February 2025")  # fmt: skip
    assert by_ref["8"].dates == ("by July 2024",)
    assert by_ref["8"].recommendation.startswith("Capitalise upon the widespread desire")
    # The feedback report is not in the library: the plan's column stands in for it.
    recs = _recs(library, BEDFORD)
    assert len(recs) == 20 and all(r.origin == "action plan" and not r.key for r in recs)
    assert action_answering(library.register, recs[7]) == by_ref["8"]


def test_lambeth_repeats_are_counted_once(library: Library) -> None:
    key = _recs(library, LAMBETH, key=True)
    further = _recs(library, LAMBETH, key=False)
    assert len(key) == 10
    # Seven key recommendations are repeated in the sections' lists; each is one row.
    repeated = {r.number: (r.also_sections, r.also_pages) for r in key if r.also_pages}
    assert repeated == {
        "1": (("4.1 Understanding of the local place and priority setting > Recommendations",),
              (6,)),
        "2": (("4.2 Leadership of place > Recommendations",), (7,)),
        "5": (("4.5 Capacity to deliver > Recommendations",), (10,)),
        "7": (("4.4 Organisational leadership and governance > Recommendations",), (9,)),
        "8": (("4.4 Organisational leadership and governance > Recommendations",), (9,)),
        "9": (("4.5 Capacity to deliver > Recommendations",), (11,)),
        "10": (("4.4 Organisational leadership and governance > Recommendations",), (9,)),
    }  # fmt: skip
    assert len(further) == 30 - 7
    assert [r.number for r in further] == [str(n) for n in range(1, 24)]
    texts = [r.text for r in key + further]
    assert not any(t.startswith("Speak up for the borough") for t in texts), "repeat of key 2"
    # Close in subject is not a repeat: key 3 and the section's longer list item both stay.
    assert any(
        t.startswith("Be clear on the key priorities of the council – what is") for t in texts
    )


def test_a_repeat_is_the_same_text_or_near_it() -> None:
    assert repeats("Be seen to speak up for the borough and residents by campaigning on issues",
                   "Speak up for the borough and residents by campaigning on issues")  # fmt: skip
    assert not repeats(
        "Commence the implementation of the Organisational Redesign immediately and deliver "
        "the restructure quickly",
        "Commence the implementation of the Organisational Redesign saving for 2017/18 quickly "
        "to avoid further, reactive, voluntary redundancies",
    )
    assert not repeats("", "Anything")


def test_bromsgrove_signposts(library: Library) -> None:
    signposts = [s for s in library.register.signposts if BROMSGROVE in s.councils]
    assert [s.name for s in signposts] == [
        "Adur and Worthing Councils",
        "Suffolk Coastal and Waveney Councils",
        "Dorset Councils Partnership",
        "21st century councillor and public servant",
        "Breckland and South Holland",
    ]
    assert [s.page for s in signposts] == [6, 7, 8, 9, 10]
    assert all(s.text and not s.text.startswith("Signpost") for s in signposts)
    research = signposts[3]
    assert research.links == ("https://21stcenturypublicservant.wordpress.com/",)
    assert research.section == "9 Financial planning and viability"
    assert signposts[4].text.startswith("Breckland and South Holland councils have a shared")
    assert not any(s for s in library.register.signposts if BROMSGROVE not in s.councils)


def test_signposts_link_by_content_never_by_position(library: Library) -> None:
    signposts = [s for s in library.register.signposts if BROMSGROVE in s.councils]
    recs = {r.id: r for r in library.register.recommendations}
    links = {s.name: (recs[s.recommendation_id].text[:40], s.match) for s in signposts
             if s.recommendation_id}  # fmt: skip
    assert links["Adur and Worthing Councils"] == (
        "Consider the impact that digital transfo",
        'shares the phrase "single digital strategy"',
    )
    # The research on councillors' roles was shown supporting "a new finance system" (the
    # recommendation printed just before it): now the leadership-role one, by similarity.
    research_rec, how = links["21st century councillor and public servant"]
    assert research_rec.startswith("Share this emerging culture with partner")
    assert how.startswith("similar text (cosine 0.5") and how.endswith("all-MiniLM-L6-v2)")
    for s in signposts:
        if not s.recommendation_id:
            assert (s.recommendation, s.match, s.match_score) == ("", "", 0.0), s.name
            continue
        rec = recs[s.recommendation_id]
        assert s.recommendation == rec.text and rec.report_id == s.report_id
        if s.match.startswith("shares the phrase"):
            phrase = s.match.split('"')[1]
            assert phrase in s.text.lower() and phrase in rec.text.lower(), s.name
        else:
            assert s.match_score >= 0.5 and f"cosine {s.match_score:.2f}" in s.match, s.name
    # The finance-system recommendation printed just before the research supports nothing.
    finance = next(r for r in recs.values() if r.text.startswith("Expedite the business case"))
    assert not any(s.recommendation_id == finance.id for s in signposts)


def test_signposts_without_an_embedder_link_only_by_phrase() -> None:
    report = read_report(
        ROOT / "tests" / "data" / "text" / "bromsgrove-redditch-cpc-feedback-2018.txt"
    )
    register = build_register([report], chunk_report(report), None)
    linked = {s.name: s.match for s in register.signposts if s.recommendation_id}
    assert linked == {"Adur and Worthing Councils": 'shares the phrase "single digital strategy"'}


def test_find_dates() -> None:
    assert find_dates("to run until June 2024 and be presented in September 2024.") == (
        "until June 2024",
        "in September 2024",
    )
    assert find_dates("from February to August 2024; agreed by February 2025") == (
        "from February to August 2024",
        "by February 2025",
    )
    assert find_dates("Since 2015 the council, in 2015, did well") == ()


def test_themes_cover_the_taxonomy(library: Library) -> None:
    tags = Counter(t for r in library.register.recommendations for t in r.themes)
    assert all(r.themes for r in library.register.recommendations)
    assert len(tags) == 9, tags
    assert library.register.vectors.shape == (len(library.register.recommendations), 384)


def test_narrower_priorities_share_the_priorities_theme(library: Library, minilm) -> None:
    query = minilm.embed(["narrower set of priorities"])
    matches = matching_recommendations(library.register, library, query, None, floor=0.4)
    best: dict[str, tuple] = {}
    for rec, score in matches:
        best.setdefault(rec.report_id, (rec, score))
    themed = {rec.council for rec, _ in best.values() if "priorities and vision" in rec.themes}
    assert len(themed) >= 3, [(r.council, r.text[:60], r.themes) for r, _ in best.values()]
    # Best per report first, each report once at the head of the list.
    heads = [rec.report_id for rec, _ in matches[: len(best)]]
    assert len(set(heads)) == len(heads)


def test_matching_respects_the_mask(library: Library, minilm) -> None:
    import numpy as np

    query = minilm.embed(["strengthen overview and scrutiny"])
    matches = matching_recommendations(library.register, library, query, None, floor=0.45)
    councils = {c for rec, _ in matches for c in rec.councils}
    assert {LAMBETH, BEDFORD, CB} <= councils, councils
    only_lambeth = np.asarray([LAMBETH in c.councils for c in library.chunks])
    masked = matching_recommendations(library.register, library, query, only_lambeth, 0.45)
    assert masked and all(LAMBETH in rec.councils for rec, _ in masked)


def test_action_rows_link_to_the_recommendation_they_answer(library: Library) -> None:
    # The library's report records leave their text on disk: read it back to chunk it.
    lambeth = next(
        s.report for s in library.with_texts(library.stored) if LAMBETH in s.report.councils
    )
    key3 = next(r for r in _recs(library, LAMBETH, key=True) if r.number == "3")
    text = "Ref\tRecommendation\tAction\tSponsor\tLead\n"
    cells = (("Ref", ""), ("Recommendation", key3.text), ("Action", "Agree priorities by May 2017"),
             ("Sponsor", "Leader"), ("Lead", "Chief Executive"))  # fmt: skip
    plan = Report("a" * 64, "lambeth-plan.txt", "lambeth-plan.txt", (LAMBETH,), "action plan",
                  "2017-01-01", "Action plan", text, (0,), (),
                  (TableRow("1", cells, 0, len(text), 1, 1),))  # fmt: skip
    chunks = chunk_report(lambeth) + chunk_report(plan)
    register = build_register([lambeth, plan], chunks, HashEmbedder())
    (row,) = register.actions
    assert row.answers == key3.id
    assert row.dates == ("by May 2017",)
    assert not any(r.origin == "action plan" for r in register.recommendations)
    rec = register.by_id(key3.id)
    assert rec is not None and action_answering(register, rec) == row


def test_the_register_reads_back_as_written(library: Library) -> None:
    import sqlite3
    from dataclasses import replace

    import numpy as np

    from peerchat.index.store.register import Register, read_register, write_register

    full = library.register
    # Tuple and bool columns of every kind, with and without vectors, and no rows at all.
    for register in (
        full,
        replace(full, vectors=np.zeros((0, 0), dtype=np.float32)),
        Register(),
    ):
        conn = sqlite3.connect(":memory:")
        write_register(conn, register)
        back = read_register(conn)
        assert back.recommendations == register.recommendations
        assert back.signposts == register.signposts
        assert back.actions == register.actions
        assert np.array_equal(back.vectors, register.vectors)
    assert any(r.key for r in full.recommendations) and any(not r.key for r in full.recommendations)
    assert any(r.themes for r in full.recommendations)
