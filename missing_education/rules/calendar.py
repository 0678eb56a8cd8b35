"""School calendars: which days are school days for a school, and counting deadlines in them.

Semantics (docs/domain.md section 3):

* A school day is a weekday, inside a term of that school, not an England bank holiday
  (substitute days included) and not a closure (INSET) day of that school.
* Per-school overrides: a school with term periods of its own uses only its own terms;
  otherwise it uses the council default terms (periods whose ``school_urn`` is None). The
  school's own closures always apply; council default closures apply to schools that follow
  the default terms. An unknown URN, or None, means the council default.
* ``add_school_days(start, n)`` is the n-th school day strictly after ``start`` (``start``
  never counts; n=0 returns ``start``; n<0 raises ValueError). ``school_days_between(a, b)``
  counts school days d with a < d <= b (0 when b <= a). So
  ``school_days_between(a, add_school_days(a, n)) == n``.
* Coverage: a school's calendar covers the days from the earliest start to the latest end of
  its effective terms. Days not covered (before any term is loaded, or after the last loaded
  term) fall back to "weekday and not a bank holiday", so a deadline is still computed rather
  than never arriving. An empty calendar therefore counts weekdays minus bank holidays.
* A calendar is immutable. When term dates change, build a new SchoolCalendar and recompute
  the deadlines that depend on it.

Inside coverage each school's school days are precomputed once, as a sorted array of
ordinals, so every query is a binary search; outside coverage days are walked one at a time.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Literal

import holidays

Kind = Literal["term", "closure"]

_KINDS: frozenset[str] = frozenset(("term", "closure"))
_SATURDAY = 5


class CalendarError(ValueError):
    """A calendar period is invalid: it ends before it starts, or its kind is unknown."""


@dataclass(frozen=True)
class CalendarPeriod:
    """A term or closure period, both ends inclusive; `school_urn` None is the council default."""

    school_urn: str | None
    start_date: date
    end_date: date
    kind: Kind

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise CalendarError(f"unknown calendar period kind {self.kind!r}")
        if self.end_date < self.start_date:
            raise CalendarError(
                f"calendar period ends {self.end_date} before it starts {self.start_date}"
            )


def england_bank_holiday(day: date) -> bool:
    """Return True when `day` is a bank holiday in England, substitute days included."""
    return day in _england_bank_holidays(day.year)


@lru_cache(maxsize=256)
def _england_bank_holidays(year: int) -> frozenset[date]:
    # `observed` defaults to True, which adds the substitute days (e.g. 28 December 2027).
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


@dataclass(frozen=True)
class _Effective:
    """One school's effective periods and its precomputed school days."""

    periods: tuple[CalendarPeriod, ...]
    first: int  # ordinal of the first covered day; no coverage when first > last
    last: int
    school_days: tuple[int, ...]  # sorted ordinals of school days within [first, last]


class SchoolCalendar:
    """The council default calendar plus per-school overrides, answering school-day questions."""

    def __init__(
        self,
        periods: Iterable[CalendarPeriod],
        bank_holidays: Callable[[date], bool] | None = None,
    ) -> None:
        self._periods = tuple(periods)
        self._bank_holiday = england_bank_holiday if bank_holidays is None else bank_holidays
        self._with_own_terms = {
            p.school_urn for p in self._periods if p.kind == "term" and p.school_urn is not None
        }
        self._with_own_periods = {p.school_urn for p in self._periods if p.school_urn is not None}
        # Keyed by URN, or None for every school that has no periods of its own.
        self._effective_cache: dict[str | None, _Effective] = {}

    def is_school_day(self, day: date, school_urn: str | None = None) -> bool:
        """Return True when `day` is a school day for the school (council default if None)."""
        effective = self._effective(school_urn)
        ordinal = day.toordinal()
        if not effective.first <= ordinal <= effective.last:
            return self._fallback_school_day(ordinal)
        index = bisect_left(effective.school_days, ordinal)
        return index < len(effective.school_days) and effective.school_days[index] == ordinal

    def add_school_days(self, start: date, school_days: int, school_urn: str | None = None) -> date:
        """Return the `school_days`-th school day strictly after `start`."""
        if school_days < 0:
            raise ValueError(f"school_days must not be negative, got {school_days}")
        if school_days == 0:
            return start
        effective = self._effective(school_urn)
        ordinal, remaining = start.toordinal(), school_days
        if effective.first > effective.last:
            return self._walk(ordinal, remaining)
        if ordinal < effective.first - 1:
            ordinal, remaining = self._walk_until(ordinal, remaining, effective.first - 1)
            if remaining == 0:
                return date.fromordinal(ordinal)
        if ordinal < effective.last:
            days = effective.school_days
            index = bisect_right(days, ordinal)
            if index + remaining <= len(days):
                return date.fromordinal(days[index + remaining - 1])
            remaining -= len(days) - index
            ordinal = effective.last
        return self._walk(ordinal, remaining)

    def school_days_between(self, start: date, end: date, school_urn: str | None = None) -> int:
        """Return the number of school days d with `start` < d <= `end` (0 when end <= start)."""
        low, high = start.toordinal(), end.toordinal()
        if high <= low:
            return 0
        effective = self._effective(school_urn)
        if effective.first > effective.last:
            return self._fallback_count(low, high)
        # Split (low, high] into the parts before, inside and after coverage.
        count = self._fallback_count(low, min(high, effective.first - 1))
        count += self._fallback_count(max(low, effective.last), high)
        inner_low, inner_high = max(low, effective.first - 1), min(high, effective.last)
        if inner_low < inner_high:
            days = effective.school_days
            count += bisect_right(days, inner_high) - bisect_right(days, inner_low)
        return count

    def covers(self, day: date, school_urn: str | None = None) -> bool:
        """Return True when `day` lies within the span of the school's loaded terms."""
        effective = self._effective(school_urn)
        return effective.first <= day.toordinal() <= effective.last

    def autumn_term_start(self, year: int) -> date | None:
        """The first day of the council's first term to begin after July of `year`, if loaded.

        The statutory school year begins with it (Education Act 1996 s579(1)); a term starting
        after September would mean the autumn's first half term is missing, so it is not used.
        """
        starts = [
            p.start_date
            for p in self._periods
            if p.kind == "term"
            and p.school_urn is None
            and date(year, 8, 1) <= p.start_date <= date(year, 9, 30)
        ]
        return min(starts, default=None)

    def periods(self, school_urn: str | None = None) -> list[CalendarPeriod]:
        """Return the periods in effect for the school, ordered by start date."""
        return list(self._effective(school_urn).periods)

    def _effective(self, school_urn: str | None) -> _Effective:
        key = school_urn if school_urn in self._with_own_periods else None
        effective = self._effective_cache.get(key)
        if effective is None:
            effective = self._build(key)
            self._effective_cache[key] = effective
        return effective

    def _build(self, school_urn: str | None) -> _Effective:
        # A school with terms of its own ignores the council default periods entirely.
        follows_default = school_urn not in self._with_own_terms
        chosen = tuple(
            sorted(
                (
                    p
                    for p in self._periods
                    if p.school_urn == school_urn or (p.school_urn is None and follows_default)
                ),
                key=lambda p: (p.start_date, p.end_date, p.kind),
            )
        )
        terms = [p for p in chosen if p.kind == "term"]
        if not terms:
            return _Effective(chosen, first=1, last=0, school_days=())
        first = min(p.start_date for p in terms).toordinal()
        last = max(p.end_date for p in terms).toordinal()
        in_term = bytearray(last - first + 1)
        for term in terms:
            low, high = term.start_date.toordinal() - first, term.end_date.toordinal() - first
            in_term[low : high + 1] = b"\x01" * (high - low + 1)
        for closure in (p for p in chosen if p.kind == "closure"):
            # Closures outside the covered span change nothing: fallback days ignore them.
            low = max(closure.start_date.toordinal(), first) - first
            high = min(closure.end_date.toordinal(), last) - first
            if low <= high:
                in_term[low : high + 1] = bytes(high - low + 1)
        school_days = tuple(
            ordinal
            for ordinal in range(first, last + 1)
            if in_term[ordinal - first] and self._fallback_school_day(ordinal)
        )
        return _Effective(chosen, first=first, last=last, school_days=school_days)

    def _fallback_school_day(self, ordinal: int) -> bool:
        day = date.fromordinal(ordinal)
        return day.weekday() < _SATURDAY and not self._bank_holiday(day)

    def _walk(self, ordinal: int, remaining: int) -> date:
        # Outside coverage: the `remaining`-th fallback school day after `ordinal`.
        while True:
            ordinal += 1
            if self._fallback_school_day(ordinal):
                remaining -= 1
                if remaining == 0:
                    return date.fromordinal(ordinal)

    def _walk_until(self, ordinal: int, remaining: int, until: int) -> tuple[int, int]:
        # Like _walk, but stops at `until`; returns where it stopped and what is left to count.
        while ordinal < until and remaining > 0:
            ordinal += 1
            if self._fallback_school_day(ordinal):
                remaining -= 1
        return ordinal, remaining

    def _fallback_count(self, low: int, high: int) -> int:
        # Counts fallback school days d with low < d <= high.
        return sum(1 for ordinal in range(low + 1, high + 1) if self._fallback_school_day(ordinal))
