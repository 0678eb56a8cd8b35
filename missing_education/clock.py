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
    """The current moment (UTC), moved onto the injected day when CME_TODAY is set."""
    real = datetime.now(LONDON)
    if not os.environ.get("CME_TODAY", "").strip():
        return real.astimezone(UTC)
    # Keep the time of day so events on one simulated day stay in order.
    moved = datetime.combine(today(), time(real.hour, real.minute, real.second, real.microsecond))
    return moved.replace(tzinfo=LONDON).astimezone(UTC)
