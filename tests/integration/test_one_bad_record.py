"""One bad record stops nothing (issue 15): a case a step fails on is flagged, the rest go on.

The bad record here is a case whose letters cannot be recorded (an error injected where the
letter's context is made, for that case only): a fault in one case's letters, whatever its
cause, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from missing_education.cli import app
from missing_education.domain import NOTIFICATION_COLUMNS, Status
from missing_education.domain.deadline import Step
from missing_education.persistence import SqlUnitOfWork
from missing_education.services import letters as issuing
from missing_education.services.attention import step_summary
from missing_education.services.calendar import CALENDAR_COLUMNS, import_calendar, load_calendar
from missing_education.services.procedure import Procedure, StepReport
from missing_education.services.receiving import receive_file
from missing_education.services.sweep import review_and_typeset, review_cases
from missing_education.settings import Settings, load_settings
from synthetic.council import autumn_2026_calendar, write_csv

REFERRAL = date(2026, 11, 16)


def rows(count: int) -> list[dict[str, str]]:
    return [
        {
            "forename": f"Child{chr(ord('a') + n)}",
            "surname": "Khan",
            "date_of_birth": f"2015-03-{n + 1:02d}",
            "sex": "F",
            "referral_date": REFERRAL.isoformat(),
            "referrer_name": "J. Patel",
            "referrer_organisation": "Matlock Primary School",
            "referrer_email": "office@matlock-primary.example",
            "reason": "deleted_from_roll_ground_i",
        }
        for n in range(count)
    ]


class BrokenLetters:
    """Letters of the cases named cannot be recorded (OSError) until `fix()`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *case_ids: int) -> None:
        self.case_ids = set(case_ids)
        real = issuing.letter_context

        def letter_context(
            request: issuing.LetterRequest, settings: Settings, today: date
        ) -> Mapping[str, object]:
            if request.case.id in self.case_ids:
                raise OSError(28, "No space left on device")
            return real(request, settings, today)

        monkeypatch.setattr(issuing, "letter_context", letter_context)

    def fix(self) -> None:
        self.case_ids.clear()


def setup(url: str, tmp_path: Path) -> None:
    write_csv(tmp_path / "calendar.csv", autumn_2026_calendar(), CALENDAR_COLUMNS)
    import_calendar(SqlUnitOfWork(url), tmp_path / "calendar.csv")


def sweep(url: str, settings: Settings, today: date) -> dict[str, Any]:
    """The daily case review's summary, as `cme sweep --json` prints it."""
    return step_summary(review_and_typeset(SqlUnitOfWork(url), settings=settings, today=today))


def test_intake_flags_the_case_whose_letters_fail_and_acknowledges_every_other(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup(database_url, tmp_path)
    BrokenLetters(monkeypatch, 3)
    path = write_csv(tmp_path / "n.csv", rows(5), NOTIFICATION_COLUMNS)
    settings = load_settings()
    report = receive_file(
        SqlUnitOfWork(database_url), path, settings=settings, today=REFERRAL
    ).as_dict()
    assert report["opened"] == 5
    assert report["failed"] == {"unexpected": 1}
    assert report["attention"] == ["CME-000003"]
    with SqlUnitOfWork(database_url) as uow:
        flagged = uow.attention.all()
        acknowledged = {
            case_id
            for case_id in range(1, 6)
            if any(x.letter_type == "acknowledgement" for x in uow.letters.for_case(case_id))
        }
    assert [a.case_id for a in flagged] == [3]
    assert "OSError" in flagged[0].reason
    assert acknowledged == {1, 2, 4, 5}


def test_an_investigation_that_fails_after_asking_a_visit_keeps_nothing_and_the_batch_goes_on(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Investigations run a batch per commit; a visit is written past the batch's staging, so
    # the failed case's visit must go with the rest of its work.
    setup(database_url, tmp_path)
    real = Procedure.assign_waiting_visits

    def assign_waiting_visits(
        self: Procedure, *, only_case: int | None = None, report: StepReport
    ) -> None:
        real(self, only_case=only_case, report=report)
        if only_case == 3:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(Procedure, "assign_waiting_visits", assign_waiting_visits)
    with_addresses = [
        {**row, "address_line1": f"{n + 1} Mill Lane", "postcode": "DE4 3AG"}
        for n, row in enumerate(rows(5))
    ]
    path = write_csv(tmp_path / "n.csv", with_addresses, NOTIFICATION_COLUMNS)
    report = receive_file(
        SqlUnitOfWork(database_url), path, settings=load_settings(), today=REFERRAL
    ).as_dict()
    assert report["failed"] == {"unexpected": 1}
    assert report["attention"] == ["CME-000003"]
    with SqlUnitOfWork(database_url) as uow:
        visited = {v.case_id for v in uow.directory.visits()}
        letters_of_3 = {x.letter_type for x in uow.letters.for_case(3)}
        decisions_of_3 = uow.decisions.for_case(3)
        asked_of_others = {d.case_id for d in uow.decisions.waiting()} - {3}
    assert visited == {1, 2, 4, 5}
    assert letters_of_3 == {"acknowledgement"}
    assert decisions_of_3 == []
    assert asked_of_others == {1, 2, 4, 5}


def test_the_sweep_escalates_every_other_case_flags_the_bad_one_and_retries_it_next_day(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup(database_url, tmp_path)
    path = write_csv(tmp_path / "n.csv", rows(5), NOTIFICATION_COLUMNS)
    settings = load_settings()
    receive_file(SqlUnitOfWork(database_url), path, settings=settings, today=REFERRAL)
    broken = BrokenLetters(monkeypatch, 2)
    with SqlUnitOfWork(database_url) as uow:
        calendar = load_calendar(uow)
        locate_by = next(d.due for d in uow.deadlines.for_case(1) if d.step is Step.LOCATE_CHILD)
    day_after = calendar.add_school_days(locate_by, 1)

    result = step_summary(
        review_cases(SqlUnitOfWork(database_url), settings=settings, today=day_after)
    )

    assert result["actions"]["escalated_not_located"] == 4
    assert result["failed"] == {"unexpected": 1}
    assert result["attention"] == ["CME-000002"]
    with SqlUnitOfWork(database_url) as uow:
        statuses = {i: uow.cases.get(i).status for i in range(1, 6)}
        assert uow.attention.get(2) is not None
        # Nothing of the failed step was kept: its deadline waits for the next sweep.
        assert any(d.is_open for d in uow.deadlines.for_case(2) if d.step is Step.LOCATE_CHILD)
    assert statuses[2] is Status.INVESTIGATING
    assert all(statuses[i] is Status.ESCALATED for i in (1, 3, 4, 5))

    # The coordinator sees it in the case list and on the case.
    listed = CliRunner().invoke(app, ["cases", "--attention"])
    assert listed.exit_code == 0, listed.output
    assert "CME-000002" in listed.output and "NEEDS ATTENTION (unexpected)" in listed.output
    assert "CME-000001" not in listed.output
    shown = CliRunner().invoke(app, ["case", "show", "2"])
    assert "NEEDS ATTENTION (unexpected" in shown.output

    # Fixed: the next sweep escalates it and the flag goes.
    broken.fix()
    next_day = calendar.add_school_days(day_after, 1)
    again = step_summary(
        review_cases(SqlUnitOfWork(database_url), settings=settings, today=next_day)
    )
    assert again["actions"] == {"escalated_not_located": 1}
    assert again["failed"] == {}
    with SqlUnitOfWork(database_url) as uow:
        assert uow.cases.get(2).status is Status.ESCALATED
        assert uow.attention.all() == []


def test_cme_sweep_says_how_many_cases_need_attention_and_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = load_settings().effective_database_url
    setup(url, tmp_path)
    path = write_csv(tmp_path / "n.csv", rows(3), NOTIFICATION_COLUMNS)
    receive_file(SqlUnitOfWork(url), path, settings=load_settings(), today=REFERRAL)
    BrokenLetters(monkeypatch, 1)
    with SqlUnitOfWork(url) as uow:
        calendar = load_calendar(uow)
        locate_by = next(d.due for d in uow.deadlines.for_case(1) if d.step is Step.LOCATE_CHILD)
    monkeypatch.setenv("CME_TODAY", calendar.add_school_days(locate_by, 1).isoformat())
    result = CliRunner().invoke(app, ["sweep"])
    assert result.exit_code == 1
    assert "escalated not located: 2" in result.stdout
    assert "1 case needs attention (unexpected: 1): CME-000001" in result.stderr
    assert "Traceback" not in result.output


def test_a_case_row_that_cannot_even_be_read_is_flagged_and_the_sweep_goes_on(
    tmp_path: Path,
) -> None:
    # SQLite stores whatever it is given: a date a tool outside this service wrote wrongly.
    import sqlite3

    url = load_settings().effective_database_url
    setup(url, tmp_path)
    path = write_csv(
        tmp_path / "n.csv",
        [{**r, "address_line1": "1 Mill Road", "postcode": "DE4 3AB"} for r in rows(4)],
        NOTIFICATION_COLUMNS,
    )
    receive_file(SqlUnitOfWork(url), path, settings=load_settings(), today=REFERRAL)
    with SqlUnitOfWork(url) as uow:
        calendar = load_calendar(uow)
        locate_by = next(d.due for d in uow.deadlines.for_case(1) if d.step is Step.LOCATE_CHILD)
    database = url.removeprefix("sqlite:///")
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE cases SET date_of_birth = 'not a date' WHERE id = 3")

    result = step_summary(
        review_cases(
            SqlUnitOfWork(url),
            settings=load_settings(),
            today=calendar.add_school_days(locate_by, 1),
        )
    )

    assert result["actions"]["escalated_not_located"] == 3
    assert result["failed"] == {"data": 1}
    assert result["attention"] == ["CME-000003"]
    with SqlUnitOfWork(url) as uow:
        [flagged] = uow.attention.all()
    assert flagged.case_id == 3
    assert "not a date" not in flagged.reason  # named by its type, never by the value
