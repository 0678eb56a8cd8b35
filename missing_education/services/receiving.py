"""Receiving notifications: intake, each referrer acknowledged, each new case's investigation.

One function per use case; the `cme` command calls them directly and the Prefect tasks are
thin wrappers around the same functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from missing_education.ports import UnitOfWork
from missing_education.services.attention import step_summary
from missing_education.services.batches import in_batches
from missing_education.services.intake import IntakeReport, Progress, ingest_file
from missing_education.services.procedure import Procedure, StepReport
from missing_education.services.typesetting import typeset_letters
from missing_education.settings import Settings


@dataclass(frozen=True)
class Receipt:
    """A notification file received: what intake did, and what its follow-up did."""

    intake: IntakeReport
    follow_up: StepReport
    typeset: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Intake's counts and case ids, and the cases the follow-up flagged (references)."""
        summary = step_summary(self.follow_up)
        return {
            **self.intake.as_dict(),
            "failed": summary["failed"],
            "attention": summary["attention"],
            "typeset": self.typeset,
        }


def acknowledge_cases(
    uow: UnitOfWork, case_ids: Iterable[int], *, settings: Settings, today: date
) -> StepReport:
    """Send each referrer an acknowledgement, and safeguarding referrals to MASH at once.

    A batch of cases per commit, read and written in bulk (services.batches): a record that
    breaks its letter is flagged and the rest go on; two intakes naming the same case take
    turns, so each referrer is acknowledged once.
    """
    with uow:
        procedure = Procedure(uow, settings, today)
        return in_batches(procedure, case_ids, lambda p, i: p.acknowledge([i]))


def investigate_cases(
    uow: UnitOfWork, case_ids: Iterable[int], *, settings: Settings, today: date
) -> StepReport:
    """Advance each case as far as it goes without a person, a batch of cases per commit.

    Read and written in bulk (services.batches), as the acknowledgements are: a case whose
    investigation fails is flagged and left out of its batch, and the rest go on.
    """
    with uow:
        procedure = Procedure(uow, settings, today)
        return in_batches(procedure, case_ids, lambda p, i: p.investigate(i))


def investigate_case(
    uow: UnitOfWork, case_id: int, *, settings: Settings, today: date
) -> StepReport:
    """Advance one case as far as it goes without a person; an unknown id is refused."""
    with uow:
        uow.cases.get(case_id)  # CaseNotFound, not a flag on a case that does not exist
    return investigate_cases(uow, [case_id], settings=settings, today=today)


def receive_file(
    uow: UnitOfWork,
    path: Path,
    *,
    settings: Settings,
    today: date,
    progress: Progress | None = None,
) -> Receipt:
    """Intake, acknowledgements and each investigation's start, as receive-notifications does."""
    intake = ingest_file(uow, path, settings=settings, today=today, progress=progress)
    follow_up = acknowledge_cases(uow, intake.to_acknowledge, settings=settings, today=today)
    # A case whose acknowledgement failed waits for the next run before it is investigated.
    started = [i for i in intake.to_investigate if i not in follow_up.attention]
    follow_up.merge(investigate_cases(uow, started, settings=settings, today=today))
    # The letters queued above, typeset now that the steps' transactions are done.
    typeset = typeset_letters(uow, settings=settings, today=today)
    for case_id in typeset.attention:
        follow_up.fail("letter", case_id)
    return Receipt(intake, follow_up, typeset.typeset)
