"""When a notice is served and when its period ends; the settings the law bounds; letter details."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from missing_education.domain.letter import decode_details, encode_details
from missing_education.rules.service import (
    business_days_after,
    deemed_served,
    expected_posting,
    period_last_day,
    stated_last_day,
)
from missing_education.settings import SettingsError, load_settings


def test_a_letter_posted_on_a_thursday_is_served_on_the_monday() -> None:
    assert deemed_served(date(2026, 11, 19)) == date(2026, 11, 23)


def test_bank_holidays_and_their_substitute_days_are_not_business_days() -> None:
    # Christmas 2026 is a Friday and Boxing Day a Saturday: Monday 28 December is its substitute.
    assert deemed_served(date(2026, 12, 24)) == date(2026, 12, 30)
    assert business_days_after(date(2026, 12, 24), 0) == date(2026, 12, 24)


def test_a_period_of_15_days_beginning_with_service_ends_14_days_later() -> None:
    assert period_last_day(date(2026, 11, 24), 15) == date(2026, 12, 8)
    with pytest.raises(ValueError, match="at least one day"):
        period_last_day(date(2026, 11, 24), 0)


def test_a_notice_states_its_period_from_the_next_business_days_posting() -> None:
    assert expected_posting(date(2026, 11, 20)) == date(2026, 11, 23)  # Friday: posted Monday
    # Made Thursday 19 November: posted Friday 20, served Tuesday 24, 15 days to 8 December.
    assert stated_last_day(date(2026, 11, 19), 15) == date(2026, 12, 8)


@pytest.mark.parametrize(
    ("name", "section"),
    [("S437_NOTICE_DAYS", "s437(1)"), ("S438_CHOICE_DAYS", "s438")],
)
def test_a_notice_period_below_15_days_is_refused_naming_the_act(
    name: str, section: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"CME_TIMESCALES_{name}", "14")
    with pytest.raises(SettingsError) as refused:
        load_settings()
    message = str(refused.value)
    assert "between 15 and 366, not 14" in message
    assert f"Education Act 1996 {section}" in message


def test_a_letters_details_keep_their_dates_and_times() -> None:
    details = {
        "deadline": date(2026, 12, 8),
        "visit": {"officer": "Sam", "at": datetime(2026, 11, 24, 10, 30, tzinfo=UTC)},
        "evidence": ["one", "two"],
        "school": {"name": "Matlock Primary School", "urn": "112233"},
    }
    assert decode_details(encode_details(details)) == details
    assert decode_details("") == {}
