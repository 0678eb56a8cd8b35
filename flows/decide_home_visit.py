"""decide-home-visit: record the outcome of the home visit (the Resume form of a suspended run)."""

from __future__ import annotations

from typing import Any

from prefect import flow

from missing_education.domain.decision import DecisionKind
from tasks.decision_runs import sync_decision_runs
from tasks.decisions import ask_and_apply


@flow(name="decide-home-visit")
def decide_home_visit(case_id: int) -> dict[str, Any]:
    """Record the outcome of the home visit: suspend with its form, then act on the answer."""
    result = ask_and_apply(case_id, DecisionKind.HOME_VISIT)
    sync_decision_runs([case_id])  # the decisions the answer asks get their runs
    return result
