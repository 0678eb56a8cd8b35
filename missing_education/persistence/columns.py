"""How stored values come back: one home for what every repository reads the same way."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

# A stored row as the mapping functions read it: SQLAlchemy's RowMapping, or a plain dict of
# the row (the sweep's batches build those: cheaper to make and to read).
StoredRow = Mapping[Any, Any]


def aware(value: datetime) -> datetime:
    """A stored moment with its time zone: SQLite hands back naive datetimes, stored in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def aware_or_none(value: datetime | None) -> datetime | None:
    """`aware`, for a moment that may not have happened yet (None stays None)."""
    return None if value is None else aware(value)
