"""Prefect tasks: thin wrappers around service calls; ids and counts in and out, never persisted."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID

from prefect import task
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.cache_policies import NO_CACHE

from missing_education import services
from missing_education.clock import today
from missing_education.delivery import SmtpTransport
from missing_education.persistence import SqlUnitOfWork
from missing_education.services import intake_files
from missing_education.services.attention import each_case
from missing_education.services.batches import in_batches
from missing_education.services.casework import attention_summary
from missing_education.services.outbox import send_queued
from missing_education.services.procedure import Procedure, StepReport
from missing_education.services.sweep import review_cases
from missing_education.settings import Mail, Settings, load_settings


def _setup() -> tuple[Settings, SqlUnitOfWork, date]:
    settings = load_settings()
    return settings, SqlUnitOfWork(settings.effective_database_url), today()


def _summary(report: StepReport) -> dict[str, Any]:
    # Cases needing attention go out as counts by reason category and references only.
    return {
        "cases": report.cases,
        "letters": report.letters,
        "actions": report.actions,
        "case_ids": report.case_ids,
        **attention_summary(report),
    }


@task(cache_policy=NO_CACHE, persist_result=False)
def ingest_notification_file(file_id: str) -> dict[str, Any]:
    """Open, link or reject every row of a held file (counts, case ids, row reasons).

    A file refused whole keeps its reason beside it (for `cme ingest` and the inbox's
    rejected/ folder): the reason may quote the file's name, so Prefect hears only "refused".
    """
    settings, uow, day = _setup()
    file = intake_files.held(settings, file_id)
    progress_id = create_progress_artifact(0.0, description="Notifications taken in (per cent)")
    assert isinstance(progress_id, UUID)  # the synchronous call returns the id itself

    def progress(done: int, total: int) -> None:
        update_progress_artifact(progress_id, 100.0 * done / max(total, 1))

    try:
        report = services.ingest_file(
            uow, file.path, settings=settings, today=day, progress=progress, source=file.name
        )
    except services.IntakeFileError as error:
        intake_files.refuse(settings, file_id, str(error))
        return {"refused": True}
    result = report.as_dict()
    result["refused"] = False
    result["linked_case_ids"] = report.linked_case_ids
    # Rows an earlier, interrupted run took in: acknowledged (and started) if they were not.
    result["taken_in_case_ids"] = report.taken_in_case_ids
    result["resume_case_ids"] = report.resume_case_ids
    return result


@task(retries=2, retry_delay_seconds=[5, 30], cache_policy=NO_CACHE, persist_result=False)
def acknowledge_notifications(case_ids: list[int]) -> dict[str, Any]:
    """Send each referrer an acknowledgement, and safeguarding referrals to MASH at once."""
    settings, uow, day = _setup()
    with uow:
        # Two intakes naming the same case take turns: each referrer is acknowledged once.
        # One case at a time: a record that breaks its letter is flagged, the rest go on.
        procedure = Procedure(uow, settings, day)
        report = in_batches(procedure, case_ids, lambda p, i: p.acknowledge([i]))
    return _summary(report)


@task(retries=2, retry_delay_seconds=[5, 30], cache_policy=NO_CACHE, persist_result=False)
def investigate_cases(case_ids: list[int]) -> dict[str, Any]:
    """Advance each case as far as it goes without a person (one transaction per case)."""
    settings, uow, day = _setup()
    with uow:
        procedure = Procedure(uow, settings, day)
        report = each_case(procedure, case_ids, procedure.investigate)
    return _summary(report)


@task(retries=2, retry_delay_seconds=[5, 30], cache_policy=NO_CACHE, persist_result=False)
def review_overdue_cases() -> dict[str, Any]:
    """Apply the rules to every overdue step on the school calendar."""
    settings, uow, day = _setup()
    return _summary(review_cases(uow, settings=settings, today=day))


@task(retries=3, retry_delay_seconds=[2, 5, 15], cache_policy=NO_CACHE, persist_result=False)
def send_letters() -> dict[str, Any]:
    """Deliver queued email letters (exactly once each)."""
    settings, uow, _ = _setup()
    mail = mail_settings(settings.mail)
    return send_queued(uow, SmtpTransport(mail), settings=settings).as_dict()


MAIL_BLOCK = "cme-smtp"


def mail_settings(configured: Mail) -> Mail:
    """SMTP settings from the `cme-smtp` EmailServerCredentials block when one exists."""
    from prefect_email import EmailServerCredentials  # optional: only under Prefect

    try:
        block = EmailServerCredentials.load(MAIL_BLOCK)
    except ValueError:
        return configured  # no such block: the CME_MAIL_* settings stand
    smtp_type = getattr(block.smtp_type, "name", str(block.smtp_type))
    if smtp_type == "SSL":
        # Implicit TLS is not what SmtpTransport speaks; keep the settings rather than guess.
        return configured
    server = getattr(block.smtp_server, "value", block.smtp_server)
    return replace(
        configured,
        smtp_host=str(server),
        smtp_port=int(block.smtp_port or (587 if smtp_type == "STARTTLS" else 25)),
        smtp_username=block.username or "",
        smtp_password=block.password.get_secret_value() if block.password else "",
        smtp_starttls=smtp_type == "STARTTLS",
    )
