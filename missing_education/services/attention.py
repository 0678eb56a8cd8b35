"""One bad record stops nothing: a step that fails on one case flags that case and goes on.

A failing step is rolled back, the case is flagged "needs attention" with a reason category and
a reason that names fields (never values), and the other cases carry on. The step is tried
again on the next run (its deadline was never claimed), and the flag is cleared once it works.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from functools import partial
from typing import Any, TypeVar

from missing_education.domain import DomainError, case_reference
from missing_education.domain.attention import (
    DATA,
    LETTER,
    REASON_LIMIT,
    RULE,
    UNEXPECTED,
    Attention,
)
from missing_education.letters.errors import LetterError
from missing_education.ports import DatabaseUnavailable, UnitOfWork, WriteConflict
from missing_education.services.locks import lock_cases
from missing_education.services.procedure import Procedure, StepReport

T = TypeVar("T")

# Not a fault of the case: the whole run stops (no database) or the step is retried as it is.
NOT_THE_CASE = (DatabaseUnavailable, WriteConflict)


def classify(error: BaseException) -> tuple[str, str]:
    """A failure's category and a reason fit to keep on the case (no child's details).

    Only errors whose messages are written to name fields and references are quoted; any other
    error is named by its type alone, because its message may quote a value.
    """
    if isinstance(error, LetterError):
        return LETTER, _first_line(str(error))
    if isinstance(error, DomainError):
        return RULE, _first_line(str(error))
    if isinstance(error, ValueError | TypeError | KeyError | OverflowError):
        return DATA, f"a value in the case record could not be used ({type(error).__name__})"
    return UNEXPECTED, f"an unexpected error ({type(error).__name__}); see the service log"


def _first_line(message: str) -> str:
    lines = message.strip().splitlines()
    return (lines[0] if lines else "no reason given")[:REASON_LIMIT]


def flag(uow: UnitOfWork, case_id: int, error: BaseException, today: date) -> Attention:
    """Roll back the failed work and flag the case in a transaction of its own."""
    uow.rollback()
    category, reason = classify(error)
    made = uow.attention.flag(case_id, category, reason, today)
    uow.commit()
    return made


def guarded(
    uow: UnitOfWork, case_id: int, today: date, step: Callable[[], T], *, clear: bool = True
) -> T | Attention:
    """Run one case's step and commit it (clearing any flag); on failure flag the case instead."""
    try:
        result = step()
        if clear:
            uow.attention.clear(case_id)
        uow.commit()
    except NOT_THE_CASE:
        raise
    except Exception as error:  # one bad record stops nothing (issue 15)
        return flag(uow, case_id, error, today)
    return result


def each_case(
    procedure: Procedure, case_ids: Iterable[int], step: Callable[[int], StepReport]
) -> StepReport:
    """Run a step on each case in a transaction of its own; a failure flags that case only."""
    report = StepReport()
    uow = procedure.uow
    flagged = {attention.case_id for attention in uow.attention.all()}
    for case_id in sorted(set(case_ids)):
        kept = len(procedure.letters)
        run = partial(_locked, uow, step, case_id)
        outcome = guarded(uow, case_id, procedure.today, run, clear=case_id in flagged)
        if isinstance(outcome, Attention):
            del procedure.letters[kept:]  # rolled back: not queued after all
            report.fail(outcome.category, case_id)
        else:
            report.merge(outcome)
    report.letters = len(procedure.letters)
    return report


def _locked(uow: UnitOfWork, step: Callable[[int], StepReport], case_id: int) -> StepReport:
    lock_cases(uow, [case_id])  # two runs naming the same case take turns
    return step(case_id)


def step_summary(report: StepReport) -> dict[str, Any]:
    """A step's report as every door hands it on: counts and case ids, and the cases it flagged
    as counts by reason category and references (never the reasons, which stay on the case).
    """
    return {
        "cases": report.cases,
        "letters": report.letters,
        "actions": report.actions,
        "case_ids": report.case_ids,
        "failed": report.failed,
        "attention": [case_reference(i) for i in sorted(report.attention)],
    }
