"""The one clock every command and flow asks: `CME_TODAY=YYYY-MM-DD` sets the day everywhere."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


class ClockError(ValueError):
    """CME_TODAY is set but is not a date."""


def today() -> date:
    """Today as the service sees it: CME_TODAY when set, otherwise today in Europe/London."""
    value = os.environ.get("CME_TODAY", "").strip()
    if not value:
        return datetime.now(LONDON).date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ClockError(f"CME_TODAY must be a date written YYYY-MM-DD, not {value!r}") from None


def now() -> datetime:
    """The current moment (UTC) on today's day (`today()`): for work given no day of its own."""
    return moment(today())


def moment(day: date) -> datetime:
    """The current moment (UTC) moved onto `day`, for work that is given its day.

    A service handed `today` stamps what it records with this, so the day it writes is the day
    it was given (a test's, a sweep's) and never the environment read again. The time of day is
    kept, so that events recorded on one simulated day stay in order.
    """
    real = datetime.now(LONDON)
    if day == real.date():
        return real.astimezone(UTC)
    moved = datetime.combine(day, time(real.hour, real.minute, real.second, real.microsecond))
    return moved.replace(tzinfo=LONDON).astimezone(UTC)
