"""decide-risk-mapping: say what an unrecognised risk flag means (a suspended run's form)."""

from __future__ import annotations

from typing import Any

from prefect import flow

from missing_education.domain.decision import DecisionKind
from tasks.decision_runs import sync_decision_runs
from tasks.decisions import ask_and_apply


@flow(name="decide-risk-mapping")
def decide_risk_mapping(case_id: int) -> dict[str, Any]:
    """Map an unrecognised risk flag to a code: suspend with its form, then act on the answer."""
    result = ask_and_apply(case_id, DecisionKind.RISK_MAPPING)
    sync_decision_runs([case_id])  # the decisions the answer asks get their runs
    return result
