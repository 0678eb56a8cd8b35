"""apply-retention: closed cases lose their personal data when the retention period ends."""

from __future__ import annotations

from typing import Any

from prefect import flow
from prefect.artifacts import create_table_artifact

from tasks.privacy import install_redaction
from tasks.retention import anonymise_expired_cases


@flow(name="apply-retention")
def apply_retention() -> dict[str, Any]:
    """Anonymise every case closed longer ago than the retention period; delete its letters."""
    install_redaction()
    result = anonymise_expired_cases()
    create_table_artifact(
        key="retention",
        table=[result],
        description="Cases anonymised by the retention period, and letter files deleted (counts).",
    )
    return result
