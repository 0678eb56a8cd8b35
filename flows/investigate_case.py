"""investigate-case: advance one case as far as it can go without a person."""

from __future__ import annotations

from typing import Any

from prefect import flow

from tasks.decision_runs import sync_decision_runs
from tasks.intake import investigate_cases


@flow(name="investigate-case")
def investigate_case(case_id: int) -> dict[str, Any]:
    """Database checks, school enquiry with its reply-by date, parent letter, home visit."""
    result = investigate_cases([case_id])
    sync_decision_runs([case_id])  # each decision the investigation asks gets its run
    return result
