"""The set-based sweep on SQLite and PostgreSQL: a batch of cases per commit, so a crash leaves
whole cases and a rerun finishes the rest, and two sweepers at once act on each case once.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from missing_education.domain import NOTIFICATION_COLUMNS, Status
from missing_education.domain.deadline import Step
from missing_education.persistence import SqlUnitOfWork
from missing_education.persistence.case_batch import SqlCaseBatch
from missing_education.services.calendar import load_calendar
from missing_education.services.intake import ingest_file
from missing_education.services.locks import lock_cases
from missing_education.services.procedure import StepReport
from missing_education.services.sweep import review_cases
from missing_education.settings import Settings, load_settings
from synthetic.council import write_csv
from tests.conftest import _truncate_postgres
from tests.integration.test_one_bad_record import REFERRAL, rows, setup

CASES = 23


def caseload(url: str, folder: Path) -> tuple[Settings, date]:
    """CASES children under investigation, none located: the day after every locate deadline."""
    setup(url, folder)
    settings = replace(load_settings(), sweep_batch_size=5)
    path = write_csv(folder / "n.csv", rows(CASES), NOTIFICATION_COLUMNS)
    report = ingest_file(SqlUnitOfWork(url), path, settings=settings, today=REFERRAL)
    assert report.opened == CASES
    with SqlUnitOfWork(url) as uow:
        calendar = load_calendar(uow)
        locate_by = max(d.due for d in uow.deadlines.open() if d.step is Step.LOCATE_CHILD)
    return settings, calendar.add_school_days(locate_by, 1)


def escalations(url: str) -> dict[int, int]:
    """How many times each case was moved to escalated."""
    with SqlUnitOfWork(url) as uow:
        return {
            s.case_id: sum(
                1 for h in uow.cases.get(s.case_id).history if h.to_status is Status.ESCALATED
            )
            for s in uow.cases.summaries()
        }


def test_a_sweep_that_dies_mid_run_keeps_whole_batches_and_a_rerun_finishes_the_rest(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, day = caseload(database_url, tmp_path)
    real_flush = SqlCaseBatch.flush
    flushed = 0

    def dies_on_the_third_batch(batch: SqlCaseBatch) -> None:
        nonlocal flushed
        flushed += 1
        if flushed == 3:
            raise RuntimeError("the worker was killed")  # as a crash between two batches
        real_flush(batch)

    monkeypatch.setattr(SqlCaseBatch, "flush", dies_on_the_third_batch)
    with pytest.raises(RuntimeError):
        review_cases(SqlUnitOfWork(database_url), settings=settings, today=day)

    done = escalations(database_url)
    assert sorted(done.values()) == [0] * (CASES - 10) + [1] * 10  # two whole batches of five
    with SqlUnitOfWork(database_url) as uow:
        claimed = [d for d in uow.deadlines.open() if d.step is Step.LOCATE_CHILD]
        assert len(claimed) == CASES - 10  # the third batch's claims went with it

    monkeypatch.setattr(SqlCaseBatch, "flush", real_flush)
    rerun = review_cases(SqlUnitOfWork(database_url), settings=settings, today=day)

    assert rerun.actions == {"escalated_not_located": CASES - 10}
    assert set(escalations(database_url).values()) == {1}
    with SqlUnitOfWork(database_url) as uow:
        kinds = [d.kind for s in uow.cases.summaries() for d in uow.decisions.for_case(s.case_id)]
        letters = [x.step_key for x in uow.letters.outbox()]
    # Each case asked each decision once and was sent each letter once, whichever run did it.
    assert kinds.count("lpd_search") == kinds.count("police_notification") == CASES
    assert letters.count("social_care_referral:not_located") == CASES


def test_two_sweepers_at_once_act_on_each_case_once(database_url: str, tmp_path: Path) -> None:
    settings, day = caseload(database_url, tmp_path)
    start = threading.Barrier(2)
    reports: list[StepReport] = []

    def sweeper() -> None:
        start.wait()
        reports.append(review_cases(SqlUnitOfWork(database_url), settings=settings, today=day))

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    first, second = reports
    assert not set(first.case_ids) & set(second.case_ids)
    acted = first.actions.get("escalated_not_located", 0) + second.actions.get(
        "escalated_not_located", 0
    )
    assert acted == CASES
    assert set(escalations(database_url).values()) == {1}
    assert first.failed == second.failed == {}


@pytest.mark.postgres
def test_a_sweeper_passes_over_cases_another_holds_and_goes_on_to_the_rest(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PostgreSQL only: SQLite has one writer at a time, so no case is held while another sweeps.
    _truncate_postgres(postgres_url)
    monkeypatch.setenv("CME_DATABASE_URL", postgres_url)
    database_url = postgres_url
    settings, day = caseload(database_url, tmp_path)
    with SqlUnitOfWork(database_url) as uow:
        ids = sorted(s.case_id for s in uow.cases.summaries())
    held = ids[:7]  # the whole first batch of five and part of the second

    with SqlUnitOfWork(database_url) as holder:
        lock_cases(holder, held)  # another process working on these cases
        report = review_cases(SqlUnitOfWork(database_url), settings=settings, today=day)

    assert sorted(report.case_ids) == ids[7:]
    assert report.actions == {"escalated_not_located": CASES - 7}
    # The held cases were left for the next sweep, which acts on them once.
    rerun = review_cases(SqlUnitOfWork(database_url), settings=settings, today=day)
    assert sorted(rerun.case_ids) == held
    assert set(escalations(database_url).values()) == {1}
