"""The cosine floors and bonuses of peerchat, and the model they were measured on.

Every threshold that compares an embedding cosine (alone, or averaged or summed with a
word-overlap share) was tuned on all-MiniLM-L6-v2's scores over the sample reports and the
dev questions. Another model scores on another scale, so it needs its own `Calibration`,
measured the same way (the dev set, `peerchat eval`): an embedder carries the calibration
its cosines are to be judged by (`embedder.calibration`), and the answerer, the guard and
the register read the values from it, never from constants of their own.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Calibration:
    """Floors and bonuses for one embedding model's cosines."""

    model: str  # the model the values were measured on

    # The extractive answer (index/answer/extractive.py). A sentence scores its cosine to
    # the question plus the bonuses below; it is quoted only above a floor.
    single_floor: float  # a question over the whole library
    named_floor: float  # a question naming a council with a report (a narrower search)
    aggregate_floor: float  # each report's best sentence in a cross-report answer
    mention_floor: float  # ... or one lower that names the subject the best answers name
    overlap_weight: float  # times the (rarity-weighted) share of the question's terms it has
    recommendation_bonus: float  # it states a recommendation, asked what was recommended
    number_bonus: float  # it gives a figure, asked "how many"
    number_match_bonus: float  # ... and shares a word of the question ("hours", "people")
    person_bonus: float  # it names a person, asked "who"
    person_match_bonus: float  # ... and shares a word of the question ("police", "Leader")
    date_bonus: float  # it gives a date or a span of time, asked "when" (not the visit)
    cause_bonus: float  # it gives a cause or a consequence, asked "why"
    signpost_bonus: float  # it is in a signposted example, asked for examples
    subject_bonus: float  # it discusses, in its own words, the service the question names
    signpost_floor: float  # the best signpost's score, asked for signposted examples
    quote_margin: float  # further quotes must score this close to the best
    second_margin: float  # a report's second quote in a cross-report answer, likewise
    absent_ceiling: float  # below this, a question whose own words no sentence has is
    # answered "the reports do not say" (the subject is not in them)

    # The guard of a language model's answer (index/answer/guard.py). A passage supports a
    # sentence with the mean of its word coverage and its closest sentence's cosine.
    support_floor: float  # support a cited passage must give
    min_coverage: float  # ... and the share of the sentence's words it must have
    attach_floor: float  # support that attributes a sentence with no marker to a passage
    attach_coverage: float  # ... and the word share it needs

    # The recommendation register (index/register/).
    link_similarity: float  # cosine at which an action-plan row answers a recommendation
    link_overlap: float  # ... or the share of words they share (either will do)
    match_floor: float  # a recommendation matching a question's topic
    theme_floor: float  # a second theme must score at least this
    theme_margin: float  # ... and be within this of the best theme
    signpost_link_similarity: float  # cosine at which a signpost's text matches a recommendation


MINILM_L6_V2 = Calibration(
    model="all-MiniLM-L6-v2",
    single_floor=0.58,
    named_floor=0.42,
    aggregate_floor=0.50,
    mention_floor=0.30,
    overlap_weight=0.25,
    recommendation_bonus=0.10,
    number_bonus=0.05,
    number_match_bonus=0.10,
    person_bonus=0.08,
    person_match_bonus=0.12,
    date_bonus=0.08,
    cause_bonus=0.06,
    signpost_bonus=0.10,
    subject_bonus=0.10,
    signpost_floor=0.40,
    quote_margin=0.10,
    second_margin=0.05,
    absent_ceiling=0.70,
    support_floor=0.5,
    min_coverage=0.4,
    attach_floor=0.75,
    attach_coverage=0.8,
    link_similarity=0.8,
    link_overlap=0.6,
    match_floor=0.45,
    theme_floor=0.25,
    theme_margin=0.04,
    # Bromsgrove's five signposts: the best recommendation of the research on the 21st
    # century councillor is about leadership roles (0.54); those below 0.5 share a subject
    # word at most ("partners", "shared").
    signpost_link_similarity=0.5,
)
