"""The facts of a case as the preconditions of a move read them, gathered from the record."""

from __future__ import annotations

from datetime import date

from missing_education.domain import Case
from missing_education.domain.deadline import Step
from missing_education.domain.letter import Delivery, LetterRecord
from missing_education.domain.preconditions import CaseFacts
from missing_education.ports import UnitOfWork

# Letters that never went out: they serve nothing and state nothing.
NOT_SENT = (Delivery.WITHDRAWN, Delivery.CANCELLED)


def current_letter(uow: UnitOfWork, case_id: int, letter_type: str) -> LetterRecord | None:
    """The case's latest letter of a type that was not withdrawn (a remade one replaces it)."""
    found = [
        x
        for x in uow.letters.for_case(case_id)
        if x.letter_type == letter_type and x.status not in NOT_SENT
    ]
    return found[-1] if found else None


def latest_due(uow: UnitOfWork, case_id: int, step: Step) -> date | None:
    """The last day allowed by a step's latest deadline, if it has one."""
    rounds = [d for d in uow.deadlines.for_case(case_id) if d.step is step]
    return max(rounds, key=lambda d: d.round).due if rounds else None


def case_facts(uow: UnitOfWork, case: Case, today: date) -> CaseFacts:
    """What the record shows today: letters served, deadlines' last days, answers given."""
    served: dict[str, date] = {}
    for letter in uow.letters.for_case(case.id):  # oldest first: the latest letter wins
        if letter.status not in NOT_SENT and letter.served_on is not None:
            served[letter.letter_type] = letter.served_on
    due: dict[Step, date] = {}
    for deadline in sorted(uow.deadlines.for_case(case.id), key=lambda d: d.round):
        due[deadline.step] = deadline.due
    answers = frozenset(
        (d.kind, d.answer) for d in uow.decisions.for_case(case.id) if d.answer is not None
    )
    return CaseFacts(
        today=today,
        csa_ends=case.csa_ends,
        date_of_birth_known=case.child.date_of_birth is not None,
        served=served,
        due=due,
        answers=answers,
    )
