"""Tasks of receive-notifications: thin wrappers around the intake and follow-up services."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from prefect.artifacts import create_progress_artifact, update_progress_artifact

from missing_education.clock import today
from missing_education.services import intake_files, receiving
from missing_education.services.attention import step_summary
from missing_education.services.intake import IntakeFileError, IntakeReport, ingest_file
from tasks.policy import case_task, configured

PROGRESS_STEP = 10.0  # per cent of the file between updates of the progress artifact


@case_task()
def ingest_notification_file(file_id: str) -> dict[str, Any]:
    """Open, link or reject every row of a held file (counts, case ids, row reasons).

    A file refused whole keeps its reason beside it (for `cme ingest` and the inbox's
    rejected/ folder): the reason may quote the file's name, so Prefect hears only "refused".
    """
    settings, uow = configured()
    try:
        file = intake_files.held(uow, settings, file_id)
    except intake_files.TakenInAlready:
        # A rerun of a run that finished its intake (and let the file go): nothing is new.
        return {**IntakeReport().as_dict(), "refused": False, "taken_in_already": True}
    progress_id = create_progress_artifact(0.0, description="Notifications taken in (per cent)")
    assert isinstance(progress_id, UUID)  # the synchronous call returns the id itself

    shown = 0.0

    def progress(done: int, total: int) -> None:
        # Every tenth of the file, not every batch: a large file has hundreds of batches,
        # and each update is a call to the server.
        nonlocal shown
        percent = 100.0 * done / max(total, 1)
        if percent - shown >= PROGRESS_STEP or percent >= 100.0:
            update_progress_artifact(progress_id, percent)
            shown = percent

    try:
        report = ingest_file(
            uow, file.path, settings=settings, today=today(), progress=progress, source=file.name
        )
    except IntakeFileError as error:
        intake_files.refuse(uow, file_id, str(error))
        return {"refused": True}
    return {**report.as_dict(), "refused": False}


@case_task(retries=2, retry_delay_seconds=[5, 30])
def acknowledge_notifications(case_ids: list[int]) -> dict[str, Any]:
    """Send each referrer an acknowledgement, and safeguarding referrals to MASH at once."""
    settings, uow = configured()
    return step_summary(
        receiving.acknowledge_cases(uow, case_ids, settings=settings, today=today())
    )


@case_task(retries=2, retry_delay_seconds=[5, 30])
def investigate_cases(case_ids: list[int]) -> dict[str, Any]:
    """Advance each case as far as it goes without a person (a batch of cases per commit)."""
    settings, uow = configured()
    return step_summary(
        receiving.investigate_cases(uow, case_ids, settings=settings, today=today())
    )


@case_task()
def release_uploaded_file(file_id: str) -> bool:
    """Forget an uploaded file once the run has taken in, acknowledged and investigated it.

    Until then a rerun of the flow with the same id takes it in again and finishes the rows an
    interrupted run left; inbox files are left for the inbox flow to file away.
    """
    settings, uow = configured()
    return intake_files.release_upload(uow, settings, file_id)
