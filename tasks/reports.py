"""Prefect task for reports: writes the management report; hands back counts and paths only."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from missing_education.clock import today
from missing_education.services.reports import weekly_report
from tasks.policy import case_task, configured


@case_task(retries=1, retry_delay_seconds=[30])
def write_management_report(start: str | None = None, end: str | None = None) -> dict[str, Any]:
    """Charts, CSV tables, HTML and PDF; by default the twelve weeks up to yesterday."""
    settings, uow = configured()
    day = today()
    # A Monday-morning run reports on the weeks up to the Sunday just ended, whole.
    last = date.fromisoformat(end) if end else day - timedelta(days=1)
    made = weekly_report(
        uow,
        start=date.fromisoformat(start) if start else None,
        end=last,
        out=None,
        settings=settings,
        today=day,
    )
    summary = made.summary()
    # Counts, dates and paths only: the charts' headlines quote reason codes as typed.
    return {k: v for k, v in summary.items() if k != "charts"}
