"""Compulsory school age, leaving dates and year groups (docs/domain.md section 2)."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from missing_education.rules import (
    AMBIGUOUS_WINDOW_DAYS,
    PRESCRIBED_DAYS,
    compulsory_school_age,
    is_of_compulsory_school_age,
    last_friday_in_june,
    school_year_start,
    year_group,
)

PROPERTY = settings(database=None, deadline=None, max_examples=500)
BIRTH_DATES = st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 12, 31))


def fifth_birthday(born: date) -> date:
    try:
        return born.replace(year=born.year + 5)
    except ValueError:
        return date(born.year + 5, 3, 1)


def is_prescribed(day: date) -> bool:
    return (day.month, day.day) in PRESCRIBED_DAYS


@pytest.mark.parametrize(
    ("born", "starts", "ends"),
    [
        (date(2019, 10, 15), date(2024, 12, 31), date(2036, 6, 27)),
        (date(2020, 4, 1), date(2025, 8, 31), date(2036, 6, 27)),
        (date(2007, 9, 23), date(2012, 12, 31), date(2024, 6, 28)),
    ],
)
def test_worked_examples_from_the_domain_give_the_statutory_start_and_end(
    born: date, starts: date, ends: date
) -> None:
    span = compulsory_school_age(born)
    assert (span.starts, span.ends) == (starts, ends)
    assert not span.needs_review
    assert span.review_reason is None


@pytest.mark.parametrize("born", [date(2016, 3, 31), date(2016, 8, 31), date(2016, 12, 31)])
def test_a_fifth_birthday_on_a_prescribed_day_starts_school_age_that_day(born: date) -> None:
    assert compulsory_school_age(born).starts == born.replace(year=2021)


def test_a_fifth_birthday_the_day_after_a_prescribed_day_waits_for_the_next_one() -> None:
    assert compulsory_school_age(date(2016, 9, 1)).starts == date(2021, 12, 31)


def test_a_child_born_on_29_february_has_a_1_march_fifth_birthday_in_a_common_year() -> None:
    assert compulsory_school_age(date(2016, 2, 29)).starts == date(2021, 3, 31)


def test_a_child_born_on_29_february_leaves_in_the_june_of_their_sixteenth_year() -> None:
    # 16th birthday 29 February 2032 (a leap year), in the school year 2031-32.
    assert compulsory_school_age(date(2016, 2, 29)).ends == date(2032, 6, 25)


def test_a_sixteenth_birthday_on_the_leaving_date_ends_school_age_that_day() -> None:
    # School Leaving Date Order 1997 art 2(b)
    assert compulsory_school_age(date(2008, 6, 28)).ends == date(2024, 6, 28)


def test_a_sixteenth_birthday_the_day_after_the_leaving_date_ends_school_age_the_day_before() -> (
    None
):
    # School Leaving Date Order 1997 art 2(a)
    assert compulsory_school_age(date(2008, 6, 29)).ends == date(2024, 6, 28)


def test_a_sixteenth_birthday_on_31_august_ends_school_age_the_june_before() -> None:
    span = compulsory_school_age(date(2008, 8, 31))
    assert span.ends == date(2024, 6, 28)
    assert not span.needs_review


def test_a_sixteenth_birthday_on_1_september_ends_next_june_and_is_flagged_for_review() -> None:
    span = compulsory_school_age(date(2008, 9, 1))
    assert span.ends == date(2025, 6, 27)
    assert span.needs_review
    assert span.review_reason is not None
    assert "2008" not in span.review_reason


def test_the_review_window_closes_after_the_last_ambiguous_day() -> None:
    last_ambiguous = date(2008, 9, 1) + timedelta(days=AMBIGUOUS_WINDOW_DAYS - 1)
    assert compulsory_school_age(last_ambiguous).needs_review
    assert not compulsory_school_age(last_ambiguous + timedelta(days=1)).needs_review


def test_a_child_is_of_compulsory_school_age_on_both_end_days_and_not_beyond() -> None:
    born = date(2019, 10, 15)
    assert not is_of_compulsory_school_age(born, date(2024, 12, 30))
    assert is_of_compulsory_school_age(born, date(2024, 12, 31))
    assert is_of_compulsory_school_age(born, date(2036, 6, 27))
    assert not is_of_compulsory_school_age(born, date(2036, 6, 28))


def test_a_child_born_in_the_autumn_is_in_reception_in_the_school_year_they_turn_five() -> None:
    assert year_group(date(2019, 10, 15), date(2024, 9, 4)) == 0
    assert year_group(date(2019, 10, 15), date(2025, 7, 18)) == 0


def test_a_summer_born_child_is_in_reception_with_the_previous_autumn_cohort() -> None:
    assert year_group(date(2020, 4, 1), date(2024, 9, 4)) == 0


def test_a_child_is_in_year_11_in_the_school_year_that_ends_their_school_age() -> None:
    assert year_group(date(2019, 10, 15), date(2036, 6, 27)) == 11
    assert year_group(date(2020, 8, 31), date(2036, 6, 27)) == 11


def test_year_groups_run_below_reception_and_beyond_year_11() -> None:
    assert year_group(date(2021, 1, 10), date(2024, 9, 1)) == -1
    assert year_group(date(2007, 9, 23), date(2024, 9, 1)) == 12


def test_the_last_friday_in_june_is_found_when_30_june_is_itself_a_friday() -> None:
    assert last_friday_in_june(2023) == date(2023, 6, 30)
    assert last_friday_in_june(2025) == date(2025, 6, 27)


def test_the_school_year_turns_over_on_1_september() -> None:
    assert school_year_start(date(2025, 8, 31)) == 2024
    assert school_year_start(date(2025, 9, 1)) == 2025


@PROPERTY
@given(BIRTH_DATES)
def test_school_age_starts_on_the_first_prescribed_day_on_or_after_the_fifth_birthday(
    born: date,
) -> None:
    starts = compulsory_school_age(born).starts
    fifth = fifth_birthday(born)
    assert is_prescribed(starts)
    assert fifth <= starts
    assert not any(is_prescribed(fifth + timedelta(days=n)) for n in range((starts - fifth).days))
    # The longest wait is from a 1 April birthday to 31 August: under five months, not four.
    assert (starts - fifth).days <= 152


@PROPERTY
@given(BIRTH_DATES)
def test_school_age_ends_on_a_friday_in_june_sixteen_or_seventeen_years_after_birth(
    born: date,
) -> None:
    span = compulsory_school_age(born)
    assert span.ends.weekday() == 4
    assert span.ends.month == 6
    assert span.ends + timedelta(days=7) > date(span.ends.year, 6, 30)
    assert span.ends.year - born.year in (16, 17)
    assert span.starts < span.ends


@PROPERTY
@given(BIRTH_DATES)
def test_a_child_is_in_year_11_on_their_leaving_date(born: date) -> None:
    span = compulsory_school_age(born)
    assert year_group(born, span.ends) == 11
    assert is_of_compulsory_school_age(born, span.ends)
    assert not is_of_compulsory_school_age(born, span.ends + timedelta(days=1))
