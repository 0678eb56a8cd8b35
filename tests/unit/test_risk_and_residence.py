"""The risk vocabulary reads flags as referrers write them; residence reads the postcode."""

from __future__ import annotations

from datetime import date

import pytest

from missing_education.domain.residence import (
    Residence,
    council_for,
    parse_other_councils,
    residence,
)
from missing_education.domain.risk import Risk, read_risks, risk_for, split_flags, words_for
from missing_education.rules.school_age import compulsory_school_age


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("CSE", Risk.CSE),
        ("Child Sexual Exploitation", Risk.CSE),
        ("child-sexual-exploitation", Risk.CSE),
        ("trafficked", Risk.TRAFFICKING),
        ("Modern slavery", Risk.TRAFFICKING),
        ("FGM", Risk.FGM),
        ("Missing from care", Risk.MISSING_FROM_CARE),
        ("LAC", Risk.LOOKED_AFTER),
        ("county lines", Risk.CCE),
        ("Domestic violence", Risk.DOMESTIC_ABUSE),
        ("PREVENT", Risk.RADICALISATION),
        ("Gypsy/Roma/Traveller", Risk.GRT),
        ("women's refuge", Risk.REFUGE),
        ("child_protection", Risk.CHILD_PROTECTION),
    ],
)
def test_a_flag_is_read_as_its_code_whatever_the_case_spacing_or_punctuation(
    written: str, code: Risk
) -> None:
    assert risk_for(written) is code


def test_unknown_flags_are_kept_folded_and_make_a_possible_safeguarding_concern() -> None:
    reading = read_risks(split_flags("SEN; Honour-based abuse | sen"))
    assert reading.known == (Risk.SEN,)
    assert reading.unknown == ("honour_based_abuse",)
    assert reading.safeguarding
    assert reading.stored == ("sen", "honour_based_abuse")
    assert "treated as a possible risk" in words_for("honour_based_abuse")


def test_only_safeguarding_codes_send_a_child_to_mash_and_only_some_tell_the_police() -> None:
    assert not read_risks(["young carer", "SEND", "asylum"]).safeguarding
    assert read_risks(["cce"]).safeguarding and not read_risks(["cce"]).police_at_once
    assert read_risks(["missing from care"]).police_at_once


@pytest.mark.parametrize(
    ("postcode", "expected"),
    [
        ("DE4 3AG", Residence.IN_AREA),  # a listed area
        ("S40 1AA", Residence.IN_AREA),  # a listed district
        ("S4 7QQ", Residence.OUT_OF_AREA),  # S4 is not S40
        ("G12 8AA", Residence.OUT_OF_AREA),
        ("", Residence.UNKNOWN),
    ],
)
def test_residence_comes_from_the_postcode_district_or_area(
    postcode: str, expected: Residence
) -> None:
    assert residence(postcode, ("DE", "S40")) is expected


def test_with_no_area_set_everyone_with_a_postcode_is_in_the_area() -> None:
    assert residence("G12 8AA", ()) is Residence.IN_AREA


def test_the_council_for_a_postcode_is_the_longest_matching_entry() -> None:
    councils = parse_other_councils(
        ("S: Sheffield City Council <cme@sheffield.example>", "S40: Derbyshire <cme@d.example>")
    )
    assert council_for("S40 1AA", councils).email == "cme@d.example"
    assert council_for("S1 2HE", councils).name == "Sheffield City Council"
    assert council_for("G1 1AA", councils).name == "the council for postcode district G1"
    with pytest.raises(ValueError, match="is not written"):
        parse_other_councils(("Sheffield, cme@sheffield.example",))


def test_the_autumn_term_start_settles_a_sixteenth_birthday_in_early_september() -> None:
    # Term begins 3 September 2026: 16 on 2 September left on Friday 26 June 2026.
    def term(year: int) -> date | None:
        return date(year, 9, 3)

    assert compulsory_school_age(date(2010, 9, 2), term).ends == date(2026, 6, 26)
    assert not compulsory_school_age(date(2010, 9, 2), term).needs_review
    assert compulsory_school_age(date(2010, 9, 3), term).ends == date(2027, 6, 25)
    # A term starting in late August: 16 on 31 August is already in the new school year.
    assert compulsory_school_age(date(2010, 8, 31), lambda y: date(y, 8, 28)).ends == date(
        2027, 6, 25
    )
