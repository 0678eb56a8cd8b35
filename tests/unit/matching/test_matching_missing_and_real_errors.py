"""Blank fields carry no evidence; the errors real data makes still find the child."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from missing_education.matching import (
    REGISTER_COLUMNS,
    Candidate,
    Matcher,
    Thresholds,
    evaluate,
)
from missing_education.matching import comparison as c

DATA = Path(__file__).parent / "data"
OLIVER = {
    "ref": "N1",
    "forename": "Oliver",
    "surname": "Bagshaw",
    "date_of_birth": "2014-05-17",
    "sex": "M",
    "postcode": "DE22 3AB",
}


def best(matcher: Matcher, **changes: object) -> Candidate:
    person = {column: "" for column in REGISTER_COLUMNS} | OLIVER | changes
    return matcher.candidates(person)[0]


def field(candidate: Candidate, name: str) -> tuple[str, float]:
    found = next(f for f in candidate.explanation if f.field == name)
    return found.level, found.weight


def dates(query: list[int], register: list[int]) -> list[str]:
    levels = c.compare_dates_of_birth(np.array(query, np.int32), np.array(register, np.int32))
    return [c.DOB_LEVELS[level] for level in levels]


def test_a_wrong_day_month_or_year_typed_in_full_is_one_field_different() -> None:
    assert (
        dates([20140517, 20140517, 20140517], [20140528, 20141117, 20090517])
        == ["one of day, month, year different"] * 3
    )


def test_dates_with_two_fields_wrong_are_different_and_blank_ones_missing() -> None:
    assert dates([20140517, 0], [20150628, 20140517]) == ["different", "missing"]


def test_a_blank_forename_weighs_nothing_and_the_child_is_still_linked(matcher: Matcher) -> None:
    found = best(matcher, forename="")
    assert (found.register_ref, found.decision) == ("T01", "match")
    assert field(found, "forename") == ("missing", 0.0)


def test_a_blank_date_of_birth_or_postcode_weighs_nothing(matcher: Matcher) -> None:
    found = best(matcher, date_of_birth="", postcode="")
    assert (found.register_ref, found.decision) == ("T01", "match")
    assert field(found, "date_of_birth") == ("missing", 0.0)
    assert field(found, "postcode") == ("missing", 0.0)


def test_a_twin_is_never_linked_when_the_forename_is_blank(matcher: Matcher) -> None:
    found = matcher.candidates(
        {"ref": "N1", "surname": "Brennan", "date_of_birth": "14/09/2016", "postcode": "DE56 1AB"}
    )
    assert {f.register_ref for f in found[:2]} == {"T10", "T11"}
    assert all(f.decision != "match" for f in found)


def test_a_postcode_with_one_character_wrong_is_a_typo(matcher: Matcher) -> None:
    found = best(matcher, postcode="DE2 3AB")
    assert found.register_ref == "T01"
    level, weight = field(found, "postcode")
    assert level == "full postcode, one character different" and weight > 0


def test_a_name_split_in_two_or_joined_is_the_same_name(matcher: Matcher) -> None:
    found = best(matcher, surname="Bag Shaw")
    assert (found.register_ref, found.decision) == ("T01", "match")
    assert field(found, "surname")[0] == "exact"


def test_forename_and_surname_swapped_are_read_the_right_way_round(matcher: Matcher) -> None:
    found = best(matcher, forename="Bagshaw", surname="Oliver")
    assert (found.register_ref, found.decision) == ("T01", "match")
    assert field(found, "name_order")[0] == "forename and surname swapped"


def test_a_birthday_typed_wrong_in_full_still_links_when_both_names_agree(
    matcher: Matcher,
) -> None:
    found = best(matcher, date_of_birth="2014-05-28")
    assert found.register_ref == "T01" and found.decision == "match"
    assert field(found, "date_of_birth")[0] == "one of day, month, year different"


def test_thresholds_are_checked_when_set() -> None:
    with pytest.raises(ValueError, match="possible <= match"):
        Thresholds(match=0.5, possible=0.9)


def test_a_higher_match_threshold_moves_links_to_possible(register: pd.DataFrame) -> None:
    strict = Matcher(register, thresholds=Thresholds(match=0.999999))
    found = strict.candidates(
        {column: "" for column in REGISTER_COLUMNS} | OLIVER | {"date_of_birth": "2014-05-28"}
    )
    assert (found[0].register_ref, found[0].decision) == ("T01", "possible")


def test_a_held_out_febrl_sample_is_matched_to_the_targets() -> None:
    # 300 notifications from FEBRL's febrl1, never used for tuning (bench/febrl.py made them).
    register = pd.read_csv(DATA / "febrl1_register.csv", dtype=str, keep_default_na=False)
    notifications = pd.read_csv(DATA / "febrl1_notifications.csv", dtype=str, keep_default_na=False)
    truth = pd.Series(
        notifications["ref"].str.replace(r"^N(\d+)-\d+$", r"R\1", regex=True).to_numpy(),
        index=notifications["ref"].to_numpy(),
    )
    matcher = Matcher(register)
    report = evaluate(truth, matcher.match_frame(notifications))
    assert matcher.learnt is not None and matcher.learnt.learnt
    assert report.precision >= 0.995
    assert report.found_for_review >= 0.97
    assert report.f1 >= 0.90


def test_a_child_notified_without_any_name_is_found_for_a_person_never_linked(
    matcher: Matcher,
) -> None:
    found = matcher.candidates({"ref": "N1", "date_of_birth": "2014-05-17", "sex": "M"}, limit=100)
    assert "T01" in {f.register_ref for f in found}
    assert all(f.decision != "match" for f in found)
