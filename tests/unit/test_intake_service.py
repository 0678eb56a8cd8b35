"""Intake on the in-memory unit of work: opened, linked, duplicate, not CME, rejected, deadlines."""

from __future__ import annotations

import copy
import csv
import io
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from missing_education import services
from missing_education.domain import (
    Case,
    HistoryEntry,
    Notification,
    Outcome,
    Status,
    parse_notification,
)
from missing_education.domain.deadline import Step
from missing_education.rules.calendar import CalendarPeriod
from missing_education.rules.school_age import SchoolAge
from missing_education.settings import Settings
from tests.fakes import FakeStore, FakeUnitOfWork

TODAY = date(2026, 11, 25)
SETTINGS = Settings()
HEADER = [
    "forename",
    "surname",
    "date_of_birth",
    "upn",
    "referral_date",
    "referrer_organisation",
    "notes",
]


def notification(**changes: str) -> Notification:
    row = {
        "forename": "Amira",
        "surname": "Khan",
        "date_of_birth": "2015-03-04",
        "referral_date": "2026-11-20",
        "referrer_organisation": "Matlock Primary",
    }
    row.update(changes)
    return parse_notification(row, today=TODAY)


def ingest(uow: FakeUnitOfWork, *notifications: Notification) -> services.IntakeReport:
    rows = [(number, n) for number, n in enumerate(notifications, start=2)]
    report = services.ingest_rows(uow, rows, source="n.csv", settings=SETTINGS, today=TODAY)
    report.not_cme = len(services.triage_cases(uow, report.opened_case_ids, today=TODAY))
    return report


def csv_file(tmp_path: Path, *rows: list[str], header: list[str] = HEADER) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path = tmp_path / "notifications.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def test_a_new_child_opens_a_case_under_investigation() -> None:
    uow = FakeUnitOfWork()
    report = ingest(uow, notification())
    assert (report.received, report.opened, report.linked, report.duplicates) == (1, 1, 0, 0)
    case = uow.cases.get(report.opened_case_ids[0])
    assert case.status is Status.INVESTIGATING
    assert case.opened_on == TODAY
    assert [h.to_status for h in case.history] == [Status.RECEIVED, Status.INVESTIGATING]
    assert case.history[0].why == "notification received (n.csv, row 2)"
    assert {h.who for h in case.history} == {"system"}


def test_the_work_is_committed() -> None:
    uow = FakeUnitOfWork()
    ingest(uow, notification())
    uow.rollback()
    assert len(uow.store.cases) == 1
    assert uow.commits >= 2


def test_a_notification_with_the_same_upn_is_linked_to_the_open_case() -> None:
    uow = FakeUnitOfWork()
    first = ingest(uow, notification(upn="A123456789012"))
    # A different spelling and birth date: the UPN still says it is the same child.
    second = ingest(
        uow,
        notification(
            upn="A123456789012",
            forename="Ameera",
            date_of_birth="2015-04-03",
            referrer_organisation="Derbyshire Police",
        ),
    )
    assert (second.opened, second.linked) == (0, 1)
    assert second.linked_case_ids == first.opened_case_ids
    assert len(uow.store.cases) == 1
    records = uow.notifications.for_case(first.opened_case_ids[0])
    assert [r.disposition for r in records] == ["opened", "linked"]


def test_the_same_name_and_birth_date_is_linked_however_it_is_written() -> None:
    uow = FakeUnitOfWork()
    ingest(uow, notification())
    report = ingest(
        uow,
        notification(forename=" AMIRA ", surname="khan", referrer_organisation="Housing"),
    )
    assert (report.opened, report.linked) == (0, 1)
    assert len(uow.store.cases) == 1


def test_a_different_birth_date_without_a_upn_is_another_child() -> None:
    uow = FakeUnitOfWork()
    ingest(uow, notification())
    report = ingest(uow, notification(date_of_birth="2016-03-04"))
    assert report.opened == 1
    assert len(uow.store.cases) == 2


def test_a_notification_about_a_closed_case_opens_a_new_one() -> None:
    uow = FakeUnitOfWork()
    ingest(uow, notification(date_of_birth="2009-06-01"))  # closed as not CME
    report = ingest(uow, notification(date_of_birth="2009-06-01", referrer_organisation="NHS"))
    assert report.opened == 1 and report.linked == 0


def test_two_rows_about_one_child_in_one_file_open_one_case() -> None:
    uow = FakeUnitOfWork()
    report = ingest(uow, notification(), notification(referrer_organisation="Derbyshire Police"))
    assert (report.opened, report.linked) == (1, 1)
    assert len(uow.store.cases) == 1


def test_the_same_notification_twice_is_a_duplicate() -> None:
    uow = FakeUnitOfWork()
    ingest(uow, notification())
    report = ingest(uow, notification(forename="amira"))
    assert (report.opened, report.linked, report.duplicates) == (0, 0, 1)
    assert len(uow.store.notifications) == 1


def test_the_same_file_ingested_twice_opens_nothing_the_second_time(tmp_path: Path) -> None:
    uow = FakeUnitOfWork()
    path = csv_file(
        tmp_path,
        ["Amira", "Khan", "2015-03-04", "", "2026-11-20", "Matlock Primary", ""],
        ["Tom", "Baker", "2016-09-10", "", "2026-11-19", "Housing", ""],
    )
    first = services.ingest_file(uow, path, settings=SETTINGS, today=TODAY)
    second = services.ingest_file(uow, path, settings=SETTINGS, today=TODAY)
    assert (first.opened, second.opened, second.duplicates) == (2, 0, 2)
    assert len(uow.store.cases) == 2


@pytest.mark.parametrize(
    ("date_of_birth", "age"),
    [("2009-06-01", "17"), ("2023-06-01", "3")],
)
def test_a_child_outside_compulsory_school_age_is_opened_and_closed_as_not_cme(
    date_of_birth: str, age: str
) -> None:
    uow = FakeUnitOfWork()
    report = ingest(uow, notification(date_of_birth=date_of_birth))
    assert (report.opened, report.not_cme) == (1, 1)
    case = uow.cases.get(report.opened_case_ids[0])
    assert case.status is Status.CLOSED
    assert case.outcome is Outcome.NOT_CME
    assert case.closed_on == TODAY
    assert "not of compulsory school age" in case.history[-1].why
    (deadline,) = uow.deadlines.for_case(case.id)
    assert deadline.met_on == TODAY
    assert services.list_cases(uow, Status.CLOSED)[0]["deadline"] is None


def test_school_age_is_judged_on_the_referral_date_not_today() -> None:
    uow = FakeUnitOfWork()
    # CSA ended on Friday 26 June 2026: of school age when referred in May, not on TODAY.
    report = ingest(uow, notification(date_of_birth="2010-05-01", referral_date="2026-05-20"))
    assert report.not_cme == 0
    assert uow.cases.get(report.opened_case_ids[0]).status is Status.INVESTIGATING


def test_rejected_rows_are_numbered_as_in_a_spreadsheet(tmp_path: Path) -> None:
    uow = FakeUnitOfWork()
    path = csv_file(
        tmp_path,
        ["Amira", "Khan", "2015-03-04", "", "2026-11-20", "Matlock Primary", ""],
        ["Tom", "Baker", "2015-02-30", "", "2026-11-20", "Housing", ""],
        ["Ann", "Jones", "2016-01-01", "", "2026-11-20", "", ""],
        ["Lily", "Evans", "2016-01-01", "", "2026-11-20", "Housing", ""],
    )
    report = services.ingest_file(uow, path, settings=SETTINGS, today=TODAY)
    assert (report.received, report.opened, report.rejected) == (4, 2, 2)
    assert [(r.row, r.reason.split(":")[0]) for r in report.rejections] == [
        (3, "date_of_birth"),
        (4, "referrer_organisation"),
    ]
    assert "not a real date" in report.rejections[0].reason


def test_a_file_missing_a_required_column_is_refused_whole(tmp_path: Path) -> None:
    uow = FakeUnitOfWork()
    header = [h for h in HEADER if h != "referrer_organisation"]
    path = csv_file(tmp_path, ["Amira", "Khan", "2015-03-04", "", "2026-11-20", ""], header=header)
    with pytest.raises(services.IntakeFileError, match="referrer_organisation"):
        services.ingest_file(uow, path, settings=SETTINGS, today=TODAY)
    assert uow.store == FakeStore()


def test_extra_columns_bring_a_warning(tmp_path: Path) -> None:
    path = csv_file(
        tmp_path,
        ["Amira", "Khan", "2015-03-04", "", "2026-11-20", "Matlock Primary", "", "J Smith"],
        header=[*HEADER, "caseworker"],
    )
    report = services.ingest_file(FakeUnitOfWork(), path, settings=SETTINGS, today=TODAY)
    assert report.warnings == ["extra columns kept as notes: caseworker"]


def council_calendar() -> list[CalendarPeriod]:
    return [
        CalendarPeriod(None, date(2026, 9, 1), date(2026, 10, 23), "term"),
        CalendarPeriod(None, date(2026, 11, 2), date(2026, 12, 18), "term"),
        CalendarPeriod(None, date(2027, 1, 5), date(2027, 2, 12), "term"),
        CalendarPeriod(None, date(2026, 12, 1), date(2026, 12, 1), "closure"),
    ]


def test_the_locate_child_deadline_is_20_school_days_after_the_referral() -> None:
    uow = FakeUnitOfWork(FakeStore(calendar=council_calendar()))
    # Referred Friday 20 November; 19 school days to the end of term (1 December is an
    # INSET day), and the 20th is the first day of the spring term.
    report = ingest(uow, notification(referral_date="2026-11-20"))
    (deadline,) = uow.deadlines.for_case(report.opened_case_ids[0])
    assert deadline.step is Step.LOCATE_CHILD
    assert (deadline.base_date, deadline.school_days) == (date(2026, 11, 20), 20)
    assert deadline.due == date(2027, 1, 5)
    assert services.list_cases(uow)[0]["deadline"] == "2027-01-05"


def test_without_a_calendar_the_deadline_counts_weekdays_that_are_not_bank_holidays() -> None:
    uow = FakeUnitOfWork()
    report = ingest(uow, notification(referral_date="2026-11-20"))
    (deadline,) = uow.deadlines.for_case(report.opened_case_ids[0])
    assert deadline.due == date(2026, 12, 18)


def test_the_escalation_timescale_is_a_setting() -> None:
    uow = FakeUnitOfWork()
    settings = replace(SETTINGS, timescales=replace(SETTINGS.timescales, not_located_escalation=5))
    rows = [(2, notification(referral_date="2026-11-20"))]
    report = services.ingest_rows(uow, rows, source="n.csv", settings=settings, today=TODAY)
    assert uow.deadlines.for_case(report.opened_case_ids[0])[0].due == date(2026, 11, 27)


def test_rerunning_triage_changes_nothing() -> None:
    uow = FakeUnitOfWork()
    report = ingest(uow, notification(), notification(forename="Old", date_of_birth="2009-06-01"))
    before = copy.deepcopy(uow.store)
    assert services.triage_cases(uow, report.opened_case_ids, today=date(2026, 11, 30)) == []
    assert uow.store == before


def test_a_safeguarding_flag_is_carried_onto_the_case() -> None:
    uow = FakeUnitOfWork()
    report = ingest(uow, notification(vulnerabilities="child_protection"))
    case = uow.cases.get(report.opened_case_ids[0])
    assert case.safeguarding
    assert case.vulnerabilities == ("child_protection",)


def test_a_crash_in_a_batch_loses_only_that_batch_and_a_rerun_finishes_the_job(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uow = FakeUnitOfWork()
    settings = replace(SETTINGS, intake_batch_size=2)
    names = ["Ann", "Ben", "Cal", "Dee", "Eve"]
    path = csv_file(
        tmp_path, *([name, "Khan", "2015-03-04", "", "2026-11-20", "School", ""] for name in names)
    )
    real_add = uow.cases.add
    calls = 0

    def add_then_fail(
        n: Notification,
        *,
        status: Status,
        opened_on: date,
        history: Sequence[HistoryEntry] = (),
        school_age: SchoolAge | None = None,
    ) -> Case:
        nonlocal calls
        calls += 1
        if calls == 4:
            raise RuntimeError("power cut")
        return real_add(
            n, status=status, opened_on=opened_on, history=history, school_age=school_age
        )

    monkeypatch.setattr(uow.cases, "add", add_then_fail)
    with pytest.raises(RuntimeError):
        services.ingest_file(uow, path, settings=settings, today=TODAY)
    # The first batch was committed, triaged as its cases were opened; the second rolled back.
    assert [c.status for c in uow.store.cases.values()] == [Status.INVESTIGATING] * 2
    monkeypatch.setattr(uow.cases, "add", real_add)

    report = services.ingest_file(uow, path, settings=settings, today=TODAY)
    assert (report.opened, report.duplicates) == (3, 2)
    assert sorted(c.child.forename for c in uow.store.cases.values()) == names
    assert {c.status for c in uow.store.cases.values()} == {Status.INVESTIGATING}
