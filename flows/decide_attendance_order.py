"""decide-attendance-order: record whether a school attendance order is complied with."""

from __future__ import annotations

from typing import Any

from prefect import flow

from missing_education.domain.decision import DecisionKind
from tasks.decision_runs import sync_decision_runs
from tasks.decisions import ask_and_apply
from tasks.privacy import install_redaction


@flow(name="decide-attendance-order")
def decide_attendance_order(case_id: int) -> dict[str, Any]:
    """Record whether the school attendance order is complied with, answered in its form."""
    install_redaction()
    result = ask_and_apply(case_id, DecisionKind.ATTENDANCE_ORDER)
    sync_decision_runs([case_id])  # the decisions the answer asks get their runs
    return result
