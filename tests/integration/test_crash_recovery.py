"""Crashes between the steps of an intake, and a database that is not there: the next run
finishes the work; the command says what is wrong in one line, never with a traceback.
"""

from __future__ import annotations

import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from missing_education.cli import main
from missing_education.domain import NOTIFICATION_COLUMNS, Status
from missing_education.persistence import SqlUnitOfWork
from missing_education.ports import WriteConflict
from missing_education.services.directory import SCHOOL_COLUMNS, import_schools
from missing_education.services.intake import ingest_file
from missing_education.services.receiving import receive_file
from missing_education.settings import load_settings
from synthetic.council import synthetic_notifications, synthetic_schools, write_csv

DAY = date(2026, 11, 16)


@pytest.fixture
def notifications(database_url: str, tmp_path: Path) -> Path:
    import_schools(
        SqlUnitOfWork(database_url),
        write_csv(tmp_path / "s.csv", synthetic_schools(), SCHOOL_COLUMNS),
    )
    rows = synthetic_notifications(12, seed=3, referral_date=DAY)
    return write_csv(tmp_path / "n.csv", rows, NOTIFICATION_COLUMNS)


def test_a_rerun_after_a_crash_before_the_letters_acknowledges_and_investigates_every_case(
    database_url: str, notifications: Path
) -> None:
    settings = load_settings()
    # The intake committed, then the process died before any letter or investigation.
    first = ingest_file(SqlUnitOfWork(database_url), notifications, settings=settings, today=DAY)
    assert first.opened > 10

    again = receive_file(
        SqlUnitOfWork(database_url), notifications, settings=settings, today=DAY
    ).as_dict()

    assert again["opened"] == 0 and again["duplicates"] == first.received - first.rejected
    with SqlUnitOfWork(database_url) as uow:
        letters = uow.letters.outbox()
        acknowledged = Counter(x.step_key for x in letters if x.letter_type == "acknowledgement")
        for case_id in first.opened_case_ids + first.linked_case_ids:
            for notification in uow.notifications.for_case(case_id):
                assert acknowledged[f"acknowledgement:{notification.id}"] == 1
            case = uow.cases.get(case_id)
            if case.status is Status.INVESTIGATING:
                assert [d.kind for d in uow.decisions.for_case(case_id)].count("home_visit") == 1
    # A third run finds everything done and asks nothing again.
    receive_file(SqlUnitOfWork(database_url), notifications, settings=settings, today=DAY)
    with SqlUnitOfWork(database_url) as uow:
        assert len(uow.letters.outbox()) == len(letters)
        for case_id in first.opened_case_ids:
            kinds = Counter(d.kind for d in uow.decisions.for_case(case_id))
            assert all(count == 1 for count in kinds.values())


def test_a_move_written_over_a_case_another_process_moved_is_refused(
    database_url: str, notifications: Path
) -> None:
    settings = load_settings()
    report = ingest_file(SqlUnitOfWork(database_url), notifications, settings=settings, today=DAY)
    case_id = report.opened_case_ids[0]
    with SqlUnitOfWork(database_url) as mine:
        stale = mine.cases.get(case_id)
        with SqlUnitOfWork(database_url) as theirs:
            moved = theirs.cases.get(case_id)
            moved.move_to(Status.ESCALATED, at=moved.history[-1].at, who="system", why="test")
            theirs.cases.save(moved)
            theirs.commit()
        stale.move_to(Status.LOCATED, at=stale.history[-1].at, who="system", why="stale")
        with pytest.raises(WriteConflict):
            mine.cases.save(stale)
    with SqlUnitOfWork(database_url) as uow:
        history = uow.cases.get(case_id).history
    assert [h.to_status for h in history][-1] is Status.ESCALATED
    assert "stale" not in [h.why for h in history]


def test_a_database_that_does_not_answer_is_one_clear_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Nothing listens on port 1: the connection is refused at once.
    monkeypatch.setenv("CME_DATABASE_URL", "postgresql+psycopg://cme@127.0.0.1:1/cme")
    monkeypatch.setattr(sys, "argv", ["cme", "cases"])

    with pytest.raises(SystemExit) as exited:
        main()

    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("error: the case database is unavailable (connection failed:")
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
