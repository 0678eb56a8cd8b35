"""daily-case-review: the school-day morning sweep of every overdue step."""

from __future__ import annotations

from typing import Any

from prefect import flow
from prefect.artifacts import create_table_artifact
from prefect.client.schemas.objects import State

from missing_education.settings import load_settings
from tasks.attention import finish
from tasks.decision_runs import sync_decision_runs
from tasks.letters import typeset_queued_letters
from tasks.review import review_overdue_cases


@flow(name="daily-case-review")
def daily_case_review() -> dict[str, Any] | State:
    """Remind, escalate, refer and review whatever is overdue; each waiting decision has a run."""
    review = review_overdue_cases()
    failed = [{"action": f"needs attention: {c}", "cases": n} for c, n in review["failed"].items()]
    create_table_artifact(
        key="daily-case-review",
        table=[{"action": a, "cases": n} for a, n in sorted(review["actions"].items())]
        + sorted(failed, key=lambda row: str(row["action"]))
        or [{"action": "nothing overdue", "cases": 0}],
        description="What the sweep did, by action, and cases left needing attention (counts). "
        f"[Open the caseload]({load_settings().web.base_url}/caseload) in the case workspace.",
    )
    # Runs for what the sweep asked; runs finished for cases it closed; the queue artifact.
    runs = sync_decision_runs()
    # The letters the sweep queued, typeset after its transactions, on every core.
    typeset = typeset_queued_letters()
    result = {
        "actions": review["actions"],
        "letters": review["letters"],
        "typeset": typeset["typeset"],
        "waiting": runs["waiting"],
        "decision_runs_started": runs["started"],
    }
    # Failed, not Completed-and-silent, when a case needs attention: after every other case.
    return finish(result, [review, typeset])
