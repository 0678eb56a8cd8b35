"""Whole use cases the `cme` command runs when no Prefect orchestration is wired in."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from missing_education.domain import case_reference
from missing_education.ports import UnitOfWork
from missing_education.services.attention import each_case
from missing_education.services.batches import in_batches
from missing_education.services.decisions import awaiting_decisions
from missing_education.services.intake import ingest_file
from missing_education.services.procedure import Procedure, StepReport
from missing_education.services.sweep import review_cases
from missing_education.services.typesetting import typeset_letters
from missing_education.settings import Settings


def receive_file(uow: UnitOfWork, path: Path, *, settings: Settings, today: date) -> dict[str, Any]:
    """Intake, acknowledgements and each investigation's start (as receive-notifications)."""
    report = ingest_file(uow, path, settings=settings, today=today)
    # Rows an earlier, interrupted run took in are acknowledged, and started if never begun.
    to_acknowledge = report.opened_case_ids + report.linked_case_ids + report.taken_in_case_ids
    with uow:
        procedure = Procedure(uow, settings, today)
        # One case at a time: a record that breaks its letters is flagged; the rest go on.
        # A batch of cases per commit, read and written in bulk (services.batches).
        follow_up = in_batches(procedure, to_acknowledge, lambda p, i: p.acknowledge([i]))
        started = set(report.opened_case_ids + report.resume_case_ids) - set(follow_up.attention)
        follow_up.merge(each_case(procedure, started, procedure.investigate))
    # The letters queued above, typeset now that the steps' transactions are done.
    typeset = typeset_letters(uow, settings=settings, today=today)
    for case_id in typeset.attention:
        follow_up.fail("letter", case_id)
    result = report.as_dict()
    result.update(attention_summary(follow_up))
    result["typeset"] = typeset.typeset
    return result


def sweep(uow: UnitOfWork, *, settings: Settings, today: date) -> dict[str, Any]:
    """The daily case review."""
    report = review_cases(uow, settings=settings, today=today)
    typeset = typeset_letters(uow, settings=settings, today=today)
    for case_id in typeset.attention:
        report.fail("letter", case_id)
    return {
        "cases": report.cases,
        "letters": report.letters,
        "typeset": typeset.typeset,
        "actions": report.actions,
        **attention_summary(report),
    }


def attention_summary(report: StepReport) -> dict[str, Any]:
    """The cases a run flagged: counts by reason category and case references, nothing else."""
    return {
        "failed": report.failed,
        "attention": [case_reference(i) for i in sorted(report.attention)],
    }


def investigate(uow: UnitOfWork, case_id: int, *, settings: Settings, today: date) -> StepReport:
    """Advance one case as far as it goes without a person (a failure flags the case)."""
    with uow:
        uow.cases.get(case_id)  # an unknown id is refused, not flagged
        procedure = Procedure(uow, settings, today)
        return each_case(procedure, [case_id], procedure.investigate)


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
