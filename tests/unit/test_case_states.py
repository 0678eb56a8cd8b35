"""The case transition table: every status reachable, closed final, history append-only."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest

from missing_education.domain import (
    OPEN_STATUSES,
    TRANSITIONS,
    Case,
    Child,
    IllegalTransition,
    Outcome,
    PreconditionUnmet,
    Status,
)
from missing_education.domain.deadline import Step
from missing_education.domain.preconditions import PRECONDITIONS, CaseFacts

AT = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
LEGAL = sorted(TRANSITIONS)
ILLEGAL = sorted((a, b) for a in Status for b in Status if (a, b) not in TRANSITIONS)


def a_case(status: Status = Status.RECEIVED) -> Case:
    return Case(
        id=42,
        status=status,
        child=Child(forename="Amira", surname="Khan", date_of_birth=date(2015, 3, 4)),
        opened_on=date(2026, 11, 20),
        referral_date=date(2026, 11, 20),
    )


def test_every_status_is_reachable_from_received() -> None:
    reachable, frontier = {Status.RECEIVED}, [Status.RECEIVED]
    while frontier:
        here = frontier.pop()
        for a, b in TRANSITIONS:
            if a is here and b not in reachable:
                reachable.add(b)
                frontier.append(b)
    assert reachable == set(Status)


def test_every_open_status_has_a_way_out() -> None:
    assert {a for a, _ in TRANSITIONS} == set(OPEN_STATUSES)


def test_closed_is_final() -> None:
    assert not any((Status.CLOSED, to) in TRANSITIONS for to in Status)
    case = a_case(Status.CLOSED)
    for to in Status:
        with pytest.raises(IllegalTransition):
            case.move_to(to, at=AT, who="system", why="reopen")


def test_every_move_in_the_table_says_when_it_happens() -> None:
    assert all(reason.strip() for reason in TRANSITIONS.values())


# Facts under which every precondition holds: every notice served, every period over.
ALL_MET = CaseFacts(
    today=date(2027, 3, 1),
    csa_ends=date(2031, 6, 27),
    served={
        t: date(2026, 12, 1) for t in ("s437_notice", "s438_notice", "school_attendance_order")
    },
    due={
        s: date(2027, 2, 1) for s in (Step.S437_COMPLIANCE, Step.S438_CHOICE, Step.ORDER_COMPLIANCE)
    },
    answers=frozenset({("s437", "attendance_order_expedient")}),
)


@pytest.mark.parametrize(("from_status", "to_status"), LEGAL)
def test_a_move_in_the_table_is_made_and_recorded(from_status: Status, to_status: Status) -> None:
    case = a_case(from_status)
    case.move_to(to_status, at=AT, who="j.smith", why="because the table allows it", facts=ALL_MET)
    assert case.status is to_status
    assert case.history[-1].from_status is from_status
    assert case.history[-1].to_status is to_status


@pytest.mark.parametrize(("from_status", "to_status"), ILLEGAL)
def test_a_move_outside_the_table_raises_illegal_transition(
    from_status: Status, to_status: Status
) -> None:
    case = a_case(from_status)
    with pytest.raises(IllegalTransition) as raised:
        case.move_to(to_status, at=AT, who="j.smith", why="not allowed")
    assert case.status is from_status
    assert case.history == [] and case.new_history == []
    assert raised.value.from_status == from_status
    assert raised.value.to_status == to_status
    assert "CME-000042" in str(raised.value)


def test_staying_in_the_same_status_is_not_a_move() -> None:
    for status in Status:
        assert (status, status) not in TRANSITIONS


def test_history_records_who_when_and_why() -> None:
    case = a_case()
    case.move_to(Status.INVESTIGATING, at=AT, who="j.smith", why="child of school age, no roll")
    entry = case.history[0]
    assert (entry.at, entry.who, entry.why) == (AT, "j.smith", "child of school age, no roll")
    assert (entry.from_status, entry.to_status) == (Status.RECEIVED, Status.INVESTIGATING)
    assert case.new_history == [entry]


def test_history_is_appended_in_order_and_never_edited() -> None:
    case = a_case()
    case.move_to(Status.INVESTIGATING, at=AT, who="system", why="triage")
    first = case.history[0]
    case.move_to(Status.ESCALATED, at=AT, who="system", why="not located in 20 school days")
    case.move_to(Status.MONITORING, at=AT, who="m.patel", why="enquiries exhausted")
    assert case.history[0] is first
    assert [h.to_status for h in case.history] == [
        Status.INVESTIGATING,
        Status.ESCALATED,
        Status.MONITORING,
    ]
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.why = "rewritten"  # type: ignore[misc]


def test_closing_records_the_outcome_the_day_and_the_reason() -> None:
    case = a_case(Status.INVESTIGATING)
    case.close(Outcome.MOVED_ABROAD, on=date(2026, 11, 25), at=AT, who="j.smith", why="evidence")
    assert case.status is Status.CLOSED and not case.is_open
    assert case.outcome is Outcome.MOVED_ABROAD
    assert case.closed_on == date(2026, 11, 25)
    assert case.history[-1].why == "moved_abroad: evidence"


def test_a_refused_closure_leaves_no_outcome_behind() -> None:
    case = a_case(Status.CLOSED)
    with pytest.raises(IllegalTransition):
        case.close(Outcome.DIED, on=date(2026, 11, 25), at=AT, who="j.smith", why="x")
    assert case.outcome is None and case.closed_on is None


def test_the_case_reference_is_six_digits() -> None:
    assert a_case().reference == "CME-000042"


@pytest.mark.parametrize(("from_status", "to_status"), sorted(PRECONDITIONS))
def test_a_move_the_law_conditions_is_refused_without_the_facts_and_says_why(
    from_status: Status, to_status: Status
) -> None:
    case = a_case(from_status)
    with pytest.raises(PreconditionUnmet, match="facts were not given"):
        case.move_to(to_status, at=AT, who="j.smith", why="no facts")
    nothing = CaseFacts(
        today=date(2032, 1, 1), csa_ends=date(2031, 6, 27), date_of_birth_known=False
    )
    with pytest.raises(PreconditionUnmet) as raised:
        case.move_to(to_status, at=AT, who="j.smith", why="nothing done", facts=nothing)
    assert len(raised.value.reasons) == len(PRECONDITIONS[(from_status, to_status)])
    assert all(reason.strip() for reason in raised.value.reasons)
    assert case.status is from_status and case.history == []
