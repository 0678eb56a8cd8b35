"""A letter-breaking record among 1,000 cases over a whole term: every other case escalates on time.

Issue 15: one child's record used to stop the daily sweep, so every case due after it was never
escalated. Here one case's letters cannot be recorded (an error injected for that case) from the
day after intake; the term is swept school day by school day with nobody answering, so every child
not located must be escalated on the first school day after their locate deadline. SQLite only
(the isolation itself runs on PostgreSQL in test_one_bad_record.py).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from missing_education.domain import NOTIFICATION_COLUMNS, Status
from missing_education.domain.deadline import Step
from missing_education.persistence import SqlUnitOfWork
from missing_education.services.calendar import CALENDAR_COLUMNS, import_calendar, load_calendar
from missing_education.services.directory import SCHOOL_COLUMNS, import_schools
from missing_education.services.receiving import receive_file
from missing_education.services.sweep import review_cases
from missing_education.settings import load_settings
from synthetic.council import (
    autumn_2026_calendar,
    synthetic_notifications,
    synthetic_schools,
    write_csv,
)
from synthetic.simulation import END_OF_SPRING_TERM, FIRST_DAY, SEED, school_days, skip_typesetting
from tests.integration.test_one_bad_record import BrokenLetters

LONDON = ZoneInfo("Europe/London")


def test_a_letter_breaking_record_among_1000_cases_stops_no_other_escalation_all_term(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    skip_typesetting(monkeypatch.setattr)
    settings = load_settings()
    url = settings.effective_database_url
    import_calendar(
        SqlUnitOfWork(url),
        write_csv(tmp_path / "calendar.csv", autumn_2026_calendar(), CALENDAR_COLUMNS),
    )
    import_schools(
        SqlUnitOfWork(url), write_csv(tmp_path / "s.csv", synthetic_schools(), SCHOOL_COLUMNS)
    )
    rows = synthetic_notifications(1000, seed=SEED, referral_date=FIRST_DAY)
    path = write_csv(tmp_path / "notifications.csv", rows, NOTIFICATION_COLUMNS)
    monkeypatch.setenv("CME_TODAY", FIRST_DAY.isoformat())
    intake = receive_file(SqlUnitOfWork(url), path, settings=settings, today=FIRST_DAY).as_dict()
    assert intake["opened"] >= 900
    assert intake["failed"] == {}

    with SqlUnitOfWork(url) as uow:
        calendar = load_calendar(uow)
        locate_by = {d.case_id: d.due for d in uow.deadlines.open() if d.step is Step.LOCATE_CHILD}
        planted = min(
            i for i in locate_by if i >= 500 and uow.cases.get(i).status is Status.INVESTIGATING
        )
    BrokenLetters(monkeypatch, planted)

    days = list(
        school_days(calendar.is_school_day, FIRST_DAY + timedelta(days=1), END_OF_SPRING_TERM)
    )
    flagged_days = 0
    for day in days:
        monkeypatch.setenv("CME_TODAY", day.isoformat())
        report = review_cases(SqlUnitOfWork(url), settings=settings, today=day)
        if report.attention:
            assert report.attention == {planted: "unexpected"}
            flagged_days += 1

    late, never = [], []
    with SqlUnitOfWork(url) as uow:
        for case_id, due in locate_by.items():
            case = uow.cases.get(case_id)
            escalated = [h for h in case.history if h.to_status is Status.ESCALATED]
            if case_id == planted:
                assert escalated == []
                continue
            expected = next(d for d in days if d > due)
            if not escalated:
                never.append(case.reference)
            elif escalated[0].at.astimezone(LONDON).date() != expected:
                late.append(case.reference)
        attention = uow.attention.all()
    assert never == [] and late == []
    assert len(locate_by) >= 900
    # The bad record is flagged every school day from its own deadline on, and retried each day.
    assert [a.case_id for a in attention] == [planted]
    since = attention[0].since
    assert since <= locate_by[planted] + timedelta(days=7)
    assert flagged_days == len([d for d in days if d >= since])
    assert attention[0].attempts >= flagged_days  # each overdue step tried again, each day
