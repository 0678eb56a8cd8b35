"""apply-retention: closed cases lose their personal data when the retention period ends."""

from __future__ import annotations

from typing import Any

from prefect import flow
from prefect.artifacts import create_table_artifact
from prefect.client.schemas.objects import State

from tasks.attention import finish
from tasks.retention import anonymise_expired_cases


@flow(name="apply-retention")
def apply_retention() -> dict[str, Any] | State:
    """Anonymise every case closed longer ago than the retention period; delete its letters."""
    result = anonymise_expired_cases()
    create_table_artifact(
        key="retention",
        table=[{k: v for k, v in result.items() if k not in ("failed", "attention")}],
        description="Cases anonymised by the retention period, and letter files deleted (counts).",
    )
    # Failed, naming how many cases need attention, when one could not be anonymised.
    return finish(result, [result])
