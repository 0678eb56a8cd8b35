"""The logging filter that keeps contact details and pupil numbers out of Prefect's logs."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from tasks.privacy import REDACTED, RedactPersonalData, redact


@pytest.mark.parametrize(
    "text",
    [
        "j.smith@matlock-primary.example",
        "Nadia.Khan+cme@mail.example.co.uk",
        "DE4 3AG",
        "de4 3ag",
        "SK17 6XJ",
        "M1 1AA",
        "SW1A 1AA",
        "EC1A1BB",
        "07700 900123",
        "07700900123",
        "01629 533190",
        "0116 496 0123",
        "A123456789012",
        "K12345678901B",
    ],
)
def test_redact_replaces_each_kind_of_personal_detail(text: str) -> None:
    assert redact(f"found {text}, see case") == f"found {REDACTED}, see case"


def test_redact_keeps_what_is_safe_to_log() -> None:
    safe = "CME-000123 escalated on 2026-11-25: 3 cases, 12 letters, round 2, URN 112233"
    assert redact(safe) == safe


def test_redact_cleans_a_line_with_several_details() -> None:
    line = "visit DE4 3AB, parent 07700 900123, school office@school.example, upn A123456789012"

    cleaned = redact(line)

    assert cleaned == f"visit {REDACTED}, parent {REDACTED}, school {REDACTED}, upn {REDACTED}"


@pytest.mark.parametrize("text", ["+44 7700 900123", "+441629533190", "(01629) 533190"])
def test_redact_replaces_international_and_bracketed_phone_numbers(text: str) -> None:
    assert text not in redact(f"call {text} today")


def record(msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("prefect.flow_runs", logging.INFO, __file__, 1, msg, args, None)


def test_the_filter_rewrites_the_record_and_never_drops_it() -> None:
    entry = record("letter to %s at %s", "office@school.example", "DE4 3AG")

    kept = RedactPersonalData().filter(entry)

    assert kept is True
    assert entry.getMessage() == f"letter to {REDACTED} at {REDACTED}"
    assert (entry.msg, entry.args) == (f"letter to {REDACTED} at {REDACTED}", None)


def test_the_filter_leaves_a_clean_record_as_it_was() -> None:
    entry = record("reviewed %d cases", 12)

    assert RedactPersonalData().filter(entry) is True
    assert (entry.msg, entry.args) == ("reviewed %d cases", (12,))


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactPersonalData())
    logger = logging.getLogger("tests.privacy")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    yield logger, stream
    logger.removeHandler(handler)


def test_a_handler_with_the_filter_writes_no_personal_details(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured

    logger.info("called %s about %s", "07700 900123", "A123456789012")
    logger.warning("bounce from head@buxton-junior.example")

    written = stream.getvalue()
    assert "07700" not in written and "A1234" not in written and "@" not in written
    assert written.count(REDACTED) == 3


def test_a_logger_without_the_filter_writes_no_personal_details_once_tasks_is_imported() -> None:
    import tasks  # noqa: F401  (importing the package installs the redaction)

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("tests.privacy.unfiltered")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    try:
        logger.info("letter to %s at %s", "office@school.example", "DE4 3AG")
    finally:
        logger.removeHandler(handler)

    assert stream.getvalue() == f"letter to {REDACTED} at {REDACTED}\n"


def test_installing_the_redaction_twice_wraps_the_record_factory_once() -> None:
    from tasks.privacy import install_redaction

    install_redaction()
    factory = logging.getLogRecordFactory()
    install_redaction()

    assert logging.getLogRecordFactory() is factory
