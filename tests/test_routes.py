"""The answer routes on the real sample corpus, one test per kind of question that went
wrong on questions written by other hands (issue 15). The examples are written here, not
taken from any question set: each asks the same kind of thing in other words."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from peerchat.cli import main
from peerchat.core.councils import CouncilDirectory
from peerchat.index.search import Turn
from peerchat.index.search.glossary import abbreviations_in
from peerchat.index.search.intent import read_intent
from peerchat.index.search.query import own_terms, respelt, understand

MARKER = re.compile(r"\[(\d+)\]")


def _ask(assistant, *questions: str):
    """The answer to the last question, asked after the others in one conversation."""
    history: list[Turn] = []
    for question in questions[:-1]:
        history.append(Turn.from_answer(assistant.answer(question, history)))
    return assistant.answer(questions[-1], history)


def _valid(answer) -> None:
    numbers = {c.n for c in answer.citations}
    assert {int(m) for m in MARKER.findall(answer.text)} <= numbers
    for citation in answer.citations:
        for quote in citation.quotes:
            assert quote in citation.text


# 1. Structured questions are answered from the action plan's columns and the register.


def test_who_leads_is_the_action_plan_rows_lead(assistant):
    answer = assistant.answer(
        "Which service area is responsible for Bedford making its reports to councillors accurate?"
    )
    _valid(answer)
    assert answer.found and "Recommendation 9" in answer.text
    assert "**Lead:** Chief Executive/ Personnel/ Democratic Services" in answer.text
    assert {c.council for c in answer.citations} == {"Bedford Borough Council"}


def test_sponsor_and_date_come_from_the_same_row(assistant):
    answer = assistant.answer("who sponsors Bedford's external review of overview and scrutiny?")
    assert "Recommendation 8" in answer.text
    assert "**Cabinet sponsor:** Mayor/ Deputy Mayor" in answer.text
    assert "by July 2024" in answer.text


def test_a_shared_action_is_given_whole_to_each_row_it_answers(assistant):
    answer = assistant.answer("what is Bedford doing to clarify roles in its senior leadership?")
    assert "Recommendation 7" in answer.text and "shared with recommendations 5–7" in answer.text
    assert "Work with LGA and others" in answer.text, "the action's start, from row 5's cell"
    assert "by February 2024" in answer.text
    _valid(answer)
    # Each row whose cell prints part of the action is cited, quoting that part.
    quoting = [c.section.rsplit("> ", 1)[-1] for c in answer.citations if len(c.quotes) > 0]
    assert {"Recommendation 5", "Recommendation 6", "Recommendation 7"} <= set(quoting)
    own = answer.citations[0]
    assert any(q.startswith("Executive/MT meetings") for q in own.quotes), own.quotes


def test_an_action_pointing_at_another_row_gives_that_row(assistant):
    # Row 9's action opens "As set out in response to Recommendation 3, the Council will
    # strengthen evidence-based decision making": the answer is row 3, which it points to.
    answer = assistant.answer("who leads Bedford action on evidence-based decision making?")
    assert "Recommendation 3:" in answer.text and "Recommendation 9:" not in answer.text
    assert "Chief Executive/Corp" in answer.text


def test_a_councils_key_recommendations_are_listed_from_the_register(assistant):
    answer = assistant.answer("give me central beds' key recommendations")
    _valid(answer)
    assert "5 key recommendations" in answer.text
    assert all(c.council == "Central Bedfordshire Council" for c in answer.citations)
    assert answer.items and len(answer.items) == 5


def test_what_the_peers_recommend_as_a_verb_lists_the_key_recommendations(assistant):
    # "recommend" is a word of its own, not a misspelt "recommended".
    assert respelt("what did they recommend?") == "what did they recommend?"
    answer = assistant.answer("what did lambeth's peers recommend, in short?")
    _valid(answer)
    assert "10 key recommendations" in answer.text
    # After a question on a subject, "what did they recommend about it?" asks for the
    # recommendations on it, not the list.
    on_it = _ask(
        assistant,
        "what did the peers say about central beds' school system?",
        "what did they recommend about it?",
    )
    assert "key recommendations:" not in on_it.text
    assert "three tier school system" in on_it.text


# 2. Follow-ups keep the thread.


def test_the_others_after_a_question_on_one_council_are_the_rest_of_the_library(assistant):
    first = "how many days did the peer team spend at Central Bedfordshire?"
    answer = _ask(assistant, first, "and which of the others spent as long?")
    _valid(answer)
    cited = {c.council for c in answer.citations}
    assert "Central Bedfordshire Council" not in cited
    assert {"Lambeth London Borough Council", "Cambridge City Council"} <= cited
    # "examples from other councils" asks for signposted practice, not the other reports.
    examples = _ask(
        assistant,
        "what did the peers say about digital at bromsgrove and redditch?",
        "any examples from other councils they could learn from?",
    )
    assert "Signpost" in examples.text


def test_a_council_named_after_apart_from_is_left_out_not_asked_about(assistant):
    answer = assistant.answer("Apart from Cambridge, which councils were told to look at scrutiny?")
    _valid(answer)
    cited = {c.council for c in answer.citations}
    assert answer.aggregate
    assert "Cambridge City Council" not in cited
    assert len(cited) >= 2
    # Two left out, after the frame of the question; the rest of the library remains.
    answer = assistant.answer(
        "Which councils other than Lambeth and Bedford mention partnership working?"
    )
    cited = {c.council for c in answer.citations}
    assert not cited & {"Lambeth London Borough Council", "Bedford Borough Council"}
    assert "Central Bedfordshire Council" in cited
    # "Setting X to one side", "leaving X aside": the same, with the council in between.
    answer = assistant.answer(
        "setting lambeth to one side, which reports mention children's services?"
    )
    cited = {c.council for c in answer.citations}
    assert answer.found and "Lambeth London Borough Council" not in cited
    # A follow-up that only leaves a council out keeps the conversation's subject.
    answer = _ask(
        assistant,
        "which councils were told to improve their scrutiny function?",
        "and leaving out central beds?",
    )
    cited = {c.council for c in answer.citations}
    assert cited and "Central Bedfordshire Council" not in cited
    assert any("scrutiny" in q.lower() for c in answer.citations for q in c.quotes)


def test_the_lead_officer_asked_after_a_plan_row_is_that_rows(assistant):
    # "lead officer" names the lead column, as other plans' headings do, not a subject.
    first = "what is bedford doing to bring its corporate plan together with partners?"
    row = re.search(r"Recommendation \d+", assistant.answer(first).text).group()
    answer = _ask(assistant, first, "and the cabinet sponsor and lead officer for that one?")
    assert answer.text.startswith(f"**Bedford Borough Council** (action plan, January 2024), {row}")
    assert "**Lead:**" in answer.text and "**Cabinet sponsor:**" in answer.text


def test_recommendations_asked_for_in_shorthand_are_listed(assistant):
    answer = assistant.answer("central beds key recs pls")
    assert answer.found and "key recommendations:" in answer.text
    answer = assistant.answer("which LGA recommendations is Bedford responding to?")
    assert answer.found and "20 recommendations in the action plan:" in answer.text
    # Asked politely, or naming the review ("cpc"): still the list.
    for question in ("could you list cambridge's main recs?", "bromsgrove cpc 2018 key recs"):
        answer = assistant.answer(question)
        assert answer.found and "key recommendations:" in answer.text, question


def test_recommendations_named_by_section_are_that_sections(assistant):
    answer = assistant.answer("give me Lambeth's recommendations on financial planning")
    _valid(answer)
    expected = [
        r
        for r in assistant.library.register.recommendations
        if r.council == "Lambeth London Borough Council" and "Financial planning" in r.section
    ]
    assert expected and f"{len(expected)} recommendation" in answer.text
    for rec in expected:
        assert " ".join(rec.text.split())[:60] in answer.text


def test_a_list_request_in_other_words_is_the_key_recommendations(assistant):
    answer = assistant.answer("a few bullet points on what lambeth was told to do please")
    assert "10 key recommendations" in answer.text
    # The route's word misspelt is still the route's word.
    answer = assistant.answer("give me lambeth's key recomendations pls")
    assert "10 key recommendations" in answer.text
    assert respelt("which councils got commendations?") == "which councils got commendations?"


def test_a_follow_up_picking_one_of_the_listed_recommendations_gets_it_whole(assistant):
    answer = _ask(
        assistant,
        "what were cambridge's key recommendations?",
        "what was meant by the shared services one?",
    )
    assert "1 recommendation on this" in answer.text
    assert "Reinvigorating the partnership" in answer.text


def test_it_in_capitals_is_information_technology(assistant):
    answer = assistant.answer("how did the peers rate Cambridge's IT?")
    assert answer.found
    assert "IT infrastructure" in " ".join(q for c in answer.citations for q in c.quotes)
    staff = _ask(assistant, "how did the peers rate Cambridge's IT?", "how has that hit staff?")
    assert "staff morale" in staff.text
    # Named as the subject of a follow-up on an action-plan row, "IT" is no pronoun: the
    # row is left, and Bedford's plan has nothing on it.
    absent = _ask(
        assistant,
        "who leads bedford's work on evidence-based decision making?",
        "is there anything about IT in that plan?",
    )
    assert not absent.found and not absent.citations
    assert absent.understood is not None and absent.understood.follow_up
    assert "do not say" in absent.text and "**Lead:**" not in absent.text


def test_it_in_a_follow_up_is_the_earlier_subject_not_an_unknown_word(assistant):
    answer = _ask(
        assistant,
        "what is Cambridge's anti-poverty strategy about?",
        "what was the peers' verdict on it?",
    )
    assert answer.found
    assert {c.council for c in answer.citations} == {"Cambridge City Council"}
    given = assistant.answer("list the recommendations the peers gave Bromsgrove")
    assert "key recommendations" in given.text


def test_a_word_only_in_an_action_plans_sponsor_cell_is_not_the_rows_subject(assistant):
    # Bedford's finance rows are sponsored by the "Portfolio Holder for Finance, Risk and
    # Welfare"; no action is about welfare.
    answer = assistant.answer("What is Bedford doing on welfare reform in its action plan?")
    assert not answer.found
    sponsor = assistant.answer("Who sponsors Bedford's budget-setting review?")
    assert sponsor.found and "Welfare" in sponsor.text
    # Only the row's own cell is set aside: "Executive" is a sponsor cell and also in
    # actions' text.
    assert assistant.answer("What did the peers say about the Executive at Bedford?").found


def test_a_follow_up_on_a_new_subject_leaves_the_action_plan_row(assistant):
    # The row on staff retention is not about school transport, and "plan" is the
    # document asked about, not a subject the plan mentions.
    earlier = "who leads Bedford's work on staff retention?"
    for question in (
        "is there anything in bedford's plan on school transport?",
        "and anything in that plan about museums?",
        "and anything in that plan about the museums?",
    ):
        assert not _ask(assistant, earlier, question).found, question
    assert _ask(assistant, earlier, "and who sponsors it?").found
    # How the row is going is no new subject: the answer stays on the row.
    for question in ("is it on track?", "what is the status of delivery?"):
        answer = _ask(assistant, earlier, question)
        assert answer.items == _ask(assistant, earlier).items, question


def test_a_follow_up_naming_its_own_subject_is_judged_on_that_subject(assistant):
    # "it" is the report here, not the finances: Cambridge's report has no agency staff.
    earlier = "What did the peers make of Cambridge's finances?"
    answer = _ask(assistant, earlier, "does it touch on agency staff at all?")
    assert not answer.found
    answer = _ask(assistant, earlier, "anything on devolution in there?")
    assert answer.found
    assert "devolution" in " ".join(q for c in answer.citations for q in c.quotes).lower()


def test_light_words_of_a_follow_up_name_no_subject_of_their_own():
    # "why is that seen as a problem?" asks about the earlier subject; "too" and "seen"
    # are no subject, "worry" is one.
    assert own_terms("why is that seen as a problem") == frozenset()
    assert own_terms("is that a worry too") == own_terms("worry")
    # "any specific examples?" asks for more of the earlier subject, not for "examples".
    assert own_terms("any specific examples") == frozenset()


def test_a_column_asked_after_a_quoted_plan_row_is_that_rows(assistant):
    from peerchat.index.answer.extractive import _evidence, _rows_quoted

    # An answer quoting sentences of an action-plan row's passage is about that row.
    library = assistant.library
    row = next(a for a in library.register.actions if "overspend" in a.action)
    passage = library.chunks.rows_of_ids([row.chunk_id])[row.chunk_id]
    sentence = int(library.sentences.rows_of(np.asarray([passage]))[-1])
    assert _rows_quoted(library, [_evidence(library, sentence, 0.5)]) == (row.id,)
    # The follow-up asks for that row's sponsor in words no report uses ("on their desk").
    first = "how big was bedford's in-year overspend?"
    answer = _ask(assistant, first, "who's the cabinet member with that on their desk?")
    _valid(answer)
    assert answer.found
    assert "Recommendation 10" in answer.text
    assert "Portfolio Holder for Finance, Risk and Welfare" in answer.text


def test_follow_ups_ask_about_the_row_the_last_answer_cited(assistant):
    first = "What is Bedford planning for its performance reporting?"
    lead = _ask(assistant, first, "who leads on that?")
    assert "Recommendation 18" in lead.text and "**Lead:** Corporate Leadership Team" in lead.text
    sponsor = _ask(assistant, first, "who leads on that?", "and the cabinet sponsor?")
    assert "Recommendation 18" in sponsor.text
    assert sponsor.text.index("Cabinet sponsor") < sponsor.text.index("Lead:")
    when = _ask(assistant, first, "by when?")
    assert "Recommendation 18" in when.text and "September 2024" in when.text


def test_a_follow_up_naming_a_column_by_its_heading_stays_on_the_row(assistant):
    # "Lead Service Area" is the column's heading: "area" asks for it, not a new subject.
    answer = _ask(
        assistant,
        "who sponsors Bedford's external review of overview and scrutiny?",
        "and the lead service area?",
    )
    assert "Recommendation 8" in answer.text
    assert "**Lead:** Chief Executive/ Democratic Services" in answer.text


def test_which_ones_after_a_list_of_councils_asks_every_council_again(assistant):
    # "which ones" are councils here, all of them: not only those the last answer listed.
    answer = _ask(
        assistant,
        "which councils had Clare Hudson on the peer team?",
        "and which ones name Helen Murray as the main contact?",
    )
    assert answer.understood is not None and answer.understood.councils == ()
    assert "Helen Murray" in answer.text
    # "which ones ... it?" points back: the councils just listed and their subject.
    listed = assistant.answer("which councils were told to improve their scrutiny?")
    answer = _ask(
        assistant,
        "which councils were told to improve their scrutiny?",
        "and which ones were praised for it?",
    )
    assert answer.understood is not None
    assert set(answer.understood.councils) == set(listed.councils)


def test_a_council_swap_keeps_the_topic_and_an_absent_council_does_not_end_the_thread(
    assistant,
):
    first = "What did Lambeth's peer team say about its voluntary redundancy programme?"
    absent = _ask(assistant, first, "and Leeds?")
    assert not absent.found and "no report for Leeds City Council" in absent.text
    back = _ask(assistant, first, "and Leeds?", "ok, what about Cambridge then?")
    assert back.found
    assert {c.council for c in back.citations} == {"Cambridge City Council"}
    assert back.understood is not None and back.understood.follow_up


def test_a_follow_up_pointing_back_with_one_word_of_its_own_moves_the_topic(assistant):
    # "that" is the earlier subject; "worry" is no new one. Redditch shares Bromsgrove's
    # report, so the same passages answer.
    answer = _ask(
        assistant,
        "what did the bromsgrove report say about the tone of debate in council meetings?",
        "is that a redditch worry too?",
    )
    assert answer.found
    assert "debate" in " ".join(q for c in answer.citations for q in c.quotes)


@pytest.mark.parametrize(
    "follow_up",
    [
        "does that apply to redditch as well?",
        "is it the same at redditch?",
        "does that go for redditch too?",
        # both partners named, after a question on the subject
        "is it the same at redditch, or only bromsgrove?",
        "does redditch have that problem too?",
    ],
)
def test_asked_whether_it_holds_for_the_joint_reports_partner_the_sentence_on_it_answers(
    assistant, follow_up
):
    # "as well" is no subject of its own, and in the paragraph on the subject the sentence
    # naming the partner asked about says whether it applies there.
    answer = _ask(
        assistant, "how did members criticise officers in debates at bromsgrove?", follow_up
    )
    _valid(answer)
    assert answer.understood is not None and answer.understood.follow_up
    quoted = " ".join(q for c in answer.citations for q in c.quotes)
    assert "This relates solely to Bromsgrove DC" in quoted


def test_tell_me_more_goes_on_from_what_was_quoted(assistant):
    first = "how does central bedfordshire handle its finances?"
    before = {q for c in assistant.answer(first).citations for q in c.quotes}
    answer = _ask(assistant, first, "go on, tell me more")
    _valid(answer)
    assert answer.found
    assert {c.council for c in answer.citations} == {"Central Bedfordshire Council"}
    quoted = [q for c in answer.citations for q in c.quotes]
    assert quoted and not set(quoted) & before


def test_tell_me_more_knows_what_was_quoted_when_a_model_worded_the_answer(assistant):
    from dataclasses import replace

    # On the language-model path the answer's text is the model's wording; its citations
    # still hold the sentences shown.
    first = assistant.answer("how does central bedfordshire handle its finances?")
    worded = replace(first, text="The peers thought the council's finances were well run [1].")
    before = {q for c in first.citations for q in c.quotes}
    answer = assistant.answer("go on, tell me more", [Turn.from_answer(worded)])
    quoted = [q for c in answer.citations for q in c.quotes]
    assert answer.found and quoted and not set(quoted) & before


def test_a_council_without_a_report_named_in_the_last_answer_is_what_it_said(assistant):
    # Croydon has no report: "which of them came from Croydon?" asks which of the Lambeth
    # peers the last answer listed did.
    answer = _ask(
        assistant, "who was on the lambeth peer team?", "which of them came from croydon?"
    )
    _valid(answer)
    assert answer.found
    assert {c.council for c in answer.citations} == {"Lambeth London Borough Council"}
    assert "LB Croydon" in [q for c in answer.citations for q in c.quotes][0]
    # Its own review asked for, it is the council with no report.
    absent = _ask(
        assistant,
        "who was on the lambeth peer team?",
        "has croydon had its own peer challenge? what did it find?",
    )
    assert not absent.found and "There is no report for" in absent.text
    assert "Croydon" in absent.text


def test_a_cpc_asked_of_a_council_named_only_in_the_answer_before_is_its_own_review(assistant):
    # Wokingham is a peer's employer in Central Bedfordshire's peer team, but "its own CPC"
    # asks for Wokingham's peer challenge, which the library does not have.
    answer = _ask(
        assistant,
        "who led the central beds peer team?",
        "is wokingham's own CPC here too - what did it say?",
    )
    assert not answer.found and "There is no report for Wokingham" in answer.text


def test_councils_named_to_be_compared_each_show_their_best_passage(assistant):
    # "and how does X compare?" compares, though it points at nothing; each council named
    # shows its passage, though it words the subject its own way.
    answer = _ask(
        assistant,
        "was cambridge told its decisions take too long?",
        "and how does central beds compare?",
    )
    _valid(answer)
    assert answer.found and answer.aggregate
    assert {c.council for c in answer.citations} == {
        "Cambridge City Council",
        "Central Bedfordshire Council",
    }


def test_councils_named_but_not_compared_are_not_given_a_passage_anyway(assistant):
    # "both told to" is no comparison: Lambeth's best sentence on car parking is no
    # recommendation on it.
    answer = assistant.answer("were lambeth and cambridge both told to improve their car parking?")
    lambeth = [c for c in answer.citations if c.council == "Lambeth London Borough Council"]
    assert not lambeth
    assert "Lambeth" not in answer.text.split("No passage found in:")[0]


def test_councils_of_two_reports_asked_about_side_by_side_are_each_answered(assistant):
    # "too, or just Bedford?" asks about both councils: each answers from its own report.
    answer = assistant.answer("was lambeth told to look at its scrutiny too, or just bedford?")
    _valid(answer)
    assert answer.found and answer.aggregate
    assert {c.council for c in answer.citations} == {
        "Bedford Borough Council",
        "Lambeth London Borough Council",
    }
    assert "overview and scrutiny could add more value" in answer.text
    # A council named side by side whose best passage would answer a question about it
    # alone is shown, though it words the subject its own way ("report proofing").
    both = assistant.answer("report accuracy - were bedford and b'grove both told to sort it")
    _valid(both)
    assert "Bromsgrove District Council" in {c.council.split(" and ")[0] for c in both.citations}
    assert "proofing" in both.text


def test_where_were_people_told_something_asks_across_the_reports(assistant):
    directory = CouncilDirectory.load()
    covered = assistant.library.councils
    for question in (
        "where were managers told to take more responsibility?",
        "where else was partnership working praised?",
    ):
        assert understand(question, directory, covered=covered).aggregate, question
    # Where something is in a report is no list of councils.
    assert not understand(
        "where is the follow-up visit mentioned?", directory, covered=covered
    ).aggregate
    answer = assistant.answer("where were managers told to take more responsibility?")
    _valid(answer)
    assert answer.aggregate and "Lambeth London Borough Council" in {
        c.council for c in answer.citations
    }


def test_the_councils_of_one_joint_report_are_not_two_reports_side_by_side(assistant):
    directory = CouncilDirectory.load()
    library = assistant.library
    joint = understand(
        "bromsgrove and redditch report - which recommendation was for just one of them?",
        directory,
        covered=library.councils,
        joint=library.joint,
    )
    assert not joint.aggregate
    both = understand(
        "were bromsgrove and redditch both told to share more services?",
        directory,
        covered=library.councils,
        joint=library.joint,
    )
    assert not both.aggregate, "one joint report is no comparison of two"
    two = understand(
        "did cambridge get that steer too, or just cen beds?",
        directory,
        covered=library.councils,
        joint=library.joint,
    )
    assert two.aggregate
    # A council's name as typed is no part of what is searched for.
    assert not {"cen", "beds"} & set(two.topic.lower().split())


def test_councils_compared_are_quoted_more_fully_than_a_list_of_councils(assistant):
    from collections import Counter

    answer = assistant.answer("compare how lambeth and central beds engage with residents")
    _valid(answer)
    quotes = Counter(c.council for c in answer.citations for _ in c.quotes)
    assert set(quotes) == {"Lambeth London Borough Council", "Central Bedfordshire Council"}
    assert max(quotes.values()) > 2, "more than a best and a second sentence for a council"
    assert max(quotes.values()) <= 3


def test_a_comparison_follow_up_answers_for_both_councils(assistant):
    answer = _ask(
        assistant,
        "how satisfied are Lambeth residents with the council?",
        "is that better or worse than in Central Bedfordshire?",
    )
    assert answer.found and answer.aggregate
    cited = {c.council for c in answer.citations}
    assert {"Lambeth London Borough Council", "Central Bedfordshire Council"} <= cited


def test_a_follow_up_naming_no_council_stays_with_the_conversations_council(assistant):
    answer = _ask(
        assistant,
        "what did Central Bedfordshire's report say about its staff?",
        "what was said about the way the council is run financially?",
    )
    assert answer.found
    assert {c.council for c in answer.citations} == {"Central Bedfordshire Council"}


def test_a_question_the_conversations_council_cannot_answer_goes_to_the_library(assistant):
    answer = _ask(
        assistant,
        "what did Lambeth's report say about scrutiny?",
        "what is the quadrant model of locality working about?",
    )
    assert answer.found
    assert {c.council for c in answer.citations} == {"Central Bedfordshire Council"}
    assert "whole library" in answer.notices[0]


# The peer team: a member asked for by role, in a question or a follow-up.


def test_a_peer_asked_for_by_role_is_that_line_of_the_peer_team(assistant):
    answer = assistant.answer("which of Central Bedfordshire's peers came from the police?")
    _valid(answer)
    assert "David Palmer, former Detective Superintendent" in answer.text
    assert "Andy Couldrick" not in answer.text
    chief = assistant.answer("Which chief exec was on the peer team that went to Cambridge?")
    assert "Dawn Baxendale" in chief.text


def test_which_one_after_a_list_of_the_peers_is_one_of_them(assistant):
    answer = _ask(
        assistant,
        "who were the peers on Lambeth's peer challenge?",
        "which one was the money expert?",
    )
    _valid(answer)
    assert "Jonathan Bunt, Strategic Director, Finance & Investment" in answer.text
    assert {c.council for c in answer.citations} == {"Lambeth London Borough Council"}


def test_what_the_peers_said_is_not_a_question_about_the_peer_team(assistant):
    from peerchat.index.search.intent import names_the_team

    assert names_the_team("who was on the peer team?")
    assert names_the_team("which of the peers came from the police?")
    assert not names_the_team("shared services - what did the peers say?")
    assert not names_the_team("what did the peer team think of its finances?")
    assert names_the_team("which of the lambeth peers found the finances weak?")
    assert names_the_team("which peer recommended a review of scrutiny?")
    # "which ... are" after what the peers said asks about the subject, not the team.
    answer = _ask(
        assistant,
        "central beds partnerships - what did the peers think?",
        "which partners are involved?",
    )
    assert answer.found
    quoted = " ".join(q for c in answer.citations for q in c.quotes)
    assert "CEX" not in quoted and "Chief Executive," not in quoted


def test_a_council_with_no_report_as_a_peers_employer_lists_those_peer_teams(assistant):
    answer = assistant.answer("did anyone from Wakefield Council sit on a peer team here?")
    _valid(answer)
    assert answer.found and "no report for Wakefield" in answer.text
    assert "Joanne Roney" in answer.text
    assert {c.council for c in answer.citations} == {"Lambeth London Borough Council"}


def test_the_peer_challenge_frame_does_not_stand_in_for_the_subject(assistant):
    # Every report is about its peer challenge: words for it match every report's
    # summary, so they must not answer a question about something else.
    museums = assistant.answer("any comment from the peer team on Central Bedfordshire's museums?")
    assert not museums.found
    people = _ask(
        assistant,
        "how many people did the Bromsgrove peer team interview?",
        "and what about Central Bedfordshire?",
    )
    assert "70 people" in people.text


def test_which_of_two_named_councils_is_a_question_across_both(assistant):
    answer = assistant.answer("where did the peer team spend more hours, Lambeth or Cambridge?")
    assert answer.aggregate
    cited = {c.council for c in answer.citations}
    assert {"Lambeth London Borough Council", "Cambridge City Council"} <= cited


def test_which_reports_mention_a_word_finds_every_report_using_it(assistant):
    # The frame words ("reports", "mention") are no part of the subject: the overlap bonus
    # goes to the word asked about, wherever it appears.
    answer = assistant.answer("which of the reports mention devolution?")
    cited = {c.council for c in answer.citations}
    assert {"Cambridge City Council", "Central Bedfordshire Council"} <= cited


# 3. Council names.


def test_a_lower_case_typo_is_taken_for_a_council_with_a_report_and_said_so(assistant):
    answer = assistant.answer("what did the peers tell bromsgove about its finance system?")
    assert answer.notices[0] == "Taking 'bromsgove' as Bromsgrove District Council."
    assert answer.understood.guesses == (("bromsgove", "Bromsgrove District Council"),)
    assert {c.council for c in answer.citations} == {
        "Bromsgrove District Council and Redditch Borough Council"
    }


def test_a_place_name_inside_another_proper_noun_is_not_a_council_filter(assistant):
    answer = assistant.answer("What does the Greater Cambridge Partnership do?")
    assert answer.understood is not None and answer.understood.councils == ()
    assert not any(n.startswith("Taking") for n in answer.notices)


def test_a_partner_in_a_joint_report_is_searched_for_by_name(assistant):
    # The joint report is Bromsgrove's and Redditch's, known by Bromsgrove's name: asked
    # about Redditch, the sentence on Redditch answers, not the one on Bromsgrove.
    answer = assistant.answer("which political party is in control at Redditch?")
    quoted = answer.text.split("): ", 1)[1]
    assert quoted.startswith("Redditch although currently Labour")


# 4. The sentence beside the answer.


def test_a_paragraphs_opening_sentence_is_quoted_with_the_verdict_after_it(assistant):
    # "The managing vacancy programme came up frequently ..." only names the subject; what
    # the peers made of it is two sentences on ("... a bureaucratic solution ...").
    answer = assistant.answer(
        "How was the vacancy management process at Central Bedfordshire seen by the review team?"
    )
    _valid(answer)
    assert "bureaucratic solution" in answer.text


def test_a_figure_question_quotes_the_sentence_with_the_figure(assistant):
    answer = assistant.answer("How many people did the Cambridge peers talk to?")
    assert "95 people" in answer.text


def test_a_total_asked_for_is_the_sentence_with_the_figure(assistant):
    answer = assistant.answer("total savings Lambeth expected from its redesign?")
    assert answer.found and "£8m" in answer.text
    answer = assistant.answer("what total of people did the Cambridge peers meet?")
    assert "95 people" in answer.text


def test_a_figure_written_in_words_is_a_figure(assistant):
    answer = assistant.answer("how many days did the peer team spend at Lambeth?")
    assert answer.found and "four days onsite" in answer.text.split("[1]")[0]
    answer = assistant.answer("how many years does Cambridge project its finances?")
    assert answer.found and "five year projection" in answer.text.split("[1]")[0]


def test_a_year_is_not_the_figure_a_how_much_question_wants(assistant):
    # The recommendation names "2017/18"; the sum is in another sentence.
    answer = assistant.answer(
        "how much was Lambeth's organisational redesign supposed to save in 2017/18?"
    )
    assert answer.found and "£8m" in answer.text


def test_a_recommendation_is_quoted_with_the_body_sentence_setting_it_out(assistant):
    # The recommendation line says what to do; the sentence of the report's body that
    # repeats it says why and how ("... is urgently needed").
    answer = assistant.answer("what did the peers recommend on a new finance system at Bromsgrove?")
    assert "Expedite the business case and implementation of a new finance system" in answer.text
    assert "introduce a new financial system" in answer.text and "urgently" in answer.text
    _valid(answer)


def test_a_sentence_leaning_on_the_one_before_is_quoted_with_it(assistant):
    answer = assistant.answer("what risk did Lambeth's peers see in low level financial decisions?")
    text = " ".join(answer.text.split())
    assert "escalated to Strategic Directors" in text
    assert text.index("escalated to Strategic Directors") < text.index("This risks managers")


# 5. Answerable questions are answered; subjects no report discusses are not.


def test_the_peer_team_of_a_report_that_lists_none_is_not_answered_from_prose(assistant):
    # Bedford's action plan names no peer team; the feedback reports do.
    answer = _ask(
        assistant, "who was on the lambeth peer team?", "and who sat on bedford's peer team?"
    )
    assert not answer.found and "do not list the peer team" in answer.text
    assert not answer.citations


def test_an_answerable_question_in_other_words_is_answered(assistant):
    answer = assistant.answer("how big is the savings gap Cambridge has to close each year?")
    assert answer.found and "£245,000 per year" in answer.text


def test_a_subject_the_councils_report_never_mentions_is_not_answered(assistant):
    answer = assistant.answer("what did the Cambridge peers say about flood defences?")
    assert not answer.found and not answer.citations


def test_a_subject_in_words_no_report_uses_is_not_answered_for_its_common_words(assistant):
    # "change" and "cutting" are in every report; "climate", "carbon", "emissions" in none.
    answer = assistant.answer(
        "what did the Bromsgrove and Redditch report say about climate change or cutting carbon emissions?"
    )
    assert not answer.found and not answer.citations


def test_a_subject_named_after_about_whose_own_words_are_not_there_is_absent(assistant):
    # Lambeth's report has "level" but never "tax"; Central Bedfordshire's has both.
    lambeth = "did the peers say anything about the level of council tax at lambeth?"
    assert not assistant.answer(lambeth).found
    central = "did the peers say anything about the level of council tax in central bedfordshire?"
    assert assistant.answer(central).found


def test_a_word_no_report_uses_that_the_glossary_knows_is_not_an_absent_subject(assistant):
    # No report says "money"; they say "budget" and "financial".
    answer = assistant.answer("what did the lambeth report say about the council's money problems?")
    _valid(answer)
    assert answer.found and "budget" in answer.text


def test_a_word_weighs_once_in_the_overlap_whatever_forms_the_glossary_adds(assistant):
    import peerchat.index.answer.extractive as extractive
    from peerchat.index.search.glossary import term_groups

    groups = term_groups("why were staff unsettled by 25/26 councillors' pay")
    assert (frozenset({"staff"}), frozenset({"staff", "workf", "emplo"})) in groups
    # A word of several terms is several words; one written only as a name word ("counc")
    # is its written forms.
    assert {own for own, _ in groups} >= {frozenset({"25"}), frozenset({"26"})}
    assert any("cllr" in every for _, every in groups)
    sentences = assistant.library.sentences
    row = next(
        r
        for r in range(len(sentences.spans))
        if "understandably unsettled" in assistant.library.sentence_text(r)
    )
    weighted = [
        extractive._word_weights(sentences, own, every)
        for own, every in term_groups("staff unsettled")
    ]
    # "staff" and "unsettled" are all the question's words: the sentence holds all of their
    # weight, though it says neither "workforce" nor "employees".
    total = sum(max(w.values()) for w in weighted)
    assert sentences.matched_groups(np.asarray([row]), weighted)[0] == pytest.approx(total)
    (staff_weight,) = sentences.term_weights({"staff"}).values()
    assert len(weighted[0]) == 3, "staff, workforce, employees"
    assert set(weighted[0].values()) == {staff_weight}, "every form weighs as 'staff'"


def test_a_sentence_on_the_service_asked_about_in_the_reports_words_is_found(assistant):
    # "bin collections": the report says "recycling and waste collection".
    answer = assistant.answer(
        "what did residents and partners in bromsgrove and redditch rate about bin collections?"
    )
    _valid(answer)
    assert answer.found and "recycling and waste collection" in answer.text


def test_a_service_no_report_in_scope_discusses_is_named_as_not_discussed(assistant):
    # Lambeth's report never mentions a library; "changes" and "services" are everywhere.
    answer = assistant.answer("how did the peers rate lambeth's library services and changes?")
    assert not answer.found and not answer.citations
    assert "mentions libraries" in answer.text
    across = assistant.answer("which councils were told to improve their libraries?")
    assert not across.found and "mentions libraries" in across.text


def test_a_service_a_report_discusses_in_other_words_is_answered(assistant):
    # Central Bedfordshire's report discusses housing, not libraries: in "X or Y" one
    # alternative discussed is enough.
    housing = assistant.answer("central beds - anything on libraries or housing?")
    assert housing.found and "housing" in housing.text
    assert "mentions" not in housing.text
    either = assistant.answer("did cambridge's peers say anything about recycling or homelessness?")
    assert "mentions" not in either.text


def test_a_service_asked_of_a_joint_report_written_with_a_slash_is_still_checked(assistant):
    # "bromsgrove/redditch" leaves a "/" that offers no alternative of its own.
    answer = assistant.answer(
        "anything in the bromsgrove/redditch report about council house repairs or the HRA?"
    )
    assert not answer.found and "mentions housing repairs" in answer.text


def test_a_follow_up_asking_for_the_like_of_a_service_is_not_held_to_its_name(assistant):
    # Bromsgrove's report has no planning committee; "anything like that" asks for the
    # like of a committee chair, which it has.
    answer = _ask(
        assistant,
        "who chairs the planning committee at cambridge?",
        "is there anything like that at bromsgrove?",
    )
    assert answer.found


@pytest.mark.parametrize(
    "question",
    [
        "what kind of culture issue did the peers pick up at cambridge?",
        "what sort of culture did the reviewers pick up on among cambridge staff?",
    ],
)
def test_the_subject_named_after_of_ends_at_the_verb(assistant, question):
    # "kind of culture issue": the subject is the culture issue, not "... did the peers
    # pick up", whose rare verb no Cambridge sentence has.
    answer = assistant.answer(question)
    _valid(answer)
    assert answer.found
    assert {c.council for c in answer.citations} == {"Cambridge City Council"}


# 6. "When" is the report's date only when the visit is asked about.


@pytest.mark.parametrize(
    "question",
    [
        "when were the reviewers in lambeth?",
        "what dates was the team at lambeth",
        "when were the peers actually at lambeth?",
    ],
)
def test_when_the_peers_were_at_a_council_is_the_visit(assistant, question):
    answer = assistant.answer(question)
    assert answer.found and "4-7 October 2016" in answer.text
    assert {c.council for c in answer.citations} == {"Lambeth London Borough Council"}


def test_when_about_a_deadline_is_not_the_cover_date(assistant):
    answer = assistant.answer("By when will Bedford have finished its review of budget setting?")
    assert "The dates on the reports' covers" not in answer.text
    assert "September 2024" in answer.text


def test_a_date_every_report_prints_is_still_each_reports_answer(assistant):
    # "Our expectation is that it will occur within the next 2 years" is in three reports:
    # template text, but the date is what the question asks.
    answer = assistant.answer("Central Bedfordshire: how soon should the follow-up visit be?")
    assert "within the next 2 years" in answer.text
    assert {c.council for c in answer.citations} == {"Central Bedfordshire Council"}


def test_which_visit_came_first_gives_each_reports_date(assistant):
    answer = assistant.answer("which got visited first, lambeth or bromsgrove?")
    assert answer.found
    assert "2016" in answer.text and "2018" in answer.text
    cited = {c.council for c in answer.citations}
    assert "Lambeth London Borough Council" in cited
    assert "Bromsgrove District Council and Redditch Borough Council" in cited


def test_when_about_the_visit_is_the_cover_date(assistant):
    answer = assistant.answer("when did the peer team visit Lambeth?")
    assert "The dates on the reports' covers" in answer.text and "October 2016" in answer.text


# 7. Signposted practice.


def test_anyone_doing_it_well_asks_for_signposted_practice(assistant):
    answer = assistant.answer(
        "is there someone doing shared services well that bromsgrove could copy?"
    )
    _valid(answer)
    assert "Signpost" in answer.text


def test_practice_held_up_as_a_model_is_the_signposted_examples(assistant):
    assert read_intent("which council did the peers hold up as a model for X?").signposts
    assert read_intent("any example given of councils doing X?").signposts
    assert not read_intent("what did the peers hold Lambeth to account for?").signposts
    # "who does what" is a division of roles, not someone doing it well.
    assert read_intent("who does shared services well?").signposts
    assert not read_intent("which councils must settle who does what?").signposts
    answer = assistant.answer(
        "which council did the peers hold up as a model for sharing a chief executive?"
    )
    _valid(answer)
    assert answer.text.lstrip("- ").startswith("**Signpost")


def test_good_practice_questions_get_the_signposted_examples(assistant):
    answer = assistant.answer("any examples of councils doing joint management well?")
    _valid(answer)
    assert "**Signpost –" in answer.text
    assert answer.items and all(":sign:" in item for item in answer.items)


def test_examples_asked_for_are_every_signpost_on_the_subject_not_only_the_closest(assistant):
    # Breckland's online booking scores well below Adur and Worthing's "single digital
    # strategy", but "examples" asks for more than the one closest to the question's words.
    question = "examples of other councils with good online services in bromsgrove's report?"
    answer = assistant.answer(question)
    _valid(answer)
    names = re.findall(r"\*\*Signpost – ([^*]+)\*\*", answer.text)
    assert "Breckland and South Holland" in names and len(names) == 3
    # "what did they achieve there?" is asked of those examples, not of Bromsgrove.
    follow = _ask(assistant, question, "what did they achieve there?")
    _valid(follow)
    assert "25%" in follow.text


def test_a_peer_from_the_signposted_example_is_found_by_its_organisation(assistant):
    # Bromsgrove's report signposts the Dorset Councils Partnership; its peer team has the
    # partnership's chief executive.
    answer = _ask(
        assistant,
        "good practice on leaders meeting weekly - who did bromsgrove's report signpost?",
        "is that where one of the peers works?",
    )
    _valid(answer)
    assert answer.found and "Matt Prosser" in answer.text
    assert answer.text.startswith("From Dorset Councils Partnership")
    # What the peers said of it is no question of where they work.
    said = _ask(
        assistant,
        "good practice on leaders meeting weekly - who did bromsgrove's report signpost?",
        "what did the peers say about their approach?",
    )
    assert not said.text.startswith("From Dorset Councils Partnership")


def test_an_example_named_by_councils_without_reports_is_their_signpost(assistant):
    # Adur and Worthing have no report; Bromsgrove's signposts their joint working.
    answer = assistant.answer("tell me about the adur and worthing example")
    _valid(answer)
    assert answer.found and "**Signpost – Adur and Worthing Councils**" in answer.text
    assert any("There is no report for Adur" in n for n in answer.notices)
    # Asked about something else of theirs, the example is no answer.
    other = assistant.answer("did anyone say anything about worthing's housing?")
    assert "**Signpost –" not in other.text
    # Nor is a signpost outside the filters.
    from peerchat.index.search import Filters

    within = Filters(councils=("Lambeth London Borough Council",))
    filtered = assistant.answer("tell me about the adur and worthing example", filters=within)
    assert "**Signpost –" not in filtered.text


# 8. "Told to" is not praise.


def test_a_report_naming_the_subject_in_other_words_is_found_across_reports(assistant):
    # Cambridge's "silo working" answers best; Bedford's "a 'siloed' approach" and
    # Bromsgrove's "siloes and duplication" are far from the question's wording but name
    # the same subject.
    answer = assistant.answer("which councils were found to work in silos?")
    assert {
        "Cambridge City Council",
        "Bedford Borough Council",
        "Bromsgrove District Council",
    } <= set(answer.councils)
    assert "siloed" in answer.text and "siloes" in answer.text
    _valid(answer)
    # No report answers well: words of the question in weak sentences are no subject.
    assert not assistant.answer("which councils were told to close libraries?").found


def test_told_to_lists_councils_told_before_those_praised(assistant):
    answer = assistant.answer("Which councils were told to improve their scrutiny?")
    lines = [line for line in answer.text.splitlines() if line.startswith("- **")]
    told = [i for i, line in enumerate(lines) if ", told to:" in line]
    praised = [i for i, line in enumerate(lines) if ", praised for it:" in line]
    assert told, answer.text
    assert not praised or max(told) < min(praised)


def test_a_question_taking_no_side_lists_the_best_passages_first(assistant):
    # Neither "told to" nor "praised": a recommendation that only brushes the subject
    # (Central Bedfordshire's on non-executive councillors) does not go first.
    answer = assistant.answer(
        "which reports talk about opposition councillors chairing committees?"
    )
    _valid(answer)
    lines = [line for line in answer.text.splitlines() if line.startswith("- **")]
    assert lines[0].startswith("- **Bromsgrove District Council and Redditch")
    assert "Opposition colleagues chairing" in lines[0]


# The CLI: a conversation on one stdin line.


@pytest.fixture
def minilm_runner(runner, monkeypatch):
    """The CLI with the real model (the sample index was built with it)."""
    monkeypatch.setenv("PEERCHAT_EMBEDDER", "minilm")
    return runner


def test_ask_json_reads_a_conversation_line(minilm_runner, sample_index):
    line = json.dumps(
        {
            "question": "and by when?",
            "history": ["What will Bedford do about reports to councillors?", "who leads it?"],
        }
    )
    result = minilm_runner.invoke(
        main, ["ask", "--json", "-", "--index-dir", str(sample_index)], input=line + "\n"
    )
    assert result.exit_code == 0, result.stderr
    replies = [json.loads(x) for x in result.stdout.splitlines() if x.strip()]
    assert len(replies) == 1, "only the last question of the conversation is written"
    assert replies[0]["question"] == "and by when?"
    assert "July 2024" in replies[0]["answer"]
    assert replies[0]["understood"]["follow_up"] is True


@pytest.mark.parametrize(
    "line",
    ['{"history": ["a"]}', '{"question": 5}', "{not json", '{"question": "x", "history": "y"}'],
)
def test_a_malformed_conversation_line_is_asked_as_text_or_alone(minilm_runner, sample_index, line):
    result = minilm_runner.invoke(
        main, ["ask", "--json", "-", "--index-dir", str(sample_index)], input=line + "\n"
    )
    assert result.exit_code == 0, result.stderr
    assert len([x for x in result.stdout.splitlines() if x.strip()]) == 1


# Latency: a question is embedded on one thread; a batch uses them all.


def test_a_question_is_embedded_on_one_thread_and_the_setting_restored(minilm, monkeypatch):
    import torch

    seen = []
    encode = minilm._encode
    monkeypatch.setattr(
        minilm, "_encode", lambda texts: seen.append(torch.get_num_threads()) or encode(texts)
    )
    before = torch.get_num_threads()
    one = minilm.embed(["Which councils were told to narrow their priorities?"])
    batch = minilm.embed(["Which councils were told to narrow their priorities?"] + ["a"] * 10)
    assert seen[0] == 1 and seen[1] == before and torch.get_num_threads() == before
    assert float(one[0] @ batch[0]) > 0.9999


# Found on a tenth blind set (heavy paraphrase, officers' shorthand); examples written here.


def test_who_answers_for_a_row_described_in_other_words_gets_its_sponsor(assistant):
    # "on the hook for ..." names no subject the plan writes ("hook"): the row is found by
    # its likeness, not refused for the missing word.
    answer = assistant.answer(
        "which cabinet member is on the hook for bedford's approach to capital?"
    )
    _valid(answer)
    assert answer.found and "approach to capital" in answer.text
    assert "**Cabinet sponsor:** Portfolio Holder for Finance, Risk and Welfare" in answer.text


def test_who_sponsors_a_subject_the_plan_never_names_is_not_answered(assistant):
    # A subject named as a thing ("on flood defences"), not an activity, must be there.
    answer = assistant.answer("which cabinet member sponsors bedford's work on flood defences?")
    assert not answer.found


def test_an_abbreviation_the_reports_never_write_is_read_as_its_meaning(assistant):
    answer = assistant.answer("what did the peers say about bedford's O&S?")
    _valid(answer)
    assert answer.found and "Overview and Scrutiny" in answer.text


def test_abbreviations_are_found_as_officers_type_them():
    found = dict(abbreviations_in("o&s, the HRA and SEND pupils"))
    assert found == {
        "o&s": "overview and scrutiny",
        "hra": "housing revenue account",
        "send": "special educational needs and disabilities",
    }
    # "send" in lower case is the verb; "MTFS2" or "ohra" are no abbreviation listed.
    assert abbreviations_in("send the MTFS2 to ohra") == []


def test_a_joint_reports_councils_typed_as_initials_are_those_councils(assistant):
    answer = assistant.answer("how is B&R getting on with shared services?")
    _valid(answer)
    assert answer.found
    assert any(
        "Taking 'B&R' as Bromsgrove District Council and Redditch" in n for n in answer.notices
    )
    assert {c.council for c in answer.citations} == {
        "Bromsgrove District Council and Redditch Borough Council"
    }


def test_a_list_request_saying_how_many_is_still_the_list(assistant):
    answer = assistant.answer("list the five key recommendations given to central beds")
    _valid(answer)
    assert (
        "5 key recommendations" in answer.text and "appetite for commercialisation" in answer.text
    )


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("lambeth peer team days on site?", "figure"),
        ("timing of the lambeth follow up visit?", "when"),
        ("which councils did the peers reckon were on the right track?", "not the team"),
    ],
)
def test_a_unit_timing_and_the_peers_view_are_read_as_what_they_ask(question, kind):
    intent = read_intent(question)
    if kind == "figure":
        assert intent.figure
    elif kind == "when":
        assert intent.when and intent.due and not intent.visit_date
    else:
        assert not intent.peer_team


def test_the_timing_of_a_follow_up_visit_is_the_sentence_giving_it(assistant):
    answer = assistant.answer("timing of the lambeth follow up visit?")
    _valid(answer)
    assert "within the next 12-24 months" in answer.text


def test_where_did_the_peers_find_naming_no_council_asks_across_the_reports(assistant):
    answer = assistant.answer("where did the peers see councils relying too much on a few people?")
    assert answer.understood is not None and answer.understood.across
    after = _ask(
        assistant, "what did lambeth's peers say about scrutiny?", "where did the peers find that?"
    )
    assert after.understood is not None and not after.understood.across


def test_who_speaks_is_left_out_of_a_cross_council_search(assistant):
    # "the peers describe" says who speaks: the peer-team lists are no answer.
    answer = assistant.answer("which councils did the peers describe as financially strong?")
    _valid(answer)
    assert "Cambridge City Council is in a strong financial position" in answer.text
    assert "The peers who delivered" not in answer.text


def test_why_is_answered_by_the_sentence_giving_the_purpose(assistant):
    answer = assistant.answer("why should lambeth's chief exec let go of children's services now?")
    _valid(answer)
    assert "free up some of his time" in answer.text


def test_tell_me_more_about_a_named_thing_quotes_more_of_its_paragraph(assistant):
    answer = _ask(
        assistant,
        "how are central beds' finances?",
        "tell me more about the managing vacancy programme",
    )
    _valid(answer)
    assert "bureaucratic solution" in answer.text


def test_the_peer_teams_view_of_it_is_not_the_peer_team_list(assistant):
    answer = _ask(
        assistant,
        "what's the managing vacancy programme at CBC?",
        "what was the peer team's opinion of it?",
    )
    _valid(answer)
    assert "managing vacancy programme" in answer.text and "school" not in answer.text


def test_one_of_the_listed_signposts_picked_by_its_councils_name_is_given_whole(assistant):
    answer = _ask(
        assistant,
        "list the signposted examples in bromsgrove's report",
        "the dorset one - how often do its leaders get together?",
    )
    _valid(answer)
    assert answer.found and "Signpost – Dorset Councils Partnership" in answer.text
    assert "meets weekly" in answer.text and "Adur" not in answer.text


def test_a_shared_short_name_in_a_follow_up_is_the_council_with_a_report(assistant):
    answer = _ask(assistant, "what did lambeth's peers say about housing?", "and cambs?")
    _valid(answer)
    assert "Taking 'cambs' as Cambridge City Council." in answer.notices
    assert {c.council for c in answer.citations} == {"Cambridge City Council"}


def test_a_financial_year_is_one_term_however_it_is_written():
    from peerchat.index.store.lexical import tokenize

    for written in ("2025/26", "25/26", "2025-26", "25-26"):
        assert "fy2526" in tokenize(f"budget setting for {written}")
    assert not any(t.startswith("fy") for t in tokenize("within the next 12-24 months"))


def test_a_deadline_asked_for_by_its_financial_year_is_that_rows(assistant):
    answer = assistant.answer(
        "by when should bedford have finished looking at how it sets the budget for 25-26?"
    )
    _valid(answer)
    assert "Recommendation 11" in answer.text and "by September 2024" in answer.text


def test_recommendations_on_a_topic_named_in_everyday_words_are_that_sections(assistant):
    # "money" is how an officer says it; the section is "Financial planning and viability".
    answer = assistant.answer("bromsgrove's recs about money")
    _valid(answer)
    assert "Financial accountability needs greater ownership" in answer.text


def test_a_meeting_is_not_the_visit_and_ph_is_the_portfolio_holder():
    assert not read_intent(
        "when is the partnership board's first meeting due to happen?"
    ).visit_date
    assert read_intent("when did the peer challenge happen?").visit_date
    assert read_intent("which PH looks after bedford's budget work?").sponsor


def test_the_visit_date_also_quotes_the_days_on_site_the_report_gives(assistant):
    answer = assistant.answer("when was the lambeth peer team on site?")
    _valid(answer)
    assert "on-site visit (4-7 October 2016)" in answer.text
    came = assistant.answer("when did the peers come to cambridge?")
    assert came.found and "December 2017" in came.text


def test_everyday_shorthand_is_read_as_the_words_it_stands_for(assistant):
    assert dict(abbreviations_in("2 yrs and 3 mths of govt money")) == {
        "yrs": "years",
        "mths": "months",
        "govt": "government",
    }
    # "yrs" is in no report: it must not make the follow-up look like an absent subject.
    answer = _ask(
        assistant,
        "what annual savings has cambridge city got to find?",
        "over how many yrs?",
    )
    _valid(answer)
    assert answer.found and "4 years" in answer.text


def test_chat_shorthand_is_written_out_even_where_a_report_writes_it(assistant):
    from peerchat.index.search.glossary import abbreviations_in, written_out

    assert dict(abbreviations_in("perf mgmt and cllr training")) == {
        "perf": "performance",
        "mgmt": "management",
        "cllr": "councillor",
    }
    # Reports write "Cllr" before a name; the question asks about councillors.
    assert "councillor" in written_out("cllr training", lambda word: True)
    answer = assistant.answer("what did the peers make of perf management at lambeth?")
    _valid(answer)
    assert answer.found and "performance" in answer.text.lower()


def test_a_peer_teams_list_answers_who_was_on_it_not_a_subject_its_roles_name(assistant):
    answer = assistant.answer("any councillor development issues at central beds?")
    _valid(answer)
    quoted = " ".join(q for c in answer.citations for q in c.quotes)
    assert "Renard" not in quoted  # "Cllr David Renard, Leader, Swindon Borough Council"
    assert "councillors" in quoted
    # Asked for a person, the same lines answer.
    who = assistant.answer("who was the police officer on the central beds peer team?")
    assert "David Palmer" in who.text


def test_a_sum_asked_for_by_what_it_is_quotes_the_figure(assistant):
    assert read_intent("what overspend did they report?").figure
    assert read_intent("what annual saving is expected?").figure
    assert not read_intent("what did they say about savings?").figure
    assert not read_intent("what cost pressures did they face?").figure
    assert read_intent("what's the overspend?").figure
    answer = assistant.answer("lambeth's organisational redesign: what saving rests on it?")
    _valid(answer)
    assert "£8m" in answer.text


def test_which_councils_report_asks_across_the_library_after_a_council(assistant):
    answer = _ask(
        assistant,
        "what did the peers make of cambridge city's finances?",
        "which council's report brings up ofsted?",
    )
    _valid(answer)
    assert answer.found and "Lambeth" in answer.text and "Inadequate" in answer.text
    # "which council did X come from?" about the conversation's report stays on it.
    peer = _ask(
        assistant,
        "who was on lambeth's peer team?",
        "which council did the finance peer come from?",
    )
    assert "Barking & Dagenham" in peer.text and not peer.aggregate


def test_who_a_council_works_with_is_answered_by_the_bodies_named(assistant):
    answer = assistant.answer("who does cambridge city run its shared services with?")
    _valid(answer)
    assert "Huntingdonshire" in answer.text


def test_why_after_an_answer_reads_the_paragraph_around_what_it_quoted(assistant):
    # The reason ("amplified by inconsistencies in financial reporting") comes two sentences
    # before the finding the first answer quoted.
    first = assistant.answer("do bromsgrove councillors trust the finance numbers?")
    assert "do not trust the numbers" in first.text
    answer = _ask(assistant, "do bromsgrove councillors trust the finance numbers?", "why is that?")
    _valid(answer)
    assert "inconsistencies in financial reporting" in answer.text
    assert answer.text.index("inconsistencies") < answer.text.index("do not trust the numbers")
    # Asked outright, likewise.
    direct = assistant.answer("why don't bromsgrove councillors trust the numbers?")
    assert "inconsistencies in financial reporting" in direct.text


def test_a_percentage_or_sum_no_passage_on_the_subject_gives_is_not_answered(assistant):
    # Cambridge's report gives hours on site and £245,000 of savings, but no sum spent on
    # consultants: the nearest passage is shown, not taken for the answer.
    answer = assistant.answer("how much did cambridge spend on consultants?")
    _valid(answer)
    assert not answer.found and "give no sum of money" in answer.text
    assert answer.citations, "the closest passage is still shown"
    # A figure beside the subject is the answer, whatever words it is in.
    saved = assistant.answer("how much does lambeth need to save?")
    assert saved.found and "£8m" in saved.text
    share = assistant.answer("what percentage of lambeth residents are satisfied with the council?")
    assert share.found and "%" in share.text
    # "what percentage?" after a subject asks a figure of that subject, which is given.
    survey = _ask(assistant, "cen beds resident survey", "what percentage?")
    assert survey.found and "70%" in survey.text
    # "how much time" is no sum of money.
    hours = assistant.answer("how much time in total did the cambridge peers put in?")
    assert hours.found and "203 hours" in hours.text


def test_a_count_the_report_never_gives_is_not_answered_with_a_mention(assistant):
    # Lambeth's report mentions apprenticeships, never how many.
    answer = assistant.answer("how many apprenticeships has lambeth created?")
    assert not answer.found and "give no number of them" in answer.text
    _valid(answer)
    assert "apprenticeships" in answer.citations[0].quotes[0]
    # What is counted is the plural after "how many", not the verb after it.
    from peerchat.index.answer.extractive import _counted, _singular

    assert _counted("how many councillors serve on it?") == "councillors"
    assert _counted("how many people work there?") == "people"
    assert [_singular(w) for w in ("purposes", "houses", "boxes", "authorities")] == [
        "purpose",
        "house",
        "box",
        "authority",
    ]
    # A count given in figures or in words still answers.
    days = assistant.answer("how many days were the cambridge peers on site?")
    assert days.found and "3.5 days" in days.text
    purposes = assistant.answer("how many strategic purposes do bromsgrove and redditch have?")
    assert purposes.found and "six 'strategic purposes'" in purposes.text


def test_what_they_were_told_to_do_about_it_is_the_recommendations_on_that_finding(assistant):
    # Not the council's key recommendations whatever they are about: those closest to what
    # the answer before quoted.
    answer = _ask(
        assistant,
        "how did the bromsgrove peers see member-officer relations?",
        "what were they told to do about it?",
    )
    _valid(answer)
    assert "boundaries between officers and members are publicly clarified" in answer.text
    assert "key recommendations" not in answer.text


def test_a_why_question_opened_with_so_or_and_still_asks_for_the_reason(assistant):
    assert read_intent("so why is that?").why
    assert read_intent("and why should they bother?").why
    assert read_intent("why would it matter?").why
    assert not read_intent("somewhere the reason was given?").why
    answer = assistant.answer(
        "so why should lambeth's chief executive step back from children's services?"
    )
    _valid(answer)
    assert "free up some of his time" in answer.text


def test_a_figure_asked_for_by_its_sign_or_name_alone_quotes_the_figure(assistant):
    assert read_intent("central beds satisfaction %").figure
    assert read_intent("bromsgrove property fund size").figure
    assert read_intent("lambeth restructure £").figure
    assert not read_intent("why don't members trust the finance figures?").figure
    assert not read_intent("who owns the amount of debt?").figure
    assert not read_intent("so who signed off the budget figures?").figure
    assert not read_intent("what date were the satisfaction figures from?").figure
    answer = assistant.answer("cen beds resident satisfaction %")
    _valid(answer)
    assert answer.found and "70%" in answer.text
    answer = assistant.answer("cambridge voluntary sector grants - pot size")
    assert answer.found and "£900,000" in answer.text


def test_the_same_figures_for_other_councils_typed_with_n_or_ampersand(assistant):
    answer = _ask(
        assistant,
        "what % of lambeth residents were satisfied with the council?",
        "cambridge & cen beds figures",
    )
    _valid(answer)
    assert {c.council for c in answer.citations} == {
        "Cambridge City Council",
        "Central Bedfordshire Council",
    }
    assert "76%" in answer.text and "70%" in answer.text


def test_a_ce_is_a_chief_executive_and_lt_in_capitals_a_leadership_team():
    assert dict(abbreviations_in("the CE and the LT")) == {
        "ce": "chief executive",
        "lt": "leadership team",
    }
    assert dict(abbreviations_in("lt")) == {}
    assert dict(abbreviations_in("econ dev")) == {"econ": "economic", "dev": "development"}


def test_which_other_councils_beside_the_one_named_leaves_it_out(assistant):
    directory = CouncilDirectory.load()
    covered = tuple(assistant.library.councils)
    answer = assistant.answer(
        "kate herbert was on lambeth's peer team - which other councils was she on?"
    )
    _valid(answer)
    assert (
        answer.found and "Lambeth London Borough Council" not in answer.text.split("No passage")[0]
    )
    assert {c.council for c in answer.citations} == {"Central Bedfordshire Council"}
    assert "Kate Herbert" in answer.text  # a peer named in full: her line answers it
    from peerchat.index.answer.extractive import _person_named
    from peerchat.index.store.lexical import overlap_terms

    asked = overlap_terms("which other councils was jo smith on?")
    assert _person_named("• Cllr Jo Smith, Leader, Exeter City Council", asked)
    assert _person_named("• Jo Smith – CEX, Exeter City Council", asked)
    assert not _person_named("• Jo Brown, Leader, Exeter City Council", asked)
    told = assistant.answer("what did lambeth get told about scrutiny - any other councils too?")
    assert told.found
    assert "Lambeth London Borough Council" not in {c.council for c in told.citations}
    # A council named after it is the one asked about ("any other reports on Lambeth?"),
    # and "anyone else" is someone else, not another council.
    for question in (
        "are there any other reports on lambeth?",
        "was anyone else on lambeth's team?",
    ):
        assert understand(question, directory, covered=covered).left_out == ()
    # "what other issues" asks for more of the council named, not for other councils.
    more = assistant.answer("what other issues does lambeth face with its finances?")
    assert more.found and {c.council for c in more.citations} == {"Lambeth London Borough Council"}


def test_same_thing_at_another_council_asks_the_last_question_there(assistant):
    directory = CouncilDirectory.load()
    covered = tuple(assistant.library.councils)
    first = Turn.from_answer(
        assistant.answer("what did the peers say about governance at lambeth?")
    )
    # A subject of its own is kept: "same for bromsgrove's finances?" is on finances.
    own = understand("same for bromsgrove's finances?", directory, [first], covered)
    assert "finances" in own.topic
    bare = understand("same story at bromsgrove?", directory, [first], covered)
    assert "story" not in bare.topic and "governance" in bare.topic
    answer = _ask(
        assistant,
        "who was central bedfordshire's peer challenge manager?",
        "same role for bromsgrove?",
    )
    _valid(answer)
    assert answer.found and "Clare Hudson" in answer.text
    assert {c.council for c in answer.citations} == {
        "Bromsgrove District Council and Redditch Borough Council"
    }


def test_a_rows_lead_line_does_not_choose_the_row_a_lead_question_asks_about(assistant):
    # "Lead Service Area: Chief Executive" shares "lead service area" with the question on
    # every row; the row is the one on what the question is about.
    answer = assistant.answer(
        "bedford: lead service area for the row on staff turnover and agency use?"
    )
    _valid(answer)
    assert "Recommendation 17" in answer.text
    assert "**Lead:** Corporate Leadership Team / Transformation" in answer.text


def test_the_catch_typed_without_an_apostrophe_is_no_unknown_subject(assistant):
    from peerchat.index.search.query import UNMARKED, apostrophised

    assert UNMARKED.sub(apostrophised, "whats its catch, dont") == "what's its catch, don't"
    assert UNMARKED.sub(apostrophised, "cans, dons, itt, hows") == "cans, dons, itt, how's"
    # "whats" and "catch" are in no report: the question must not look like one on a
    # subject none discusses, but ask for the reservations on the subject before.
    answer = _ask(
        assistant,
        "what did the peers like about central beds' finances?",
        "whats the catch",
    )
    _valid(answer)
    assert answer.found
    assert {c.council for c in answer.citations} == {"Central Bedfordshire Council"}
