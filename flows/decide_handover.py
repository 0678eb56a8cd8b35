"""decide-handover: record the other council's reply to our handover, in the Prefect UI."""

from __future__ import annotations

from typing import Any

from prefect import flow

from missing_education.domain.decision import DecisionKind
from tasks.decision_runs import sync_decision_runs
from tasks.decisions import ask_and_apply


@flow(name="decide-handover")
def decide_handover(case_id: int) -> dict[str, Any]:
    """Record the other council's reply to our handover, answered in its form."""
    result = ask_and_apply(case_id, DecisionKind.HANDOVER)
    sync_decision_runs([case_id])  # the decisions the answer asks get their runs
    return result
