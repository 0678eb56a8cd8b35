"""Decisions as every door takes them: answer one (guarded), and list what waits for a person."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from missing_education.domain import case_reference
from missing_education.domain.deadline import Step
from missing_education.domain.decision import DecisionKind, DecisionRequest, answer_of, kind_of
from missing_education.ports import DecisionRuns, UnitOfWork
from missing_education.services.locks import lock_cases
from missing_education.services.procedure import Procedure, not_pending_reason
from missing_education.settings import Settings


class NoDecisionRuns:
    """No orchestrator (embedded mode, tests): decisions are answered with `cme decide`."""

    def ask(self, case_ids: Sequence[int]) -> None:
        """Nothing to start."""

    def finish(self, flow_run_ids: Sequence[str]) -> None:
        """Nothing to finish."""


NO_DECISION_RUNS = NoDecisionRuns()


@dataclass(frozen=True)
class DecisionResult:
    """What answering did: applied, or already answered before (then nothing was done twice)."""

    case_id: int
    reference: str
    kind: DecisionKind
    answer: str
    applied: bool
    actions: dict[str, int] = field(default_factory=dict)
    letters: int = 0

    @property
    def message(self) -> str:
        """One line for the person who answered."""
        label = answer_of(self.kind, self.answer).label
        if self.applied:
            return f"Recorded on {self.reference}: {self.kind.value} = {self.answer} ({label})."
        return (
            f"{self.reference}: {self.kind.value} = {self.answer} had already been recorded; "
            "nothing was done twice."
        )

    def as_dict(self) -> dict[str, Any]:
        """Ids, codes and counts only (safe to hand to Prefect)."""
        return {
            "case_id": self.case_id,
            "reference": self.reference,
            "decision": self.kind.value,
            "answer": self.answer,
            "applied": self.applied,
            "actions": self.actions,
            "letters": self.letters,
        }


def answer_decision(
    uow: UnitOfWork,
    case_id: int,
    kind: str,
    answer: str,
    *,
    who: str,
    details: dict[str, Any],
    settings: Settings,
    today: date,
    runs: DecisionRuns = NO_DECISION_RUNS,
    in_run: str | None = None,
) -> DecisionResult:
    """Answer a decision pending on a case, from any door, and run what follows from it.

    Refused (DecisionRefused, naming what is pending) unless the decision is pending. After the
    commit, the run that asked it (unless it is `in_run`, the run answering) is finished, so
    are the runs of a case that closed, and the decisions the answer asks get their runs.
    """
    decision = kind_of(kind)
    chosen = answer_of(decision, answer)
    with uow:
        lock_cases(uow, [case_id])
        before = {d.kind: d.flow_run_id for d in uow.decisions.for_case(case_id) if d.is_open}
        report = Procedure(uow, settings, today).decide(
            case_id, decision.value, chosen.value, who=who, details=details
        )
        uow.commit()
        case = uow.cases.get(case_id)
        still_open = {d.kind for d in uow.decisions.for_case(case_id) if d.is_open}
    # Runs whose decision is no longer waiting: answered here, or withdrawn by the closure.
    done = [
        run
        for waiting_kind, run in before.items()
        if run and run != in_run and (waiting_kind not in still_open or not case.is_open)
    ]
    if done:
        runs.finish(done)
    if case.is_open:
        runs.ask([case_id])
    return DecisionResult(
        case_id=case_id,
        reference=case_reference(case_id),
        kind=decision,
        answer=chosen.value,
        applied=bool(report.actions),
        actions=report.actions,
        letters=report.letters,
    )


@dataclass(frozen=True)
class AwaitingDecision:
    """One decision in the coordinator's queue: references, dates and flags, no child's details."""

    case_id: int
    reference: str
    kind: DecisionKind
    round: int
    asked_on: date
    due_by: date | None
    overdue: bool
    safeguarding: bool
    flow_run_id: str | None

    def as_dict(self) -> dict[str, Any]:
        """The decision as `cme decisions --json` prints it."""
        return {
            "case_id": self.case_id,
            "reference": self.reference,
            "decision": self.kind.value,
            "round": self.round,
            "asked_on": self.asked_on.isoformat(),
            "due_by": self.due_by.isoformat() if self.due_by else None,
            "overdue": self.overdue,
            "safeguarding": self.safeguarding,
        }

    def as_row(self) -> dict[str, str]:
        """The row of the `awaiting-decisions` artifact and of `cme decisions`."""
        return {
            "case": self.reference,
            "decision": self.kind.spec.title,
            "asked_on": f"{self.asked_on:%d/%m/%Y}",
            "due_by": f"{self.due_by:%d/%m/%Y}" if self.due_by else "-",
            "overdue": "yes" if self.overdue else "no",
            "safeguarding": "yes" if self.safeguarding else "no",
        }


def awaiting_decisions(uow: UnitOfWork, *, today: date) -> list[AwaitingDecision]:
    """Every decision waiting on an open case, oldest first, with when it is due."""
    with uow:
        return [
            _awaiting(q.request, q.safeguarding, q.open_due, today) for q in uow.decisions.queue()
        ]


def most_urgent(waiting: Sequence[AwaitingDecision], limit: int) -> list[AwaitingDecision]:
    """The first `limit` decisions a coordinator should see: overdue, then safeguarding, then
    the longest waiting."""
    return sorted(
        waiting, key=lambda d: (not d.overdue, not d.safeguarding, d.asked_on, d.case_id)
    )[:limit]


def pending_decision(
    uow: UnitOfWork, case_id: int, kind: str, *, today: date
) -> AwaitingDecision | None:
    """The decision of that kind pending on an open case, or None (asked nowhere else)."""
    decision = kind_of(kind)
    with uow:
        waiting = uow.decisions.open_for(case_id, decision.value)
        case = uow.cases.get(case_id)
        if waiting is None or not case.is_open:
            return None
        open_due: dict[Step, date] = {}
        for x in uow.deadlines.for_case(case_id):
            if x.is_open:
                open_due[x.step] = max(x.due, open_due.get(x.step, x.due))
        return _awaiting(waiting, case.safeguarding, open_due, today)


def _awaiting(
    d: DecisionRequest, safeguarding: bool, open_due: dict[Step, date], today: date
) -> AwaitingDecision:
    kind = DecisionKind(d.kind)
    due = open_due.get(kind.spec.due_step) if kind.spec.due_step is not None else None
    return AwaitingDecision(
        case_id=d.case_id,
        reference=case_reference(d.case_id),
        kind=kind,
        round=d.round,
        asked_on=d.requested_on,
        due_by=due,
        overdue=due is not None and due < today,
        safeguarding=safeguarding,
        flow_run_id=d.flow_run_id,
    )


def why_not_pending(uow: UnitOfWork, case_id: int, kind: str) -> str:
    """What the case is waiting for instead of this decision (the refusal every door gives)."""
    decision = kind_of(kind)
    with uow:
        return not_pending_reason(uow, uow.cases.get(case_id), decision)
