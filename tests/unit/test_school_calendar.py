"""School days: terms, closures, bank holidays, per-school overrides (docs/domain.md section 3)."""

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from missing_education.rules import (
    CalendarError,
    CalendarPeriod,
    SchoolCalendar,
    england_bank_holiday,
)

ACADEMY = "100001"  # sets its own terms
INSET_ONLY = "100002"  # follows the council terms but has an INSET day of its own
UNKNOWN = "999999"


def term(start: date, end: date, urn: str | None = None) -> CalendarPeriod:
    return CalendarPeriod(school_urn=urn, start_date=start, end_date=end, kind="term")


def closure(start: date, end: date, urn: str | None = None) -> CalendarPeriod:
    return CalendarPeriod(school_urn=urn, start_date=start, end_date=end, kind="closure")


COUNCIL_PERIODS = [
    term(date(2026, 4, 13), date(2026, 5, 22)),
    term(date(2026, 6, 1), date(2026, 7, 22)),
    term(date(2026, 9, 1), date(2026, 10, 23)),
    term(date(2026, 11, 2), date(2026, 12, 18)),
    term(date(2027, 1, 5), date(2027, 2, 12)),
    term(date(2027, 2, 22), date(2027, 3, 25)),
    term(date(2027, 4, 12), date(2027, 5, 28)),
    term(date(2027, 6, 7), date(2027, 7, 21)),
    closure(date(2026, 9, 1), date(2026, 9, 2)),
    closure(date(2026, 11, 20), date(2026, 11, 20)),
]
SCHOOL_PERIODS = [
    term(date(2026, 9, 7), date(2026, 12, 16), ACADEMY),
    term(date(2027, 1, 6), date(2027, 3, 26), ACADEMY),
    closure(date(2026, 10, 9), date(2026, 10, 9), ACADEMY),
    closure(date(2026, 11, 16), date(2026, 11, 16), INSET_ONLY),
]
CALENDAR = SchoolCalendar(COUNCIL_PERIODS + SCHOOL_PERIODS)
EMPTY = SchoolCalendar([])

PROPERTY = settings(database=None, deadline=None, max_examples=300)
STARTS = st.dates(min_value=date(2025, 12, 1), max_value=date(2028, 1, 31))
COUNTS = st.integers(min_value=0, max_value=120)
SCHOOLS = st.sampled_from([None, ACADEMY, INSET_ONLY, UNKNOWN])
CALENDARS = st.sampled_from([CALENDAR, EMPTY])


def test_an_inset_day_inside_a_term_is_not_a_school_day() -> None:
    assert not CALENDAR.is_school_day(date(2026, 11, 20))
    assert CALENDAR.add_school_days(date(2026, 11, 19), 1) == date(2026, 11, 23)


def test_a_bank_holiday_in_term_is_skipped() -> None:
    # Early May bank holiday, Monday 4 May 2026, falls in the summer term.
    assert not CALENDAR.is_school_day(date(2026, 5, 4))
    assert CALENDAR.add_school_days(date(2026, 4, 29), 5) == date(2026, 5, 7)


def test_substitute_bank_holidays_for_a_weekend_christmas_are_not_school_days() -> None:
    # 25 and 26 December 2027 fall on a weekend: Monday 27 and Tuesday 28 are the substitutes.
    through_christmas = SchoolCalendar([term(date(2027, 12, 20), date(2027, 12, 31))])
    assert england_bank_holiday(date(2027, 12, 27))
    assert england_bank_holiday(date(2027, 12, 28))
    assert not through_christmas.is_school_day(date(2027, 12, 27))
    assert not through_christmas.is_school_day(date(2027, 12, 28))
    assert through_christmas.is_school_day(date(2027, 12, 29))


def test_a_deadline_runs_over_the_christmas_holiday_into_the_spring_term() -> None:
    assert CALENDAR.add_school_days(date(2026, 12, 14), 10) == date(2027, 1, 12)
    assert CALENDAR.school_days_between(date(2026, 12, 14), date(2027, 1, 12)) == 10


def test_a_school_with_its_own_terms_ignores_the_council_terms_and_closures() -> None:
    assert CALENDAR.is_school_day(date(2026, 12, 17))
    assert not CALENDAR.is_school_day(date(2026, 12, 17), ACADEMY)
    assert not CALENDAR.is_school_day(date(2026, 10, 26))
    assert CALENDAR.is_school_day(date(2026, 10, 26), ACADEMY)
    assert CALENDAR.is_school_day(date(2026, 11, 20), ACADEMY)
    assert not CALENDAR.is_school_day(date(2026, 10, 9), ACADEMY)
    assert CALENDAR.is_school_day(date(2026, 10, 9))
    assert all(period.school_urn == ACADEMY for period in CALENDAR.periods(ACADEMY))


def test_a_school_following_council_terms_keeps_council_closures_and_adds_its_own() -> None:
    assert CALENDAR.is_school_day(date(2026, 9, 3), INSET_ONLY)
    assert not CALENDAR.is_school_day(date(2026, 11, 20), INSET_ONLY)
    assert not CALENDAR.is_school_day(date(2026, 11, 16), INSET_ONLY)
    assert CALENDAR.is_school_day(date(2026, 11, 16))
    assert len(CALENDAR.periods(INSET_ONLY)) == len(COUNCIL_PERIODS) + 1


def test_an_unknown_school_follows_the_council_calendar() -> None:
    assert CALENDAR.periods(UNKNOWN) == CALENDAR.periods()
    assert CALENDAR.add_school_days(date(2026, 12, 14), 10, UNKNOWN) == date(2027, 1, 12)


def test_effective_periods_are_listed_in_date_order() -> None:
    starts = [period.start_date for period in CALENDAR.periods()]
    assert starts == sorted(starts)


def test_coverage_spans_the_loaded_terms_including_the_holidays_between_them() -> None:
    assert not CALENDAR.covers(date(2026, 4, 12))
    assert CALENDAR.covers(date(2026, 4, 13))
    assert CALENDAR.covers(date(2026, 8, 3))
    assert not CALENDAR.is_school_day(date(2026, 8, 3))
    assert CALENDAR.covers(date(2027, 7, 21))
    assert not CALENDAR.covers(date(2027, 7, 22))
    assert not CALENDAR.covers(date(2026, 9, 3), ACADEMY)


def test_beyond_the_last_loaded_term_weekdays_that_are_not_bank_holidays_count() -> None:
    # Term ends Wednesday 21 July 2027; Thursday 22 and Friday 23 July are fallback days.
    assert CALENDAR.add_school_days(date(2027, 7, 16), 5) == date(2027, 7, 23)
    assert CALENDAR.school_days_between(date(2027, 7, 16), date(2027, 7, 23)) == 5


def test_before_the_first_loaded_term_weekdays_that_are_not_bank_holidays_count() -> None:
    # Friday 3 April 2026 and Monday 6 April 2026 are Good Friday and Easter Monday.
    assert CALENDAR.add_school_days(date(2026, 4, 2), 2) == date(2026, 4, 8)
    # Friday 10 April is a fallback day; the loaded summer term starts Monday 13 April.
    assert CALENDAR.add_school_days(date(2026, 4, 9), 2) == date(2026, 4, 13)


def test_an_empty_calendar_counts_weekdays_that_are_not_bank_holidays() -> None:
    assert not EMPTY.covers(date(2027, 12, 24))
    assert EMPTY.periods() == []
    assert EMPTY.add_school_days(date(2027, 12, 24), 1) == date(2027, 12, 29)
    assert EMPTY.school_days_between(date(2027, 12, 24), date(2027, 12, 31)) == 3


def test_an_injected_bank_holiday_rule_replaces_the_england_one() -> None:
    def only_new_year(day: date) -> bool:
        return (day.month, day.day) == (1, 1)

    calendar = SchoolCalendar([], bank_holidays=only_new_year)
    assert calendar.is_school_day(date(2026, 5, 4))
    assert not calendar.is_school_day(date(2027, 1, 1))


def test_adding_no_school_days_returns_the_start_even_on_a_holiday() -> None:
    assert CALENDAR.add_school_days(date(2026, 12, 25), 0) == date(2026, 12, 25)


def test_adding_a_negative_number_of_school_days_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        CALENDAR.add_school_days(date(2026, 9, 7), -1)


def test_no_school_days_lie_between_a_date_and_an_earlier_one() -> None:
    assert CALENDAR.school_days_between(date(2026, 9, 10), date(2026, 9, 7)) == 0
    assert CALENDAR.school_days_between(date(2026, 9, 10), date(2026, 9, 10)) == 0


def test_a_period_ending_before_it_starts_is_a_calendar_error() -> None:
    with pytest.raises(CalendarError, match="before it starts"):
        term(date(2026, 9, 2), date(2026, 9, 1))


def test_a_period_of_unknown_kind_is_a_calendar_error() -> None:
    kind: Any = "holiday"
    with pytest.raises(CalendarError, match="unknown"):
        CalendarPeriod(None, date(2026, 9, 1), date(2026, 9, 2), kind)


def test_a_calendar_error_is_a_value_error() -> None:
    assert issubclass(CalendarError, ValueError)


@PROPERTY
@given(CALENDARS, STARTS, COUNTS, SCHOOLS)
def test_counting_the_days_to_a_deadline_gives_back_the_days_added(
    calendar: SchoolCalendar, start: date, days: int, urn: str | None
) -> None:
    assert calendar.school_days_between(start, calendar.add_school_days(start, days, urn), urn) == (
        days
    )


@PROPERTY
@given(CALENDARS, STARTS, COUNTS, COUNTS, SCHOOLS)
def test_more_school_days_give_a_later_deadline(
    calendar: SchoolCalendar, start: date, fewer: int, more: int, urn: str | None
) -> None:
    fewer, more = sorted((fewer, more))
    if fewer < more:
        early = calendar.add_school_days(start, fewer, urn)
        assert early < calendar.add_school_days(start, more, urn)


@PROPERTY
@given(CALENDARS, STARTS, COUNTS.filter(lambda n: n > 0), SCHOOLS)
def test_a_deadline_always_falls_on_a_school_day(
    calendar: SchoolCalendar, start: date, days: int, urn: str | None
) -> None:
    assert calendar.is_school_day(calendar.add_school_days(start, days, urn), urn)


@PROPERTY
@given(CALENDARS, st.lists(STARTS, min_size=3, max_size=3), SCHOOLS)
def test_school_days_between_adds_up_over_consecutive_spans(
    calendar: SchoolCalendar, dates: list[date], urn: str | None
) -> None:
    first, middle, last = sorted(dates)
    assert calendar.school_days_between(first, middle, urn) + calendar.school_days_between(
        middle, last, urn
    ) == calendar.school_days_between(first, last, urn)


@PROPERTY
@given(CALENDARS, STARTS, st.integers(min_value=0, max_value=200), SCHOOLS)
def test_school_days_between_agrees_with_checking_each_day(
    calendar: SchoolCalendar, start: date, span: int, urn: str | None
) -> None:
    end = start + timedelta(days=span)
    expected = sum(
        calendar.is_school_day(start + timedelta(days=n), urn) for n in range(1, span + 1)
    )
    assert calendar.school_days_between(start, end, urn) == expected
