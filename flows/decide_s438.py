"""decide-s438: record the parent's choice of school after the s438 notice, in the Prefect UI."""

from __future__ import annotations

from typing import Any

from prefect import flow

from missing_education.domain.decision import DecisionKind
from tasks.decision_runs import sync_decision_runs
from tasks.decisions import ask_and_apply
from tasks.privacy import install_redaction


@flow(name="decide-s438")
def decide_s438(case_id: int) -> dict[str, Any]:
    """Record the parent's choice of school after the s438 notice, answered in its form."""
    install_redaction()
    result = ask_and_apply(case_id, DecisionKind.S438)
    sync_decision_runs([case_id])  # the decisions the answer asks get their runs
    return result
