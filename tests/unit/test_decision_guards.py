"""The one rule every door follows: a decision is taken only while it is pending on its case."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import pytest

from missing_education import services
from missing_education.domain import DecisionRefused, Status, parse_notification
from missing_education.domain.decision import DECISIONS, VOCABULARY, DecisionKind
from missing_education.services.decisions import (
    AwaitingDecision,
    answer_decision,
    awaiting_decisions,
    most_urgent,
)
from missing_education.settings import Settings
from tests.fakes import FakeStore, FakeUnitOfWork

TODAY = date(2026, 11, 25)
SETTINGS = Settings()


class RecordedRuns:
    """The DecisionRuns port, remembering what the service asked of it."""

    def __init__(self) -> None:
        self.asked: list[int] = []
        self.finished: list[str] = []

    def ask(self, case_ids: Sequence[int]) -> None:
        self.asked.extend(case_ids)

    def finish(self, flow_run_ids: Sequence[str]) -> None:
        self.finished.extend(flow_run_ids)


def open_case(
    uow: FakeUnitOfWork, *asked: str, status: Status = Status.INVESTIGATING, **changes: str
) -> int:
    """A case opened today in `status`, with these decisions asked (each with a run)."""
    row = {
        "forename": "Amira",
        "surname": "Khan",
        "date_of_birth": "2015-03-04",
        "referral_date": "2026-11-20",
        "referrer_organisation": "Matlock Primary",
        **changes,
    }
    report = services.ingest_rows(
        uow,
        [(2, parse_notification(row, today=TODAY))],
        source="n.csv",
        settings=SETTINGS,
        today=TODAY,
    )
    (case_id,) = report.opened_case_ids
    with uow:
        case = uow.cases.get(case_id)
        case.status = status
        uow.cases.save(case)
        for kind in asked:
            request = uow.decisions.request(case_id, kind, TODAY)
            uow.decisions.attach_flow_run(request, f"run-{kind}")
        uow.commit()
    return case_id


def answer(
    uow: FakeUnitOfWork,
    case_id: int,
    kind: str,
    value: str,
    *,
    who: str = "A. Coordinator",
    runs: RecordedRuns | None = None,
    in_run: str | None = None,
    on: date = TODAY,
    **details: str,
) -> services.decisions.DecisionResult:
    return answer_decision(
        uow,
        case_id,
        kind,
        value,
        who=who,
        details=dict(details),
        settings=SETTINGS,
        today=on,
        runs=runs or RecordedRuns(),
        in_run=in_run,
    )


@pytest.mark.parametrize("status", [s for s in Status if s is not Status.CLOSED])
def test_an_unasked_decision_is_refused_on_every_open_status_naming_what_is_pending(
    status: Status,
) -> None:
    uow = FakeUnitOfWork(FakeStore())
    case_id = open_case(uow, "home_visit", status=status)

    with pytest.raises(DecisionRefused) as refused:
        answer(uow, case_id, "admissions", "placed")

    message = str(refused.value)
    assert "CME-000001 is not waiting for decision admissions" in message
    assert f"it is {status.value} and waiting for: home_visit" in message
    assert uow.cases.get(case_id).status is status


def test_a_case_waiting_for_nothing_says_so() -> None:
    uow = FakeUnitOfWork(FakeStore())
    case_id = open_case(uow)

    with pytest.raises(DecisionRefused, match="waiting for: no decision"):
        answer(uow, case_id, "school_reply", "on_roll_here")


def test_the_same_answer_twice_is_applied_once_and_the_second_attempt_is_told_so() -> None:
    uow = FakeUnitOfWork(FakeStore())
    case_id = open_case(uow, "home_visit")

    first = answer(uow, case_id, "home_visit", "not_at_address")
    second = answer(uow, case_id, "home_visit", "not_at_address")

    assert first.applied and not second.applied
    assert "had already been recorded; nothing was done twice" in second.message
    answered = [d for d in uow.decisions.for_case(case_id) if d.answer]
    assert len(answered) == 1


def test_a_different_second_answer_is_refused_and_names_the_first() -> None:
    uow = FakeUnitOfWork(FakeStore())
    case_id = open_case(uow, "home_visit")
    answer(uow, case_id, "home_visit", "not_at_address", who="A. Officer")

    with pytest.raises(DecisionRefused, match=r"already answered: not_at_address by A\. Officer"):
        answer(uow, case_id, "home_visit", "family_found_no_place")

    assert uow.cases.get(case_id).status is Status.INVESTIGATING


@pytest.mark.parametrize(
    ("who", "reason"),
    [
        ("", "say who decided"),
        ("   ", "say who decided"),
        ("A. Officer\nforged audit line", "one line"),
        ("A. Officer\tTab", "one line"),
        ("x" * 101, "at most 100"),
    ],
)
def test_who_decided_is_required_one_line_and_short(who: str, reason: str) -> None:
    uow = FakeUnitOfWork(FakeStore())
    case_id = open_case(uow, "home_visit")

    with pytest.raises(DecisionRefused, match=reason):
        answer(uow, case_id, "home_visit", "not_at_address", who=who)

    assert [d.answer for d in uow.decisions.for_case(case_id)] == [None]


def test_a_visit_date_in_the_future_or_before_the_case_opened_is_refused() -> None:
    uow = FakeUnitOfWork(FakeStore())
    case_id = open_case(uow, "home_visit")

    with pytest.raises(DecisionRefused, match="26 November 2026 is in the future"):
        answer(uow, case_id, "home_visit", "not_at_address", visited_on="2026-11-26")
    with pytest.raises(DecisionRefused, match="before CME-000001 was opened"):
        answer(uow, case_id, "home_visit", "not_at_address", visited_on="2026-11-24")
    with pytest.raises(DecisionRefused, match="not a date"):
        answer(uow, case_id, "home_visit", "not_at_address", visited_on="yesterday")

    answer(uow, case_id, "home_visit", "not_at_address", visited_on="2026-11-25")
    (decision,) = uow.decisions.for_case(case_id)
    assert decision.details["visited_on"] == "2026-11-25"


def test_a_move_to_another_council_needs_the_council_and_a_real_email() -> None:
    uow = FakeUnitOfWork(FakeStore())
    case_id = open_case(uow, "home_visit")

    with pytest.raises(DecisionRefused, match="--other-council"):
        answer(uow, case_id, "home_visit", "moved_other_council")
    with pytest.raises(DecisionRefused, match="is not an email address"):
        answer(
            uow,
            case_id,
            "home_visit",
            "moved_other_council",
            other_council="Sheffield City Council",
            other_council_email="cme at sheffield",
        )


def test_an_unknown_kind_or_answer_is_refused_with_the_choices() -> None:
    uow = FakeUnitOfWork(FakeStore())
    case_id = open_case(uow, "home_visit")

    with pytest.raises(DecisionRefused) as kind:
        answer(uow, case_id, "home_vist", "no_answer")
    with pytest.raises(DecisionRefused) as value:
        answer(uow, case_id, "home_visit", "nobody_home")

    assert all(k in str(kind.value) for k in DECISIONS)
    assert all(a in str(value.value) for a in DECISIONS["home_visit"])


def test_a_plain_english_label_is_taken_as_its_code() -> None:
    uow = FakeUnitOfWork(FakeStore())
    case_id = open_case(uow, "home_visit")

    answer(uow, case_id, "home-visit", "The family no longer lives there")

    assert [d.answer for d in uow.decisions.for_case(case_id)] == ["not_at_address"]


def test_the_run_that_asked_is_finished_unless_it_is_the_one_answering() -> None:
    uow = FakeUnitOfWork(FakeStore())
    case_id = open_case(uow, "home_visit", "school_reply")
    elsewhere = RecordedRuns()
    answer(uow, case_id, "home_visit", "not_at_address", runs=elsewhere)
    in_its_run = RecordedRuns()
    answer(
        uow, case_id, "school_reply", "no_information", runs=in_its_run, in_run="run-school_reply"
    )

    assert elsewhere.finished == ["run-home_visit"]
    assert elsewhere.asked == [case_id]
    assert in_its_run.finished == []


def test_closing_a_case_finishes_every_run_it_had_and_lists_nothing_waiting() -> None:
    uow = FakeUnitOfWork(FakeStore())
    case_id = open_case(uow, "home_visit", "school_reply", "police_notification")
    runs = RecordedRuns()

    answer(uow, case_id, "closure", "moved_abroad", runs=runs)

    assert sorted(runs.finished) == [
        "run-home_visit",
        "run-police_notification",
        "run-school_reply",
    ]
    assert runs.asked == []
    assert awaiting_decisions(uow, today=TODAY) == []
    with pytest.raises(DecisionRefused, match="CME-000001 is closed"):
        answer(uow, case_id, "home_visit", "not_at_address")


def test_the_queue_shows_due_dates_overdue_and_the_safeguarding_flag() -> None:
    uow = FakeUnitOfWork(FakeStore())
    open_case(uow, "home_visit", "police_notification", vulnerabilities="child_protection")

    rows = {d.kind: d for d in awaiting_decisions(uow, today=TODAY + timedelta(days=40))}

    assert set(rows) == {DecisionKind.HOME_VISIT, DecisionKind.POLICE_NOTIFICATION}
    police = rows[DecisionKind.POLICE_NOTIFICATION].as_row()
    assert police == {
        "case": "CME-000001",
        "decision": "Decide whether to notify the police",
        "asked_on": "25/11/2026",
        "due_by": "-",
        "overdue": "no",
        "safeguarding": "yes",
    }


def test_the_most_urgent_come_first_overdue_then_safeguarding_then_longest_waiting() -> None:
    def waiting(
        case_id: int, asked_days_ago: int, *, overdue: bool, safeguarding: bool
    ) -> AwaitingDecision:
        return AwaitingDecision(
            case_id=case_id,
            reference=f"CME-{case_id:06d}",
            kind=DecisionKind.HOME_VISIT,
            round=1,
            asked_on=TODAY - timedelta(days=asked_days_ago),
            due_by=None,
            overdue=overdue,
            safeguarding=safeguarding,
            flow_run_id=None,
        )

    queue = [
        waiting(1, 30, overdue=False, safeguarding=False),
        waiting(2, 2, overdue=False, safeguarding=True),
        waiting(3, 5, overdue=True, safeguarding=False),
        waiting(4, 1, overdue=True, safeguarding=True),
        waiting(5, 9, overdue=False, safeguarding=True),
        waiting(6, 40, overdue=False, safeguarding=False),
    ]

    assert [d.case_id for d in most_urgent(queue, 10)] == [4, 3, 5, 2, 6, 1]
    assert [d.case_id for d in most_urgent(queue, 3)] == [4, 3, 5]


def test_every_kind_has_a_title_question_and_labelled_answers() -> None:
    for kind, spec in VOCABULARY.items():
        assert spec.kind is kind
        assert spec.title and spec.question.endswith(("?", "case."))
        labels = [a.label for a in spec.answers]
        assert all(labels) and len(set(labels)) == len(labels), kind
