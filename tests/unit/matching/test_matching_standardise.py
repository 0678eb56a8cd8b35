"""Normalising names, dates, postcodes and sexes before comparing them."""

from __future__ import annotations

import datetime as dt

import pytest

from missing_education.matching.standardise import (
    normalise_name,
    normalise_postcode,
    normalise_sex,
    parse_date_of_birth,
    sound_key,
)


def test_names_lose_case_accents_and_punctuation() -> None:
    assert normalise_name("  O'Brien-SMITH ") == "obrien smith"
    assert normalise_name("Łukasz Żółć") == "lukasz zolc"
    assert normalise_name(None) == ""


@pytest.mark.parametrize(
    "spellings",
    [
        ("Muhammad", "Mohammed", "Mohamed", "Muhammed", "Mohammad"),
        ("Hussain", "Hussein", "Hossain"),
        ("Chowdhury", "Choudhury", "Chaudhry", "Chaudhary"),
        ("Yusuf", "Youssef", "Yousef"),
        ("Aisha", "Ayesha", "Aishah"),
        ("Catherine", "Katherine", "Kathryn"),
        ("MacDonald", "McDonald"),
        ("Aleksander", "Alexander", "Oleksandr"),
    ],
)
def test_transliterated_spellings_share_a_sound_key(spellings: tuple[str, ...]) -> None:
    assert len({sound_key(normalise_name(name)) for name in spellings}) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015-03-04", 20150304),
        ("04/03/2015", 20150304),
        ("4/3/15", 20150304),
        ("04.03.2015", 20150304),
        ("20150304", 20150304),
        ("4 Mar 2015", 20150304),
        ("04-March-2015", 20150304),
        ("2015-03-04 00:00:00", 20150304),
        (dt.date(2015, 3, 4), 20150304),
        (dt.datetime(2015, 3, 4, 9, 30), 20150304),
        ("31/02/2015", 0),
        ("unknown", 0),
        ("00/00/0000", 0),
        ("", 0),
        (None, 0),
    ],
)
def test_dates_of_birth_are_read_day_first(text: object, expected: int) -> None:
    assert parse_date_of_birth(text) == expected


def test_postcodes_split_into_full_sector_and_district() -> None:
    assert normalise_postcode("de22 3ab") == ("DE223AB", "DE223", "DE22")
    assert normalise_postcode("SW1A1AA") == ("SW1A1AA", "SW1A1", "SW1A")
    assert normalise_postcode("DE22") == ("", "", "DE22")
    assert normalise_postcode("not known") == ("", "", "")


@pytest.mark.parametrize(
    ("text", "expected"), [("M", 1), ("male", 1), ("F", 2), ("Girl", 2), ("X", 0), ("", 0)]
)
def test_sex_is_read_as_male_female_or_missing(text: str, expected: int) -> None:
    assert normalise_sex(text) == expected
