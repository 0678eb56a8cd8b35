"""Compulsory school age: when it starts and ends for a child, and which year group they are in.

The rules follow docs/domain.md section 2: Education Act 1996 s8, the Education (Start of Compulsory
School Age) Order 1998 and the Education (School Leaving Date) Order 1997. The leaving date
depends on when the statutory school year begins (the first term after July, s579(1)); year
groups use the 1 September to 31 August year.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

# Education (Start of Compulsory School Age) Order 1998: the prescribed days, as (month, day).
PRESCRIBED_DAYS: tuple[tuple[int, int], ...] = ((3, 31), (8, 31), (12, 31))

# The statutory school year begins with the first term to begin after July (s579(1)). With
# no term dates for that autumn, 1 September stands in, and a 16th birthday in the days after
# it (1-7 September inclusive) may yet fall before the term begins: a person must confirm.
AMBIGUOUS_WINDOW_DAYS = 7

_FRIDAY = 4
_AMBIGUOUS_REASON = (
    "16th birthday falls in early September, possibly before the autumn term starts; no term "
    "dates are loaded for that autumn, so the leaving date assumes the school year began on "
    "1 September (School Leaving Date Order 1997 art 2(a)): confirm against the term dates"
)
# The first day of the autumn term of a year, when the calendar knows it.
AutumnTermStart = Callable[[int], date | None]


@dataclass(frozen=True)
class SchoolAge:
    """The span of compulsory school age for one child, both ends inclusive."""

    starts: date
    ends: date
    needs_review: bool
    review_reason: str | None


def compulsory_school_age(
    date_of_birth: date, autumn_term_start: AutumnTermStart | None = None
) -> SchoolAge:
    """Return when compulsory school age starts and ends for a child born on `date_of_birth`.

    `autumn_term_start(year)` gives the first day of the first term to begin after July of
    that year (the council's term calendar); without it, 1 September is used.
    """
    fifth = _birthday(date_of_birth, 5)
    sixteenth = _birthday(date_of_birth, 16)
    leaving = last_friday_in_june(sixteenth.year)
    needs_review = False
    if sixteenth <= leaving:
        # School Leaving Date Order 1997 art 2(b) and (c): the first leaving date at or after 16.
        ends = leaving
    else:
        known = autumn_term_start(sixteenth.year) if autumn_term_start else None
        school_year_begins = known or date(sixteenth.year, 9, 1)
        # Art 2(a): 16 after the leaving date but before the next school year begins.
        ends = (
            leaving if sixteenth < school_year_begins else last_friday_in_june(sixteenth.year + 1)
        )
        window_opens = date(sixteenth.year, 9, 1)
        needs_review = known is None and (
            window_opens <= sixteenth < window_opens + timedelta(days=AMBIGUOUS_WINDOW_DAYS)
        )
    return SchoolAge(
        starts=_next_prescribed_day(fifth),
        ends=ends,
        needs_review=needs_review,
        review_reason=_AMBIGUOUS_REASON if needs_review else None,
    )


def is_of_compulsory_school_age(
    date_of_birth: date, on: date, autumn_term_start: AutumnTermStart | None = None
) -> bool:
    """Return True when a child born on `date_of_birth` is of compulsory school age on `on`."""
    span = compulsory_school_age(date_of_birth, autumn_term_start)
    return span.starts <= on <= span.ends


def year_group(date_of_birth: date, on: date) -> int:
    """Return the national curriculum year on `on` (0 = Reception; may be negative or above 11)."""
    cohort = date_of_birth.year if date_of_birth.month >= 9 else date_of_birth.year - 1
    return school_year_start(on) - cohort - 5


def last_friday_in_june(year: int) -> date:
    """Return the last Friday in June of `year`, the school leaving date."""
    end_of_june = date(year, 6, 30)
    return end_of_june - timedelta(days=(end_of_june.weekday() - _FRIDAY) % 7)


def school_year_start(on: date) -> int:
    """Return the year Y whose school year (1 September Y to 31 August Y+1) contains `on`."""
    return on.year if on.month >= 9 else on.year - 1


def _birthday(date_of_birth: date, age: int) -> date:
    try:
        return date_of_birth.replace(year=date_of_birth.year + age)
    except ValueError:
        # Born on 29 February: the birthday is 1 March in a common year (docs/domain.md section 2).
        return date(date_of_birth.year + age, 3, 1)


def _next_prescribed_day(day: date) -> date:
    # 31 December is always a candidate, so a prescribed day in the same year always exists.
    return min(
        candidate
        for candidate in (date(day.year, month, dom) for month, dom in PRESCRIBED_DAYS)
        if candidate >= day
    )
