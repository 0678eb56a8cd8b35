"""Checking a letter's context: missing, blank and mistyped keys are named, values never shown."""

from __future__ import annotations

from datetime import date

import pytest

from missing_education.letters import LETTER_TYPES, LetterError, check_context, sample_context
from missing_education.letters.context import optional_keys, required_keys


def test_there_are_twenty_letter_types_in_procedure_order() -> None:
    assert LETTER_TYPES[0] == "acknowledgement"
    assert LETTER_TYPES[-1] == "closure_referrer"
    assert len(set(LETTER_TYPES)) == len(LETTER_TYPES) == 20
    # The attendance order route in its order (Education Act 1996 ss437-443).
    route = ["s437_notice", "s438_notice", "school_attendance_order", "prosecution_referral"]
    assert sorted(route, key=LETTER_TYPES.index) == route


@pytest.mark.parametrize("letter_type", LETTER_TYPES)
def test_every_sample_context_has_what_its_type_needs(letter_type: str) -> None:
    check_context(letter_type, sample_context(letter_type))
    check_context(letter_type, sample_context(letter_type, edge=True))


def test_every_type_but_the_closures_and_the_school_escalation_states_a_deadline() -> None:
    with_deadline = {t for t in LETTER_TYPES if "deadline" in {k.path for k in required_keys(t)}}
    assert with_deadline == set(LETTER_TYPES) - {
        "school_escalation",  # tells the school what it may do; asks for no reply
        "closure_parent",
        "closure_school",
        "closure_referrer",
    }


def test_an_unknown_letter_type_is_refused() -> None:
    with pytest.raises(LetterError, match="unknown letter type"):
        check_context("summons", {})


def test_a_missing_nested_key_is_named() -> None:
    context = sample_context("school_enquiry")
    del context["school"]["urn"]
    with pytest.raises(LetterError, match=r"'school\.urn' is missing"):
        check_context("school_enquiry", context)


def test_a_blank_name_is_an_error_and_the_message_does_not_show_the_family() -> None:
    context = sample_context("parent_contact")
    context["child"] = {**context["child"], "surname": "   "}
    with pytest.raises(LetterError, match=r"'child\.surname' is blank") as raised:
        check_context("parent_contact", context)
    assert "Amira" not in str(raised.value)


def test_a_date_given_as_text_is_an_error() -> None:
    context = sample_context("school_enquiry")
    context["deadline"] = "9 December 2026"
    with pytest.raises(LetterError, match=r"'deadline' must be a date") as raised:
        check_context("school_enquiry", context)
    assert "December" not in str(raised.value)


def test_the_calling_card_needs_the_time_of_the_visit_not_just_the_day() -> None:
    context = sample_context("calling_card")
    context["visit"] = {**context["visit"], "at": date(2026, 11, 24)}
    with pytest.raises(LetterError, match=r"'visit\.at' must be a date and time"):
        check_context("calling_card", context)


def test_an_optional_value_of_the_wrong_kind_is_an_error() -> None:
    context = sample_context("school_enquiry")
    context["child"] = {**context["child"], "year_group": "Year 8"}
    with pytest.raises(LetterError, match=r"'child\.year_group' must be a whole number"):
        check_context("school_enquiry", context)


def test_evidence_must_be_a_list_of_lines() -> None:
    context = sample_context("fair_access_referral")
    context["evidence"] = "Out of school since October"
    with pytest.raises(LetterError, match=r"'evidence' must be a list of text"):
        check_context("fair_access_referral", context)


def test_optional_keys_are_not_required() -> None:
    for letter_type in LETTER_TYPES:
        required = {key.path for key in required_keys(letter_type)}
        assert required.isdisjoint(key.path for key in optional_keys(letter_type))
