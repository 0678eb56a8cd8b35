"""What must hold before a case may take a move the law conditions: the preconditions table.

`TRANSITIONS` (states.py) says which moves exist; `PRECONDITIONS` says, for the moves the law
conditions, what the case record must show first (a notice served, its period over, a recorded
decision, the child's date of birth known and the child of compulsory school age).
`Case.move_to` refuses such a move, with every unmet reason, unless it is given the facts and
they hold: no door can take it otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from missing_education.domain.deadline import Step
from missing_education.domain.states import TRANSITIONS, Status


@dataclass(frozen=True)
class CaseFacts:
    """What the case record shows on a day, as the preconditions read it."""

    today: date
    csa_ends: date | None = None
    # False when the notification gave no date of birth and none has been recorded since.
    date_of_birth_known: bool = True
    # Letter type -> the day its current letter was served (posted and deemed delivered).
    served: Mapping[str, date] = field(default_factory=dict)
    # Step -> the last day allowed by its latest deadline.
    due: Mapping[Step, date] = field(default_factory=dict)
    # (decision kind, answer) pairs given on the case.
    answers: frozenset[tuple[str, str]] = frozenset()


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _date_of_birth_known(f: CaseFacts) -> str | None:
    if not f.date_of_birth_known:
        return (
            "the child's date of birth is not known, so compulsory school age (Education Act "
            "1996 s8) and the year group cannot be checked: record it first (cme case correct "
            "ID date_of_birth YYYY-MM-DD, or in the workspace)"
        )
    return None


def _of_school_age(f: CaseFacts) -> str | None:
    if f.csa_ends is not None and f.today > f.csa_ends:
        return (
            f"the child ceased to be of compulsory school age on {_long(f.csa_ends)}: "
            "no notice or order may follow (Education Act 1996 s8, s437(4))"
        )
    return None


def _served(letter_type: str, words: str) -> Callable[[CaseFacts], str | None]:
    def check(f: CaseFacts) -> str | None:
        served = f.served.get(letter_type)
        if served is None or served > f.today:
            return (
                f"the {words} has not been served yet: its period starts when it is posted "
                "(cme letters confirm-batch) and deemed delivered"
            )
        return None

    return check


def _period_over(step: Step, words: str) -> Callable[[CaseFacts], str | None]:
    def check(f: CaseFacts) -> str | None:
        due = f.due.get(step)
        if due is None:
            return f"{words} has not started (the notice is not served)"
        if f.today <= due:
            return f"{words} runs until {_long(due)}: nothing may follow before it is over"
        return None

    return check


def _answered(kind: str, answer: str, words: str) -> Callable[[CaseFacts], str | None]:
    def check(f: CaseFacts) -> str | None:
        return None if (kind, answer) in f.answers else words

    return check


class Precondition(StrEnum):
    """A condition the law puts on a move, with what it means in plain words."""

    words: str

    def __new__(cls, code: str, words: str) -> Precondition:
        member = str.__new__(cls, code)
        member._value_ = code
        member.words = words
        return member

    DATE_OF_BIRTH_KNOWN = "date_of_birth_known", "the child's date of birth is known"
    OF_SCHOOL_AGE = "of_school_age", "the child is of compulsory school age"
    S437_SERVED = "s437_served", "the s437(1) notice has been served"
    S437_PERIOD_OVER = "s437_period_over", "the s437(1) period (from service) is over"
    ORDER_EXPEDIENT = "order_expedient", "a coordinator decided an order is expedient (s437(3))"
    S438_SERVED = "s438_served", "the s438 notice of intention has been served"
    S438_PERIOD_OVER = "s438_period_over", "the parent's 15 days to choose a school are over"
    ORDER_SERVED = "order_served", "the school attendance order has been served"
    COMPLIANCE_DATE_PASSED = "compliance_date_passed", "the date to comply with the order passed"


CHECKS: dict[Precondition, Callable[[CaseFacts], str | None]] = {
    Precondition.DATE_OF_BIRTH_KNOWN: _date_of_birth_known,
    Precondition.OF_SCHOOL_AGE: _of_school_age,
    Precondition.S437_SERVED: _served("s437_notice", "s437(1) notice"),
    Precondition.S437_PERIOD_OVER: _period_over(
        Step.S437_COMPLIANCE, "the parent's period to satisfy us (s437(1))"
    ),
    Precondition.ORDER_EXPEDIENT: _answered(
        "s437",
        "attendance_order_expedient",
        "no coordinator has recorded that an attendance order is expedient (s437(3))",
    ),
    Precondition.S438_SERVED: _served("s438_notice", "s438 notice of intention"),
    Precondition.S438_PERIOD_OVER: _period_over(
        Step.S438_CHOICE, "the parent's period to choose a school (s438)"
    ),
    Precondition.ORDER_SERVED: _served("school_attendance_order", "school attendance order"),
    Precondition.COMPLIANCE_DATE_PASSED: _period_over(
        Step.ORDER_COMPLIANCE, "the time the order gives to register the child"
    ),
}

# The moves the law conditions, and on what. A move not listed has no precondition beyond the
# transition table itself. Every step that rests on compulsory school age, and every referral
# for a school place (a place needs a year group), first needs the date of birth.
_KNOWN_AGE = (Precondition.DATE_OF_BIRTH_KNOWN, Precondition.OF_SCHOOL_AGE)
_PLACE = (Precondition.DATE_OF_BIRTH_KNOWN,)
PRECONDITIONS: dict[tuple[Status, Status], tuple[Precondition, ...]] = {
    (Status.INVESTIGATING, Status.S437_ISSUED): _KNOWN_AGE,
    (Status.LOCATED, Status.S437_ISSUED): _KNOWN_AGE,
    (Status.S437_ISSUED, Status.S438_ISSUED): (
        *_KNOWN_AGE,
        Precondition.S437_SERVED,
        Precondition.S437_PERIOD_OVER,
        Precondition.ORDER_EXPEDIENT,
    ),
    (Status.S438_ISSUED, Status.ATTENDANCE_ORDER): (
        *_KNOWN_AGE,
        Precondition.S438_SERVED,
        Precondition.S438_PERIOD_OVER,
    ),
    (Status.ATTENDANCE_ORDER, Status.PROSECUTION): (
        Precondition.DATE_OF_BIRTH_KNOWN,
        Precondition.ORDER_SERVED,
        Precondition.COMPLIANCE_DATE_PASSED,
    ),
    (Status.INVESTIGATING, Status.AWAITING_ADMISSION): _PLACE,
    (Status.LOCATED, Status.AWAITING_ADMISSION): _PLACE,
    (Status.S437_ISSUED, Status.AWAITING_ADMISSION): _PLACE,
    (Status.ESCALATED, Status.AWAITING_ADMISSION): _PLACE,
    (Status.MONITORING, Status.AWAITING_ADMISSION): _PLACE,
    (Status.AWAITING_ADMISSION, Status.FAIR_ACCESS): _PLACE,
}


def preconditions(from_status: Status, to_status: Status) -> tuple[Precondition, ...]:
    """What a move needs before it may be taken (empty: the table alone decides)."""
    return PRECONDITIONS.get((from_status, to_status), ())


def unmet(from_status: Status, to_status: Status, facts: CaseFacts | None) -> list[str]:
    """Why the move may not be taken now: one reason per unmet precondition (empty: it may)."""
    needed = preconditions(from_status, to_status)
    if not needed:
        return []
    if facts is None:
        return ["the case's facts were not given, so its preconditions cannot be checked"]
    return [reason for p in needed if (reason := CHECKS[p](facts)) is not None]


def readme_table() -> str:
    """The README's table of the moves the law conditions, generated from PRECONDITIONS."""
    lines = [
        README_BEGIN,
        "| from | to | only when |",
        "| --- | --- | --- |",
    ]
    for (a, b), needed in PRECONDITIONS.items():
        lines.append(f"| `{a.value}` | `{b.value}` | {'; '.join(p.words for p in needed)} |")
    lines.append(README_END)
    return "\n".join(lines)


README_BEGIN = (
    "<!-- preconditions:begin (generated by `python -m missing_education.domain.preconditions`) -->"
)
README_END = "<!-- preconditions:end -->"


def _check_table() -> None:
    for move in PRECONDITIONS:
        if move not in TRANSITIONS:
            raise AssertionError(f"a precondition on a move the table does not have: {move}")
    missing = set(Precondition) - set(CHECKS)
    if missing:
        raise AssertionError(f"preconditions without a check: {sorted(missing)}")


_check_table()


if __name__ == "__main__":
    print(readme_table())
