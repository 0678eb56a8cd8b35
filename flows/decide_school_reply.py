"""decide-school-reply: record the school's reply to our enquiry, in the Prefect UI."""

from __future__ import annotations

from typing import Any

from prefect import flow

from missing_education.domain.decision import DecisionKind
from tasks.decision_runs import sync_decision_runs
from tasks.decisions import ask_and_apply


@flow(name="decide-school-reply")
def decide_school_reply(case_id: int) -> dict[str, Any]:
    """Record the school's reply to our enquiry: suspend with its form, then act on the answer."""
    result = ask_and_apply(case_id, DecisionKind.SCHOOL_REPLY)
    sync_decision_runs([case_id])  # the decisions the answer asks get their runs
    return result
