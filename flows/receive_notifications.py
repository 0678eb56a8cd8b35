"""receive-notifications: a file of notifications becomes cases, acknowledged and investigated.

The flow takes the id of a held file (`cme upload`, `cme ingest`, the inbox), never a path or
a file name: people name files after the child, and flow parameters are shown in the UI.
"""

from __future__ import annotations

from typing import Any

from prefect import flow
from prefect.artifacts import create_markdown_artifact
from prefect.client.schemas.objects import State
from prefect.states import Failed

from tasks.attention import finish
from tasks.decision_runs import sync_decision_runs
from tasks.intake import (
    acknowledge_notifications,
    ingest_notification_file,
    investigate_cases,
    release_uploaded_file,
)
from tasks.letters import typeset_queued_letters
from tasks.policy import as_is

COUNTS = (
    "received",
    "opened",
    "linked",
    "duplicates",
    "not_cme",
    "out_of_area",
    "rejected",
    "without_date_of_birth",
)


def intake_markdown(intake: dict[str, Any], actions: dict[str, int]) -> str:
    """The intake summary artifact: counts only."""
    header = "| " + " | ".join(COUNTS) + " |\n|" + "---|" * len(COUNTS)
    row = "| " + " | ".join(str(intake[k]) for k in COUNTS) + " |"
    return f"### Intake\n\n{header}\n{row}\n\nInvestigation actions: {actions}"


@flow(name="receive-notifications")
def receive_notifications(file_id: str) -> dict[str, Any] | State:
    """Take in a held notification file, acknowledge each referrer, start investigations."""
    intake = ingest_notification_file(file_id)
    if intake["refused"]:
        # Failed, so a coordinator notices; the reason is kept beside the file, not here.
        return Failed(
            message="the file was refused whole and nothing was taken in; "
            "the reason is beside it (inbox/rejected/, or cme ingest prints it)",
            data={"refused": True, "file_id": file_id},
        )
    # Rows an interrupted run took in are acknowledged, and investigated if never begun.
    # as_is: lists of thousands of case ids, which Prefect need not search one by one.
    acknowledged = acknowledge_notifications(as_is(intake["to_acknowledge"]))
    investigation = investigate_cases(as_is(intake["to_investigate"]))
    sync_decision_runs(as_is(investigation["case_ids"]))  # each decision asked gets its run
    typeset = typeset_queued_letters()  # the letters queued above, typeset on every core
    release_uploaded_file(file_id)  # the case database now has what the file held
    create_markdown_artifact(
        key="intake-summary",
        markdown=intake_markdown(intake, investigation["actions"]),
        description="Counts only; rejected rows are listed by row number in the rejects file.",
    )
    # Row numbers and reasons name fields, never values: safe to hand back through Prefect.
    result = {
        k: intake[k] for k in (*COUNTS, "fields_missing", "with_fields_missing", "rejections")
    }
    return finish(
        {
            **result,
            "refused": False,
            "taken_in_already": bool(intake.get("taken_in_already")),
            "file_id": file_id,
        },
        [acknowledged, investigation, typeset],
    )
