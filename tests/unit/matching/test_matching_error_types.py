"""Each kind of error a notification carries still finds the right pupil, and twins stay apart."""

from __future__ import annotations

import datetime as dt

from missing_education.matching import REGISTER_COLUMNS, Candidate, Matcher


def notification(**fields: object) -> dict[str, object]:
    """A notification with every register column blank except those given."""
    return {column: "" for column in REGISTER_COLUMNS} | {"ref": "N1"} | fields


def best(matcher: Matcher, **fields: object) -> Candidate:
    found = matcher.candidates(notification(**fields))
    assert found, "expected at least one candidate"
    return found[0]


def level(candidate: Candidate, field: str) -> str:
    return next(f.level for f in candidate.explanation if f.field == field)


OLIVER = {
    "forename": "Oliver",
    "surname": "Bagshaw",
    "date_of_birth": "2014-05-17",
    "sex": "M",
    "postcode": "DE22 3AB",
}


def test_an_exact_copy_is_a_match(matcher: Matcher) -> None:
    found = best(matcher, **OLIVER)
    assert (found.register_ref, found.decision) == ("T01", "match")
    assert found.score > 0.99


def test_a_typo_in_the_forename_is_a_match(matcher: Matcher) -> None:
    found = best(matcher, **(OLIVER | {"forename": "Olivre"}))
    assert (found.register_ref, found.decision) == ("T01", "match")


def test_a_typo_in_the_surname_is_a_match(matcher: Matcher) -> None:
    found = best(matcher, **(OLIVER | {"surname": "Bagshow"}))
    assert (found.register_ref, found.decision) == ("T01", "match")


def test_a_nickname_is_a_match(matcher: Matcher) -> None:
    found = best(
        matcher, forename="Alfie", surname="Whitworth", date_of_birth="03/11/2012", sex="M"
    )
    assert (found.register_ref, found.decision) == ("T02", "match")
    assert level(found, "forename") == "nickname, variant or shared part"


def test_a_polish_diminutive_is_a_match(matcher: Matcher) -> None:
    found = best(matcher, forename="Kasia", surname="Nowak", date_of_birth="15/03/2011")
    assert (found.register_ref, found.decision) == ("T07", "match")


def test_names_written_the_wrong_way_round_are_a_match(matcher: Matcher) -> None:
    found = best(matcher, forename="HUSSAIN", surname="ZAINAB", date_of_birth="2013-12-04", sex="F")
    assert (found.register_ref, found.decision) == ("T06", "match")
    assert level(found, "name_order") == "forename and surname swapped"


def test_one_part_of_a_double_barrelled_surname_is_a_match(matcher: Matcher) -> None:
    found = best(matcher, forename="Isla", surname="Jones", date_of_birth="2015-07-21", sex="F")
    assert (found.register_ref, found.decision) == ("T04", "match")
    assert level(found, "surname") == "nickname, variant or shared part"


def test_a_hyphenated_forename_written_with_a_space_is_a_match(matcher: Matcher) -> None:
    found = best(matcher, forename="Lily Mae", surname="Hodgson", date_of_birth="2017-01-28")
    assert (found.register_ref, found.decision) == ("T05", "match")
    assert level(found, "forename") == "exact"


def test_transliteration_variants_are_a_match(matcher: Matcher) -> None:
    found = best(
        matcher, forename="Mohammed", surname="Choudhury", date_of_birth="2016-02-09", sex="M"
    )
    assert (found.register_ref, found.decision) == ("T03", "match")


def test_a_typo_in_the_date_of_birth_is_a_match(matcher: Matcher) -> None:
    found = best(matcher, **(OLIVER | {"date_of_birth": "2014-05-12"}))
    assert (found.register_ref, found.decision) == ("T01", "match")
    assert level(found, "date_of_birth") == "one digit different"


def test_day_and_month_swapped_is_a_match(matcher: Matcher) -> None:
    found = best(matcher, forename="Zainab", surname="Hussain", date_of_birth="12/04/2013")
    assert (found.register_ref, found.decision) == ("T06", "match")
    assert level(found, "date_of_birth") == "day and month swapped"


def test_a_missing_date_of_birth_still_finds_the_pupil(matcher: Matcher) -> None:
    found = best(matcher, **(OLIVER | {"date_of_birth": ""}))
    assert found.register_ref == "T01"
    assert found.decision in ("match", "possible")
    assert level(found, "date_of_birth") == "missing"


def test_an_invalid_date_of_birth_counts_as_missing_not_as_a_reason_to_drop(
    matcher: Matcher,
) -> None:
    missing = best(matcher, **(OLIVER | {"date_of_birth": ""}))
    invalid = best(matcher, **(OLIVER | {"date_of_birth": "31/02/2014"}))
    assert invalid.register_ref == "T01"
    assert invalid.score == missing.score
    assert level(invalid, "date_of_birth") == "missing"


def test_a_date_of_birth_may_be_given_as_a_date(matcher: Matcher) -> None:
    found = best(matcher, **(OLIVER | {"date_of_birth": dt.date(2014, 5, 17)}))
    assert (found.register_ref, level(found, "date_of_birth")) == ("T01", "exact")


def test_a_missing_postcode_is_still_a_match(matcher: Matcher) -> None:
    found = best(matcher, **(OLIVER | {"postcode": ""}))
    assert (found.register_ref, found.decision) == ("T01", "match")
    assert level(found, "postcode") == "missing"


def test_missing_optional_fields_are_allowed(matcher: Matcher) -> None:
    found = matcher.candidates({"forename": "Oliver", "surname": "Bagshaw", "sex": None})
    assert "T01" in [candidate.register_ref for candidate in found]


def test_an_exact_upn_beats_closer_names(matcher: Matcher) -> None:
    # The names are exactly those of T12, but the UPN is T14's.
    found = best(
        matcher,
        forename="Harvey",
        surname="Marsden",
        date_of_birth="2013-06-30",
        upn="L830000000014",
    )
    assert (found.register_ref, found.decision) == ("T14", "match")
    assert level(found, "upn") == "exact"


def test_a_former_upn_is_a_match(matcher: Matcher) -> None:
    found = best(matcher, **OLIVER, upn="Z831999999999", former_upn="A830000000001")
    assert (found.register_ref, found.decision) == ("T01", "match")
    assert level(found, "upn") == "former UPN"


def test_a_conflicting_upn_lowers_confidence(matcher: Matcher) -> None:
    plain = best(matcher, **(OLIVER | {"date_of_birth": "", "postcode": "DE22 9ZZ"}))
    conflicting = best(
        matcher, **(OLIVER | {"date_of_birth": "", "postcode": "DE22 9ZZ", "upn": "Z831999999999"})
    )
    assert conflicting.register_ref == plain.register_ref == "T01"
    assert conflicting.score < plain.score
    assert level(conflicting, "upn") == "different UPNs"


def test_the_twin_of_a_pupil_is_not_matched_to_the_pupil(matcher: Matcher) -> None:
    # Ella and Ruby Brennan are twins on the roll; Grace, a triplet, is on no register.
    found = matcher.candidates(
        {
            "forename": "Grace",
            "surname": "Brennan",
            "date_of_birth": "2016-09-14",
            "sex": "F",
            "postcode": "DE56 1AB",
        }
    )
    assert all(candidate.decision != "match" for candidate in found)


def test_each_twin_is_matched_to_their_own_record(matcher: Matcher) -> None:
    twin = {"surname": "Brennan", "date_of_birth": "2016-09-14", "postcode": "DE56 1AB"}
    assert best(matcher, forename="Ella", **twin).register_ref == "T10"
    assert best(matcher, forename="Ruby", **twin).register_ref == "T11"
    assert best(matcher, forename="Ruby", **twin).decision == "match"


def test_a_child_on_no_register_is_not_matched(matcher: Matcher) -> None:
    found = matcher.candidates(
        {"forename": "Xavier", "surname": "Quennell", "date_of_birth": "2012-02-02", "sex": "M"}
    )
    assert all(candidate.decision == "none" for candidate in found)
