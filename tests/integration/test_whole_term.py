"""A whole term of casework, simulated day by day: 200 children from notification to outcome.

The clock moves from Monday 16 November 2026 to the end of the spring term 2027. Every school
day the sweep runs and coordinators answer some of the decisions waiting, on a seeded
schedule that takes every answer of every decision at least once. Nothing sleeps: the days
are dates handed to the services. SQLite only (PostgreSQL runs the same code in the
journeys); the point here is volume and the invariants at the end.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from missing_education.domain import (
    NOTIFICATION_COLUMNS,
    OPEN_STATUSES,
    Outcome,
    Status,
)
from missing_education.persistence import SqlUnitOfWork
from missing_education.services.calendar import CALENDAR_COLUMNS, import_calendar, load_calendar
from missing_education.services.directory import (
    OFFICER_COLUMNS,
    SCHOOL_COLUMNS,
    import_officers,
    import_schools,
)
from missing_education.services.procedure import Procedure
from missing_education.services.receiving import receive_file
from missing_education.services.sweep import review_cases
from missing_education.settings import load_settings
from synthetic.council import (
    autumn_2026_calendar,
    synthetic_notifications,
    synthetic_officers,
    synthetic_schools,
    write_csv,
)
from synthetic.simulation import (
    END_OF_SPRING_TERM,
    EVERY_BRANCH,
    FIRST_DAY,
    SEED,
    Coordinators,
    post,
    school_days,
    skip_typesetting,
)


def test_a_term_of_200_cases_ends_with_every_case_closed_or_legally_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    skip_typesetting(monkeypatch.setattr)
    started = time.perf_counter()
    settings = load_settings()
    url = settings.effective_database_url
    import_calendar(
        SqlUnitOfWork(url),
        write_csv(tmp_path / "calendar.csv", autumn_2026_calendar(), CALENDAR_COLUMNS),
    )
    import_schools(
        SqlUnitOfWork(url), write_csv(tmp_path / "s.csv", synthetic_schools(), SCHOOL_COLUMNS)
    )
    import_officers(
        SqlUnitOfWork(url), write_csv(tmp_path / "o.csv", synthetic_officers(), OFFICER_COLUMNS)
    )
    rows = synthetic_notifications(200, seed=SEED, referral_date=FIRST_DAY)
    path = write_csv(tmp_path / "notifications.csv", rows, NOTIFICATION_COLUMNS)
    monkeypatch.setenv("CME_TODAY", FIRST_DAY.isoformat())
    intake = receive_file(SqlUnitOfWork(url), path, settings=settings, today=FIRST_DAY).as_dict()
    assert intake["opened"] >= 195

    with SqlUnitOfWork(url) as uow:
        calendar = load_calendar(uow)
    coordinators = Coordinators(SEED)
    sweeps: Counter[str] = Counter()
    for day in school_days(calendar.is_school_day, FIRST_DAY, END_OF_SPRING_TERM):
        monkeypatch.setenv("CME_TODAY", day.isoformat())
        sweeps.update(review_cases(SqlUnitOfWork(url), settings=settings, today=day).actions)
        post(url, settings, day)  # notices' periods run from the day the post is confirmed
        with SqlUnitOfWork(url) as uow:
            coordinators.work(uow, Procedure(uow, settings, day), day)
    elapsed = time.perf_counter() - started

    assert coordinators.errors == [], "\n".join(coordinators.errors)
    assert EVERY_BRANCH - set(coordinators.applied) == set()
    for action in (
        "school_reminded",
        "escalated_to_manager",
        "escalated_not_located",
        "monitoring_review",
        "home_visit_assigned",
        "referred_to_admissions",
    ):
        assert sweeps[action] > 0, action

    with SqlUnitOfWork(url) as uow:
        summaries = uow.cases.summaries()
        assert len(summaries) == intake["opened"]
        letters = uow.letters.outbox()
        per_step = Counter((x.case_id, x.step_key) for x in letters)
        assert [k for k, n in per_step.items() if n > 1] == []
        open_deadlines = {d.case_id for d in uow.deadlines.open()}
        waiting = {d.case_id for d in uow.decisions.waiting()}
        outcomes: Counter[Outcome] = Counter()
        stranded = []
        for summary in summaries:
            case = uow.cases.get(summary.case_id)
            keys = {x.step_key for x in uow.letters.for_case(case.id)}
            if case.is_open:
                assert case.status in OPEN_STATUSES
                assert case.outcome is None and case.closed_on is None
                if case.id not in open_deadlines | waiting:
                    stranded.append((case.reference, case.status.value))
                continue
            assert case.outcome is not None and case.closed_on is not None
            outcomes[case.outcome] += 1
            assert case.history[-1].to_status is Status.CLOSED
            if case.history[-1].why.startswith("not_cme: not of compulsory school age"):
                continue  # closed at triage: the acknowledgement is its only letter
            assert "closure_referrer" in keys, case.reference
            if case.school_urn or case.school_name:
                assert "closure_school" in keys, case.reference
            if case.child.address_line1 and case.outcome is not Outcome.WHEREABOUTS_UNKNOWN:
                assert "closure_parent" in keys, case.reference
            assert not [d for d in uow.deadlines.for_case(case.id) if d.is_open]
    # An open case always has a deadline coming or a decision waiting: none is forgotten.
    assert stranded == [], stranded
    closed = sum(outcomes.values())
    print(
        f"\nwhole term: {len(summaries)} cases, {closed} closed {dict(outcomes)}, "
        f"{len(letters)} letters, {sum(coordinators.applied.values())} decisions, "
        f"sweeps {dict(sweeps)}, {elapsed:.1f} s"
    )
    # How long it took is printed, never asserted: speed is measured in `make bench`.
