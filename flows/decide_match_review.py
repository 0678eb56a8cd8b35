"""decide-match-review: review a possible match in a council database, in the Prefect UI."""

from __future__ import annotations

from typing import Any

from prefect import flow

from missing_education.domain.decision import DecisionKind
from tasks.decision_runs import sync_decision_runs
from tasks.decisions import ask_and_apply


@flow(name="decide-match-review")
def decide_match_review(case_id: int) -> dict[str, Any]:
    """Review a possible match in a council database, answered in its form."""
    result = ask_and_apply(case_id, DecisionKind.MATCH_REVIEW)
    sync_decision_runs([case_id])  # the decisions the answer asks get their runs
    return result
