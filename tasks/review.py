"""Task of daily-case-review: a thin wrapper around the sweep service."""

from __future__ import annotations

from typing import Any

from missing_education.clock import today
from missing_education.services.attention import step_summary
from missing_education.services.sweep import review_cases
from tasks.policy import case_task, configured


@case_task(retries=2, retry_delay_seconds=[5, 30])
def review_overdue_cases() -> dict[str, Any]:
    """Apply the rules to every overdue step on the school calendar."""
    settings, uow = configured()
    return step_summary(review_cases(uow, settings=settings, today=today()))
