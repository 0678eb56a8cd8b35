"""decide-closure: close the case with an outcome (the Resume form of a suspended run)."""

from __future__ import annotations

from typing import Any

from prefect import flow

from missing_education.domain.decision import DecisionKind
from tasks.decision_runs import sync_decision_runs
from tasks.decisions import ask_and_apply


@flow(name="decide-closure")
def decide_closure(case_id: int) -> dict[str, Any]:
    """Close the case with an outcome: suspend with its form, then act on the answer."""
    result = ask_and_apply(case_id, DecisionKind.CLOSURE)
    sync_decision_runs([case_id])  # the decisions the answer asks get their runs
    return result
