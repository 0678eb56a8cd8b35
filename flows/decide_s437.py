"""decide-s437: record the parent's response to the s437(1) notice, in the Prefect UI."""

from __future__ import annotations

from typing import Any

from prefect import flow

from missing_education.domain.decision import DecisionKind
from tasks.decision_runs import sync_decision_runs
from tasks.decisions import ask_and_apply


@flow(name="decide-s437")
def decide_s437(case_id: int) -> dict[str, Any]:
    """Record the parent's response to the s437(1) notice, answered in its form."""
    result = ask_and_apply(case_id, DecisionKind.S437)
    sync_decision_runs([case_id])  # the decisions the answer asks get their runs
    return result
