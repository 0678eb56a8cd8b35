"""Whole use cases the `cme` command runs when no Prefect orchestration is wired in."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from missing_education.ports import UnitOfWork
from missing_education.services.decisions import answer_decision, awaiting_decisions
from missing_education.services.intake import ingest_file
from missing_education.services.locks import lock_cases
from missing_education.services.procedure import Procedure, StepReport
from missing_education.services.sweep import review_cases
from missing_education.settings import Settings


def receive_file(uow: UnitOfWork, path: Path, *, settings: Settings, today: date) -> dict[str, Any]:
    """Intake, acknowledgements and each investigation's start (as receive-notifications)."""
    report = ingest_file(uow, path, settings=settings, today=today)
    # Rows an earlier, interrupted run took in are acknowledged, and started if never begun.
    to_acknowledge = report.opened_case_ids + report.linked_case_ids + report.taken_in_case_ids
    with uow:
        procedure = Procedure(uow, settings, today)
        procedure.acknowledge(lock_cases(uow, to_acknowledge))
        uow.commit()
        for case_id in sorted(set(report.opened_case_ids + report.resume_case_ids)):
            lock_cases(uow, [case_id])
            procedure.investigate(case_id)
            uow.commit()
    return report.as_dict()


def decide(
    uow: UnitOfWork,
    case_id: int,
    kind: str,
    answer: str,
    *,
    who: str,
    details: dict[str, Any],
    settings: Settings,
    today: date,
) -> StepReport:
    """Apply a coordinator's decision to a case and what follows from it (no orchestrator)."""
    result = answer_decision(
        uow, case_id, kind, answer, who=who, details=details, settings=settings, today=today
    )
    report = StepReport(letters=result.letters, actions=dict(result.actions))
    if result.actions:
        report.case_ids, report.cases = [case_id], 1
    return report


def sweep(uow: UnitOfWork, *, settings: Settings, today: date) -> dict[str, Any]:
    """The daily case review."""
    report = review_cases(uow, settings=settings, today=today)
    return {"cases": report.cases, "letters": report.letters, "actions": report.actions}


def investigate(uow: UnitOfWork, case_id: int, *, settings: Settings, today: date) -> StepReport:
    """Advance one case as far as it goes without a person."""
    with uow:
        lock_cases(uow, [case_id])
        report = Procedure(uow, settings, today).investigate(case_id)
        uow.commit()
    return report


def waiting_decisions(uow: UnitOfWork, *, today: date) -> list[dict[str, Any]]:
    """Decisions waiting for a coordinator on open cases, with when each is due."""
    return [
        {
            "case_id": d.case_id,
            "reference": d.reference,
            "decision": d.kind.value,
            "round": d.round,
            "asked_on": d.asked_on.isoformat(),
            "due_by": d.due_by.isoformat() if d.due_by else None,
            "overdue": d.overdue,
            "safeguarding": d.safeguarding,
        }
        for d in awaiting_decisions(uow, today=today)
    ]
