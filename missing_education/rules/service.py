"""When a notice is served, and when a period that begins with the day of service ends.

A notice sent by post is deemed served on the second business day after posting (Interpretation
Act 1978 s7, and the usual practice); an email on the day it is sent. The Education Act 1996
counts the s437(1) and s438 periods in days *beginning with* the day of service, so a 15-day
period served on a Monday ends on the Monday two weeks later (its 15th day).
"""

from __future__ import annotations

from datetime import date, timedelta

from missing_education.rules.calendar import england_bank_holiday


def is_business_day(day: date) -> bool:
    """A weekday that is not a bank holiday in England (post is delivered on these)."""
    return day.weekday() < 5 and not england_bank_holiday(day)


def business_days_after(start: date, days: int) -> date:
    """The `days`-th business day strictly after `start` (0: `start` itself)."""
    if days < 0:
        raise ValueError(f"days must not be negative, got {days}")
    day, left = start, days
    while left:
        day += timedelta(days=1)
        if is_business_day(day):
            left -= 1
    return day


def deemed_served(posted_on: date, deemed_days: int = 2) -> date:
    """The day a letter posted on `posted_on` is deemed served (second business day after)."""
    return business_days_after(posted_on, deemed_days)


def expected_posting(issued_on: date) -> date:
    """When a letter made today is expected to go in the post: the next business day.

    A letter is made during the day and printed in the next print batch; counting from the next
    business day lets a batch made that day or the next still give the full period.
    """
    return business_days_after(issued_on, 1)


def period_last_day(served_on: date, days: int) -> date:
    """The last day of a period of `days` days beginning with the day of service."""
    if days < 1:
        raise ValueError(f"a period needs at least one day, got {days}")
    return served_on + timedelta(days=days - 1)


def stated_last_day(issued_on: date, days: int, deemed_days: int = 2) -> date:
    """The date a notice made on `issued_on` states: its period from the expected service."""
    return period_last_day(deemed_served(expected_posting(issued_on), deemed_days), days)
