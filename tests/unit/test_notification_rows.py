"""Checking one notification row: every reason a coordinator may see, and what is normalised."""

from __future__ import annotations

from datetime import date

import pytest

from missing_education.domain import (
    REQUIRED_COLUMNS,
    REQUIRED_VALUES,
    InvalidNotification,
    Notification,
    parse_notification,
)

TODAY = date(2026, 11, 25)


def a_row(**changes: str) -> dict[str, str]:
    row = {
        "forename": "Amira",
        "surname": "Khan",
        "date_of_birth": "2015-03-04",
        "sex": "F",
        "upn": "A123456789012",
        "address_line1": "1 Bank Road",
        "town": "Matlock",
        "postcode": "DE4 3AG",
        "school_urn": "112233",
        "school_name": "Matlock Primary",
        "date_last_attended": "2026-10-01",
        "reason": "not returned after half term",
        "vulnerabilities": "",
        "referrer_name": "Sam Jones",
        "referrer_organisation": "Matlock Primary",
        "referrer_email": "office@matlock.example",
        "referral_date": "2026-11-20",
        "notes": "",
    }
    row.update(changes)
    return row


def parse(**changes: str) -> Notification:
    return parse_notification(a_row(**changes), today=TODAY)


def refused(**changes: str) -> InvalidNotification:
    with pytest.raises(InvalidNotification) as raised:
        parse(**changes)
    return raised.value


def test_a_good_row_becomes_a_notification() -> None:
    n = parse()
    assert (n.forename, n.surname, n.date_of_birth) == ("Amira", "Khan", date(2015, 3, 4))
    assert n.referral_date == date(2026, 11, 20)
    assert n.date_last_attended == date(2026, 10, 1)
    assert n.referrer_organisation == "Matlock Primary"


@pytest.mark.parametrize("name", REQUIRED_VALUES)
def test_each_required_field_left_empty_is_refused_by_name(name: str) -> None:
    error = refused(**{name: "   "})
    assert error.field == name
    assert "required" in error.problem


@pytest.mark.parametrize("name", REQUIRED_VALUES)
def test_each_required_field_absent_from_the_row_is_refused_by_name(name: str) -> None:
    row = a_row()
    del row[name]
    with pytest.raises(InvalidNotification) as raised:
        parse_notification(row, today=TODAY)
    assert raised.value.field == name


def test_only_the_required_fields_are_needed() -> None:
    row = {name: a_row()[name] for name in REQUIRED_COLUMNS}
    n = parse_notification(row, today=TODAY)
    assert (n.sex, n.upn, n.postcode, n.vulnerabilities) == ("", "", "", ())


@pytest.mark.parametrize("name", ["date_of_birth", "referral_date", "date_last_attended"])
@pytest.mark.parametrize("text", ["2015-02-30", "30/02/2015", "2015-13-01", "yesterday", "4.3.15"])
def test_an_impossible_or_unparseable_date_is_refused(name: str, text: str) -> None:
    error = refused(**{name: text})
    assert error.field == name
    assert "not a real date" in error.problem


def test_a_date_written_dd_mm_yyyy_is_accepted() -> None:
    n = parse(date_of_birth="04/03/2015", referral_date="20/11/2026")
    assert n.date_of_birth == date(2015, 3, 4)
    assert n.referral_date == date(2026, 11, 20)


def test_a_29_february_birth_in_a_leap_year_is_a_real_date() -> None:
    assert parse(date_of_birth="29/02/2016").date_of_birth == date(2016, 2, 29)


def test_a_birth_date_in_the_future_is_refused() -> None:
    error = refused(date_of_birth="2026-11-26")
    assert (error.field, error.problem) == ("date_of_birth", "is in the future")


def test_a_referral_date_in_the_future_is_refused() -> None:
    error = refused(referral_date="2026-11-26")
    assert (error.field, error.problem) == ("referral_date", "is in the future")


def test_a_referral_dated_today_is_accepted() -> None:
    assert parse(referral_date="2026-11-25").referral_date == TODAY


def test_a_birth_date_after_the_referral_is_refused() -> None:
    error = refused(date_of_birth="2026-11-21", referral_date="2026-11-20")
    assert error.field == "date_of_birth"


def test_last_attended_after_the_referral_is_refused() -> None:
    assert refused(date_last_attended="2026-11-21").field == "date_last_attended"


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x07", "\x08", "\x1b", "\x1f", "\x7f"])
@pytest.mark.parametrize("name", ["forename", "surname", "town", "reason", "notes"])
def test_control_characters_are_refused(name: str, character: str) -> None:
    error = refused(**{name: f"Am{character}ira"})
    assert (error.field, error.problem) == (name, "contains control characters")


@pytest.mark.parametrize("character", ["\n", "\r", "\t"])
def test_a_line_break_or_tab_is_refused_in_a_one_line_field(character: str) -> None:
    assert refused(surname=f"Kh{character}an").field == "surname"


def test_notes_may_run_over_several_lines() -> None:
    notes = "Family seen at the address.\r\nNeighbour says they left in October.\n\tDetails follow."
    assert parse(notes=notes).notes == notes.strip()


def test_a_control_character_in_an_extra_column_is_refused() -> None:
    row = {**a_row(), "caseworker": "J\x00 Smith"}
    with pytest.raises(InvalidNotification) as raised:
        parse_notification(row, today=TODAY)
    assert raised.value.field == "caseworker"


@pytest.mark.parametrize("name", ["forename", "surname", "referrer_name"])
def test_a_name_over_100_characters_is_refused(name: str) -> None:
    assert parse(**{name: "A" * 100}) is not None
    error = refused(**{name: "A" * 101})
    assert (error.field, error.problem) == (name, "is longer than 100 characters")


@pytest.mark.parametrize("name", ["notes", "reason", "address_line1", "referrer_organisation"])
def test_any_field_over_2000_characters_is_refused(name: str) -> None:
    assert parse(**{name: "x" * 2000}) is not None
    error = refused(**{name: "x" * 2001})
    assert (error.field, error.problem) == (name, "is longer than 2000 characters")


def test_an_extra_column_over_2000_characters_is_refused() -> None:
    row = {**a_row(), "caseworker": "x" * 2001}
    with pytest.raises(InvalidNotification):
        parse_notification(row, today=TODAY)


def test_a_upn_is_upper_cased_and_spaces_removed() -> None:
    assert parse(upn=" a123 4567 89012 ").upn == "A123456789012"


@pytest.mark.parametrize(
    "upn", ["A12345678901", "1234567890123", "A12345678901234", "A1234567890-2"]
)
def test_a_bad_upn_is_refused(upn: str) -> None:
    error = refused(upn=upn)
    assert error.field == "upn"
    assert "unique pupil number" in error.problem


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("de4 3ag", "DE4 3AG"),
        ("DE43AG", "DE4 3AG"),
        (" DE4 3AG ", "DE4 3AG"),
        ("de4  3ag", "DE4 3AG"),
        ("sw1a1aa", "SW1A 1AA"),
        ("M1 1AE", "M1 1AE"),
        ("", ""),
    ],
)
def test_a_postcode_is_normalised(written: str, stored: str) -> None:
    assert parse(postcode=written).postcode == stored


@pytest.mark.parametrize("postcode", ["DE4", "12345", "DE4 3A", "not known", "DE4 3AGX"])
def test_a_postcode_that_is_not_a_uk_postcode_is_refused(postcode: str) -> None:
    error = refused(postcode=postcode)
    assert (error.field, error.problem) == ("postcode", "is not a UK postcode")


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("M", "M"),
        ("male", "M"),
        ("F", "F"),
        ("Female", "F"),
        ("u", "U"),
        ("Unknown", "U"),
        ("", ""),
    ],
)
def test_sex_is_normalised_to_one_letter(written: str, stored: str) -> None:
    assert parse(sex=written).sex == stored


def test_an_unknown_sex_value_is_refused() -> None:
    assert refused(sex="X").field == "sex"


def test_vulnerabilities_are_split_and_read_through_the_risk_vocabulary() -> None:
    n = parse(vulnerabilities="Young carer; SEN|Gypsy-Roma-Traveller, ,asylum")
    assert n.vulnerabilities == ("young_carer", "sen", "grt", "asylum")


def test_an_unknown_flag_is_kept_and_treated_as_a_possible_safeguarding_concern() -> None:
    n = parse(vulnerabilities="SEN; Honour-based abuse")
    assert n.vulnerabilities == ("sen", "honour_based_abuse")
    assert n.safeguarding


def test_a_safeguarding_code_raises_the_safeguarding_flag() -> None:
    assert parse(vulnerabilities="SEN; child protection").safeguarding
    assert parse(vulnerabilities="Looked-after").safeguarding


def test_no_safeguarding_code_leaves_the_flag_down() -> None:
    assert not parse(vulnerabilities="sen;young_carer").safeguarding
    assert not parse().safeguarding


def test_extra_columns_are_kept() -> None:
    row = {**a_row(), "caseworker": "J Smith", "ward": "", "year": "5"}
    n = parse_notification(row, today=TODAY)
    assert dict(n.extra) == {"caseworker": "J Smith", "year": "5"}


def test_a_bad_email_is_refused() -> None:
    assert refused(referrer_email="office at school").field == "referrer_email"


def test_a_bad_school_urn_is_refused() -> None:
    assert refused(school_urn="11A233").field == "school_urn"


def test_the_error_message_names_the_field_and_the_problem() -> None:
    assert str(refused(date_of_birth="2015-02-30")).startswith("date_of_birth: ")


def test_the_fingerprint_ignores_case_and_whitespace() -> None:
    plain = parse()
    shouted = parse(
        forename="  AMIRA ",
        surname="khan",
        referrer_organisation="MATLOCK   primary",
        reason="Not returned after  half term ",
        referrer_email="OFFICE@matlock.example",
        upn="a123456789012",
        postcode="de43ag",
        date_of_birth="04/03/2015",
    )
    assert shouted.fingerprint == plain.fingerprint


def test_the_fingerprint_changes_with_the_child_or_the_referral() -> None:
    plain = parse().fingerprint
    assert parse(forename="Amina").fingerprint != plain
    assert parse(date_of_birth="2015-03-05").fingerprint != plain
    assert parse(referral_date="2026-11-21").fingerprint != plain
    assert parse(referrer_organisation="Derbyshire Police").fingerprint != plain


def test_the_identity_key_folds_names_for_linking() -> None:
    assert parse(forename="AMIRA", surname=" khan").identity_key == parse().identity_key


def test_the_length_of_a_field_is_measured_without_its_padding() -> None:
    assert parse(surname=" " * 10 + "K" * 100 + " " * 10).surname == "K" * 100


@pytest.mark.parametrize("blank", [("forename",), ("surname",), ("forename", "surname")])
def test_a_blank_name_is_kept_and_the_row_is_identified_by_itself(blank: tuple[str, ...]) -> None:
    notification = parse_notification(a_row(**dict.fromkeys(blank, "")), today=TODAY)
    assert not notification.named
    other = parse_notification(
        a_row(**dict.fromkeys(blank, ""), upn="", notes="a brother"), today=TODAY
    )
    # Two children notified without a name on the same birthday are never one child.
    assert notification.identity_key != other.identity_key
    again = parse_notification(a_row(**dict.fromkeys(blank, "")), today=TODAY)
    assert notification.identity_key == again.identity_key
