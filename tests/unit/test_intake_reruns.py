"""Intake run again over rows it took in before: it says which cases they are on, and which of
those never started (a crash between intake and the first letters), on the in-memory store."""

from __future__ import annotations

from datetime import date

from missing_education import services
from missing_education.domain import Notification, parse_notification
from missing_education.services.intake import never_investigated
from missing_education.settings import Settings
from tests.fakes import FakeUnitOfWork

TODAY = date(2026, 11, 25)


def notification(**changes: str) -> Notification:
    row = {
        "forename": "Amira",
        "surname": "Khan",
        "date_of_birth": "2015-03-04",
        "referral_date": "2026-11-20",
        "referrer_organisation": "Matlock Primary",
        **changes,
    }
    return parse_notification(row, today=TODAY)


def ingest(uow: FakeUnitOfWork, *notifications: Notification) -> services.IntakeReport:
    rows = list(enumerate(notifications, start=2))
    report = services.ingest_rows(uow, rows, source="n.csv", settings=Settings(), today=TODAY)
    services.triage_cases(uow, report.opened_case_ids, today=TODAY)
    return report


def test_rows_taken_in_before_report_the_cases_they_joined() -> None:
    uow = FakeUnitOfWork()
    first = ingest(uow, notification(), notification(forename="Tomasz"))

    again = ingest(
        uow, notification(), notification(forename="Tomasz"), notification(forename="Mei")
    )

    assert (again.duplicates, again.opened) == (2, 1)
    assert again.taken_in_case_ids == first.opened_case_ids


def test_a_case_with_nothing_asked_yet_is_one_to_start_and_a_started_one_is_not() -> None:
    uow = FakeUnitOfWork()
    first = ingest(uow, notification(), notification(forename="Tomasz"))
    started, waiting = first.opened_case_ids
    with uow:
        uow.decisions.request(started, "home_visit", TODAY)
        uow.commit()

    assert never_investigated(uow, first.opened_case_ids) == [waiting]
