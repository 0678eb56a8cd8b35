"""A logging filter that keeps contact details and identifiers out of Prefect's stored logs."""

from __future__ import annotations

import logging
import re
from typing import Any

_PATTERNS = (
    re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}"),  # email addresses
    re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\b", re.IGNORECASE),  # postcodes
    # UK phone numbers, also written +44 ... or (01629) ...
    re.compile(r"(?<![\w+])(?:\+44\s?(?:\(0\)\s?)?|\(?0)\d[\d\s()]{7,13}\d(?!\w)"),
    re.compile(r"\b[A-Z][0-9]{11}[0-9A-Z]\b"),  # unique pupil numbers
)
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """The text with emails, postcodes, phone numbers and UPNs replaced."""
    for pattern in _PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


class RedactPersonalData(logging.Filter):
    """Rewrites each record's message before any handler (the API log handler too) sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the formatted message in place; never drops a record."""
        _redact_record(record)
        return True


def _redact_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # a malformed record: logging reports it where it is emitted
        return
    cleaned = redact(message)
    if cleaned != message:
        record.msg, record.args = cleaned, None


def install_redaction() -> None:
    """Redact every log record as it is made, in this process, whichever logger makes it.

    Installed once, when the `tasks` package is first imported (every flow imports it): the
    records are redacted before any handler sees them, Prefect's API log handler too, and
    however often Prefect sets its logging up again. Idempotent.
    """
    current = logging.getLogRecordFactory()
    if getattr(current, "redacts", False):
        return

    def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = current(*args, **kwargs)
        _redact_record(record)
        return record

    redacting_factory.redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(redacting_factory)
