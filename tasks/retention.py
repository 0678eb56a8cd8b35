"""Prefect task around the retention service: counts in and out, never personal data."""

from __future__ import annotations

from typing import Any

from missing_education.clock import today
from missing_education.services.retention import apply_retention
from tasks.policy import case_task, configured


@case_task(retries=2, retry_delay_seconds=[30, 300])
def anonymise_expired_cases() -> dict[str, Any]:
    """Anonymise closed cases past the retention period and delete their letter files."""
    settings, uow = configured()
    return apply_retention(uow, settings=settings, today=today()).as_dict()
