"""The `awaiting-decisions` artifact's description: counts a coordinator reads at a glance."""

from __future__ import annotations

from datetime import date

from missing_education.domain.decision import DecisionKind
from missing_education.services.decisions import AwaitingDecision
from tasks.decision_runs import queue_description

TODAY = date(2026, 11, 25)


def waiting(
    case_id: int, kind: DecisionKind, *, overdue: bool, safeguarding: bool
) -> AwaitingDecision:
    return AwaitingDecision(
        case_id=case_id,
        reference=f"CME-{case_id:06d}",
        kind=kind,
        round=1,
        asked_on=TODAY,
        due_by=None,
        overdue=overdue,
        safeguarding=safeguarding,
        flow_run_id=None,
    )


QUEUE = [
    waiting(1, DecisionKind.HOME_VISIT, overdue=True, safeguarding=False),
    waiting(2, DecisionKind.HOME_VISIT, overdue=False, safeguarding=True),
    waiting(3, DecisionKind.POLICE_NOTIFICATION, overdue=True, safeguarding=True),
]


def test_it_counts_every_waiting_decision_overdue_safeguarding_and_by_kind() -> None:
    text = queue_description(QUEUE, shown=3)

    assert text.startswith("3 decisions waiting for a coordinator, 2 overdue, 2 on safeguarding")
    visit, police = DecisionKind.HOME_VISIT.spec.title, DecisionKind.POLICE_NOTIFICATION.spec.title
    assert f"({visit}: 2; {police}: 1)" in text
    assert "All are listed" in text


def test_a_longer_queue_than_the_table_says_only_the_most_urgent_are_listed() -> None:
    text = queue_description(QUEUE, shown=2)

    assert "The 2 most urgent are listed; `cme decisions` lists all 3" in text
    assert "All are listed" not in text


def test_an_empty_queue_says_none_wait_and_one_is_one_decision() -> None:
    assert queue_description([], shown=0).startswith(
        "0 decisions waiting for a coordinator, 0 overdue, 0 on safeguarding cases. All are"
    )
    assert queue_description(QUEUE[:1], shown=1).startswith("1 decision waiting")
