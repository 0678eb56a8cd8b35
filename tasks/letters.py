"""Letter tasks: queued letters typeset in batches on every core; the outbox sent over SMTP."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from missing_education.clock import today
from missing_education.delivery import SmtpTransport
from missing_education.services.outbox import send_queued
from missing_education.services.typesetting import typeset_letters
from missing_education.settings import Mail
from tasks.policy import case_task, configured

MAIL_BLOCK = "cme-smtp"


@case_task(retries=2, retry_delay_seconds=[5, 30])
def typeset_queued_letters() -> dict[str, Any]:
    """Typeset every queued letter, keep its PDF in the case database, record its hash."""
    settings, uow = configured()
    return typeset_letters(uow, settings=settings, today=today()).as_dict()


@case_task(retries=3, retry_delay_seconds=[2, 5, 15])
def send_letters() -> dict[str, Any]:
    """Deliver queued email letters (exactly once each)."""
    settings, uow = configured()
    transport = SmtpTransport(mail_settings(settings.mail))
    return send_queued(uow, transport, settings=settings).as_dict()


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
