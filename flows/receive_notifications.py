"""receive-notifications: a file of notifications becomes cases, acknowledged and investigated."""

from __future__ import annotations

from typing import Any

from prefect import flow
from prefect.artifacts import create_markdown_artifact

from tasks.casework import acknowledge_notifications, ingest_notification_file, investigate_cases
from tasks.decision_runs import sync_decision_runs
from tasks.privacy import install_redaction

COUNTS = ("received", "opened", "linked", "duplicates", "not_cme", "rejected")


def intake_markdown(intake: dict[str, Any], actions: dict[str, int]) -> str:
    """The intake summary artifact: counts only."""
    header = "| " + " | ".join(COUNTS) + " |\n|" + "---|" * len(COUNTS)
    row = "| " + " | ".join(str(intake[k]) for k in COUNTS) + " |"
    return f"### Intake\n\n{header}\n{row}\n\nInvestigation actions: {actions}"


@flow(name="receive-notifications")
def receive_notifications(path: str) -> dict[str, Any]:
    """Take in a notification file, acknowledge each referrer, triage, start investigations."""
    install_redaction()
    intake = ingest_notification_file(path)
    # Rows an interrupted run took in are acknowledged, and investigated if never begun.
    acknowledge_notifications(
        intake["case_ids"] + intake["linked_case_ids"] + intake["taken_in_case_ids"]
    )
    investigation = investigate_cases(intake["case_ids"] + intake["resume_case_ids"])
    sync_decision_runs(investigation["case_ids"])  # each decision asked gets its run
    create_markdown_artifact(
        key="intake-summary",
        markdown=intake_markdown(intake, investigation["actions"]),
        description="Counts only; rejected rows are listed by row number in the rejects file.",
    )
    # Row numbers and reasons name fields, never values: safe to hand back through Prefect.
    return {k: intake[k] for k in (*COUNTS, "rejections")}
