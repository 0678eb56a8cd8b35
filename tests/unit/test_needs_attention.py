"""A step failing on one case flags that case and leaves the others alone (on fakes)."""

from __future__ import annotations

from datetime import date

import pytest

from missing_education.domain import DecisionRefused, Status, parse_notification
from missing_education.letters import LetterError
from missing_education.services.attention import classify, each_case
from missing_education.services.procedure import Procedure, StepReport
from missing_education.settings import Settings
from tests.fakes import FakeUnitOfWork

DAY = date(2026, 11, 30)


def with_cases(count: int) -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    with uow:
        for n in range(count):
            row = {
                "forename": f"Child{chr(97 + n)}",
                "surname": "Khan",
                "date_of_birth": "2015-03-04",
                "referral_date": "2026-11-16",
                "referrer_organisation": "Matlock Primary",
            }
            notification = parse_notification(row, today=DAY)
            uow.cases.add(notification, status=Status.INVESTIGATING, opened_on=DAY)
        uow.commit()
    return uow


def step_failing_on(bad: set[int], uow: FakeUnitOfWork):  # type: ignore[no-untyped-def]
    def step(case_id: int) -> StepReport:
        report = StepReport()
        if case_id in bad:
            raise ValueError("Amira Khan, born 2015-03-04")  # a message quoting a record
        report.count("done", case_id)
        return report

    return step


def test_each_case_flags_the_failing_case_and_runs_every_other() -> None:
    uow = with_cases(3)
    with uow:
        procedure = Procedure(uow, Settings(), DAY)
        uow.attention.flag(1, "letter", "an earlier failure", date(2026, 11, 1))
        uow.commit()
        report = each_case(procedure, [1, 2, 3], step_failing_on({2}, uow))
    assert report.actions == {"done": 2}
    assert report.attention == {2: "data"}
    assert report.failed == {"data": 1}
    flagged = {a.case_id: a for a in uow.store.attention.values()}
    assert list(flagged) == [2]  # case 1 worked this time: its old flag is cleared
    assert "Amira" not in flagged[2].reason and "2015" not in flagged[2].reason


def test_a_case_failing_again_keeps_its_first_day_and_counts_the_runs() -> None:
    uow = with_cases(5)
    with uow:
        procedure = Procedure(uow, Settings(), DAY)
        each_case(procedure, [5], step_failing_on({5}, uow))
        procedure.today = date(2026, 12, 1)
        each_case(procedure, [5], step_failing_on({5}, uow))
    [flag] = uow.store.attention.values()
    assert (flag.since, flag.attempts) == (DAY, 2)


@pytest.mark.parametrize(
    ("error", "category", "shown"),
    [
        (LetterError("acknowledgement: child.forename is missing"), "letter", True),
        (DecisionRefused("CME-000001 is closed"), "rule", True),
        (KeyError("Amira"), "data", False),
        (OSError("/letters/amira-khan.pdf"), "unexpected", False),
    ],
)
def test_only_messages_written_to_name_fields_are_kept_on_the_case(
    error: Exception, category: str, shown: bool
) -> None:
    found, reason = classify(error)
    assert found == category
    assert (str(error).strip("'") in reason) is shown
