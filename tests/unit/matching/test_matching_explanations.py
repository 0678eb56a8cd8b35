"""Candidates come best first, with an explanation of every field and a score between 0 and 1."""

from __future__ import annotations

import pandas as pd

from missing_education.matching import (
    MATCH_THRESHOLD,
    POSSIBLE_THRESHOLD,
    FieldAgreement,
    Matcher,
)

OLIVER = {
    "ref": "N1",
    "forename": "Oliver",
    "surname": "Bagshaw",
    "date_of_birth": "2014-05-17",
    "sex": "M",
    "postcode": "DE22 3AB",
}


def test_every_candidate_explains_each_field(matcher: Matcher) -> None:
    for candidate in matcher.candidates(OLIVER):
        fields = [agreement.field for agreement in candidate.explanation]
        assert fields[:6] == ["forename", "surname", "date_of_birth", "sex", "postcode", "upn"]
        assert all(isinstance(agreement, FieldAgreement) for agreement in candidate.explanation)


def test_agreement_weighs_for_and_disagreement_against(matcher: Matcher) -> None:
    right = matcher.candidates(OLIVER)[0]
    weights = {agreement.field: agreement for agreement in right.explanation}
    assert weights["forename"].level == "exact" and weights["forename"].weight > 0
    assert weights["date_of_birth"].weight > 0
    assert weights["postcode"].level == "full postcode"
    born_elsewhere = matcher.candidates(OLIVER | {"date_of_birth": "2009-09-09"})[0]
    date = next(a for a in born_elsewhere.explanation if a.field == "date_of_birth")
    assert (born_elsewhere.register_ref, date.level) == ("T01", "different")
    assert date.weight < 0
    assert born_elsewhere.decision != "match"


def test_brothers_and_sisters_sharing_a_home_are_counted_once(matcher: Matcher) -> None:
    ruby = matcher.candidates(
        {
            "forename": "Ruby",
            "surname": "Brennan",
            "date_of_birth": "2016-09-14",
            "postcode": "DE56 1AB",
        }
    )[0]
    household = [agreement for agreement in ruby.explanation if agreement.field == "household"]
    assert household and household[0].weight < 0


def test_candidates_come_best_first_and_respect_the_limit(matcher: Matcher) -> None:
    found = matcher.candidates(OLIVER | {"date_of_birth": ""}, limit=3)
    assert 1 <= len(found) <= 3
    scores = [candidate.score for candidate in found]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= score <= 1.0 for score in scores)


def test_scores_of_one_child_add_up_to_at_most_one(matcher: Matcher) -> None:
    found = matcher.candidates(OLIVER | {"forename": "", "date_of_birth": ""}, limit=50)
    assert sum(candidate.score for candidate in found) <= 1.0 + 1e-9


def test_decisions_follow_the_thresholds(matcher: Matcher) -> None:
    for candidate in matcher.candidates(OLIVER, limit=20):
        if candidate.decision == "match":
            assert candidate.score >= MATCH_THRESHOLD
        elif candidate.decision == "possible":
            assert candidate.score >= POSSIBLE_THRESHOLD
        else:
            assert candidate.score < POSSIBLE_THRESHOLD


def test_an_empty_register_finds_no_one() -> None:
    empty = Matcher(pd.DataFrame(columns=["ref", "forename", "surname"]))
    assert empty.candidates(OLIVER) == []
