"""decide-police-notification: decide whether to notify the police, in the Prefect UI."""

from __future__ import annotations

from typing import Any

from prefect import flow

from missing_education.domain.decision import DecisionKind
from tasks.decision_runs import sync_decision_runs
from tasks.decisions import ask_and_apply


@flow(name="decide-police-notification")
def decide_police_notification(case_id: int) -> dict[str, Any]:
    """Decide whether to notify the police: suspend with its form, then act on the answer."""
    result = ask_and_apply(case_id, DecisionKind.POLICE_NOTIFICATION)
    sync_decision_runs([case_id])  # the decisions the answer asks get their runs
    return result
