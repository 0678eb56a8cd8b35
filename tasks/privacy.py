"""A logging filter that keeps contact details and identifiers out of Prefect's stored logs."""

from __future__ import annotations

import logging
import re

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
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install_redaction() -> None:
    """Attach the filter to every handler of Prefect's run loggers (idempotent)."""
    for name in ("prefect", "prefect.flow_runs", "prefect.task_runs", ""):
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, RedactPersonalData) for f in handler.filters):
                handler.addFilter(RedactPersonalData())
