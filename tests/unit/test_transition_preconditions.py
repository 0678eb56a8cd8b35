"""No move in the transition table is taken without its preconditions (a property, on fakes).

Hypothesis drives a case through random days, daily reviews, print batches and decisions (any
kind, any answer, due or not). Every move the case takes must be in the table, and a move the
law conditions must find its preconditions held, judged by this test's own reading of the
store at the moment of the move (not the code's). Every refused decision must say why.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, target
from hypothesis import strategies as st

from missing_education.domain import (
    TRANSITIONS,
    Case,
    DomainError,
    PreconditionUnmet,
    Status,
    parse_notification,
)
from missing_education.domain.deadline import Step
from missing_education.domain.decision import VOCABULARY, DecisionKind
from missing_education.domain.directory import School
from missing_education.domain.letter import Delivery
from missing_education.domain.preconditions import Precondition, preconditions
from missing_education.rules.calendar import CalendarPeriod
from missing_education.services import outbox
from missing_education.services.intake import ingest_rows, triage_cases
from missing_education.services.outbox import confirm_print_batch, make_up_post
from missing_education.services.procedure import Procedure
from missing_education.services.sweep import review_cases
from missing_education.settings import Settings
from synthetic.council import autumn_2026_calendar
from synthetic.simulation import skip_typesetting
from tests.fakes import FakeStore, FakeUnitOfWork

START = date(2026, 11, 16)
SCHOOLS = [
    School("112233", "Matlock Primary School", "office@matlock-primary.example"),
    School("144556", "Chesterfield Academy", "admin@chesterfield-academy.example"),
]


def _calendar() -> list[CalendarPeriod]:
    return [
        CalendarPeriod(
            r["school_urn"] or None,
            date.fromisoformat(r["start_date"]),
            date.fromisoformat(r["end_date"]),
            r["kind"],  # type: ignore[arg-type]
        )
        for r in autumn_2026_calendar()
    ]


@pytest.fixture(autouse=True)
def quick_letters(monkeypatch: pytest.MonkeyPatch) -> None:
    """Templates filled for real, typesetting skipped; a print batch's PDFs joined as bytes."""
    skip_typesetting(monkeypatch.setattr)
    monkeypatch.setattr(outbox, "merge_pdfs", lambda pdfs: b"".join(pdfs))


class Oracle:
    """This test's own reading of the store: what holds for a case on a day."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store

    def served(self, case_id: int, letter_type: str, today: date) -> bool:
        return any(
            x.case_id == case_id
            and x.letter_type == letter_type
            and x.status not in (Delivery.WITHDRAWN, Delivery.CANCELLED)
            and x.served_on is not None
            and x.served_on <= today
            for x in self.store.letters.values()
        )

    def over(self, case_id: int, step: Step, today: date) -> bool:
        rounds = [d for d in self.store.deadlines if d.case_id == case_id and d.step is step]
        return bool(rounds) and max(rounds, key=lambda d: d.round).due < today

    def holds(self, p: Precondition, case: Case, today: date) -> bool:
        cid = case.id
        checks = {
            Precondition.DATE_OF_BIRTH_KNOWN: case.child.date_of_birth is not None,
            Precondition.OF_SCHOOL_AGE: case.csa_ends is None or today <= case.csa_ends,
            Precondition.S437_SERVED: self.served(cid, "s437_notice", today),
            Precondition.S437_PERIOD_OVER: self.over(cid, Step.S437_COMPLIANCE, today),
            Precondition.ORDER_EXPEDIENT: any(
                (d.case_id, d.kind, d.answer) == (cid, "s437", "attendance_order_expedient")
                for d in self.store.decisions
            ),
            Precondition.S438_SERVED: self.served(cid, "s438_notice", today),
            Precondition.S438_PERIOD_OVER: self.over(cid, Step.S438_CHOICE, today),
            Precondition.ORDER_SERVED: self.served(cid, "school_attendance_order", today),
            Precondition.COMPLIANCE_DATE_PASSED: self.over(cid, Step.ORDER_COMPLIANCE, today),
        }
        return checks[p]


@pytest.fixture
def watched_moves(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[Status, Status, Any]]]:
    """Every move a case takes, with the day and whether this test found its conditions held."""
    taken: list[tuple[Status, Status, Any]] = []
    original = Case.move_to

    def move_to(self: Case, to_status: Status, **kwargs: Any) -> None:
        before = self.status
        facts = kwargs.get("facts")
        original(self, to_status, **kwargs)
        taken.append((before, to_status, (self, facts.today if facts else None)))

    monkeypatch.setattr(Case, "move_to", move_to)
    yield taken


def open_case(uow: FakeUnitOfWork, settings_: Settings, born: str) -> int:
    row = {
        "forename": "Priya",
        "surname": "Khan",
        "date_of_birth": born,
        "referral_date": START.isoformat(),
        "referrer_organisation": "Matlock Primary School",
        "referrer_email": "office@matlock-primary.example",
        "address_line1": "12 Mill Road",
        "town": "Matlock",
        "postcode": "DE4 3AB",
        "parent_name": "Nadia Khan",
        "school_urn": "112233",
        "school_name": "Matlock Primary School",
    }
    report = ingest_rows(
        uow,
        [(2, parse_notification(row, today=START))],
        source="n.csv",
        settings=settings_,
        today=START,
    )
    (case_id,) = report.opened_case_ids
    triage_cases(uow, [case_id], today=START)
    with uow:
        procedure = Procedure(uow, settings_, START)
        procedure.acknowledge([case_id])
        procedure.investigate(case_id)
        uow.commit()
    return case_id


STEP = st.sampled_from(["day", "day", "sweep", "post", "post", "decide", "decide", "decide"])
ROUTE = (Status.S437_ISSUED, Status.S438_ISSUED, Status.ATTENDANCE_ORDER, Status.PROSECUTION)
# The answers that take the attendance order route a stage further, drawn often enough for
# random runs to reach its later stages (any answer may still be drawn).
FURTHER = {
    DecisionKind.S437: "attendance_order_expedient",
    DecisionKind.S438: "no_choice",
    DecisionKind.ATTENDANCE_ORDER: "not_complying",
}


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_move_is_taken_without_its_preconditions_and_every_refusal_says_why(
    data: st.DataObject, tmp_path: Path, watched_moves: list[tuple[Status, Status, Any]]
) -> None:
    watched_moves.clear()
    settings_ = replace(Settings(), home=tmp_path / uuid.uuid4().hex)
    uow = FakeUnitOfWork()
    uow.store.calendar = _calendar()
    uow.store.schools = {s.urn: s for s in SCHOOLS}
    uow.commit()
    # Sixteen in January 2027 (school age ends 25 June 2027), years from the end, or not known.
    born = data.draw(st.sampled_from(["2011-01-10", "2015-03-04", ""]), label="born")
    case_id = open_case(uow, settings_, born)
    oracle = Oracle(uow.store)
    today = START
    if data.draw(st.sampled_from([True, True, True, False]), label="parent refuses at once"):
        moves_before = len(watched_moves)
        try:
            with uow:
                Procedure(uow, settings_, today).decide(
                    case_id, "home_visit", "refuses_education", who="sim", details={}
                )
                uow.commit()
        except PreconditionUnmet as refused:
            # No s437 notice while the date of birth is not known (compulsory school age).
            assert not born and "date of birth is not known" in str(refused)
            del watched_moves[moves_before:]

    for _ in range(data.draw(st.integers(5, 40), label="steps")):
        step = data.draw(STEP)
        moves_before = len(watched_moves)
        if step == "day":
            today += timedelta(days=data.draw(st.sampled_from([1, 1, 2, 3, 5, 8, 15, 20])))
        elif step == "sweep":
            review_cases(uow, settings=settings_, today=today)
        elif step == "post":
            made = make_up_post(uow, settings=settings_, today=today)
            if made.batch is not None:
                confirm_print_batch(uow, made.batch.id, settings=settings_, posted_on=today)
        else:
            pending = sorted({d.kind for d in uow.store.decisions if d.is_open})
            due = pending and data.draw(st.integers(0, 9)) < 8
            kind = DecisionKind(data.draw(st.sampled_from(pending if due else list(DecisionKind))))
            answers = [a.value for a in VOCABULARY[kind].answers]
            further = FURTHER.get(kind) if data.draw(st.integers(0, 4)) else None
            answer = further or data.draw(st.sampled_from(answers))
            details = data.draw(
                st.sampled_from(
                    [{}, {"named_school_urn": "144556"}, {"named_school_urn": "999999"}]
                )
            )
            status_before = uow.store.cases[case_id].status
            try:
                with uow:
                    Procedure(uow, settings_, today).decide(
                        case_id, kind.value, answer, who="sim", details=details
                    )
                    uow.commit()
            except DomainError as refused:
                assert str(refused).strip(), f"{kind}={answer} refused without a reason"
                if isinstance(refused, PreconditionUnmet):
                    assert refused.reasons and all(r.strip() for r in refused.reasons)
                # A refusal changes nothing: the case is where it was.
                assert uow.store.cases[case_id].status is status_before
                del watched_moves[moves_before:]  # rolled back with the refusal
        for before, after, (case, on) in watched_moves[moves_before:]:
            assert (before, after) in TRANSITIONS
            for condition in preconditions(before, after):
                assert on is not None, f"{before}->{after} taken without facts"
                assert oracle.holds(condition, case, on), (
                    f"{before} -> {after} on {on} without: {condition.words}"
                )

    # Steer generation towards the later stages of the route (Hypothesis's targeting).
    reached = {entry.to_status for entry in uow.store.cases[case_id].history}
    target(float(sum(status in reached for status in ROUTE)), label="route stages reached")
    history = uow.store.cases[case_id].history
    for entry in history:
        if entry.from_status is not None and entry.from_status is not entry.to_status:
            assert (entry.from_status, entry.to_status) in TRANSITIONS
