"""Retention: a closed case keeps its personal data for the retention period, then loses it.

UK GDPR Art 5(1)(e): kept no longer than necessary. The period runs from closure
(`retention_years`, 7 by default, docs/domain.md section 9). An anonymised case keeps what the
statistics and the audit trail need (status, outcome, dates, reason codes, who did what and
when) and nothing that identifies the child or the family; its letters' PDFs are deleted, and
a print batch's files once every letter in them has gone.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from missing_education.clock import LONDON, moment
from missing_education.domain import SYSTEM, HistoryEntry, Status, case_reference
from missing_education.domain.attention import Attention
from missing_education.ports import UnitOfWork
from missing_education.services.attention import guarded
from missing_education.settings import Settings


@dataclass
class RetentionReport:
    """What one run removed: counts only."""

    cutoff: date
    anonymised: int = 0
    files_deleted: int = 0
    # Held files past CME_HELD_FILE_DAYS: uploads refused whole or never taken in, and the ids
    # of files already taken in (their bytes and names went when they were taken in).
    held_files_deleted: int = 0
    # Cases that could not be anonymised this time, by reason category: flagged, tried again.
    failed: dict[str, int] = field(default_factory=dict)
    attention: list[int] = field(default_factory=list)  # the flagged cases' ids

    def as_dict(self) -> dict[str, Any]:
        """For --json, flow results and artifacts."""
        return {
            "closed_on_or_before": self.cutoff.isoformat(),
            "anonymised": self.anonymised,
            "files_deleted": self.files_deleted,
            "held_files_deleted": self.held_files_deleted,
            "failed": dict(self.failed),
            "attention": [case_reference(case_id) for case_id in self.attention],
        }


def retention_cutoff(today: date, years: int) -> date:
    """The last closure day whose cases are due today: the same day `years` years ago."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February, in a year without one
        return today.replace(year=today.year - years, day=28)


def _delete(path: str) -> int:
    target = Path(path)
    deleted = 0
    # The letter and any half-written copy a crash left beside it (private_files.write_private
    # writes `.<name>.<random>.part`; older versions wrote `<name>.part`).
    leftovers = list(target.parent.glob(f".{target.name}.*.part")) if target.parent.is_dir() else []
    for candidate in (
        target,
        target.with_suffix(".part"),
        target.with_name(target.name + ".part"),
        *leftovers,
    ):
        if candidate.is_file():
            candidate.unlink(missing_ok=True)
            deleted += candidate == target
    with suppress(OSError):
        target.parent.rmdir()  # the case's letter folder, once it is empty
    return deleted


def apply_retention(uow: UnitOfWork, *, settings: Settings, today: date) -> RetentionReport:
    """Anonymise every closed case past its retention period; one transaction per case.

    Files are deleted before the commit: a crash in between leaves the case to the next run,
    which deletes nothing more and commits.
    """
    report = RetentionReport(cutoff=retention_cutoff(today, settings.retention_years))
    why = (
        f"personal data removed: closed more than {settings.retention_years} years ago "
        "(retention period)"
    )
    with uow:
        flagged = {attention.case_id for attention in uow.attention.all()}
        for case_id in uow.retention.due(report.cutoff):
            # One case at a time: a file that cannot be deleted flags that case, not the run.
            outcome = guarded(
                uow,
                case_id,
                today,
                partial(_anonymise, uow, case_id, why, today),
                clear=case_id in flagged,
            )
            if isinstance(outcome, Attention):
                report.failed[outcome.category] = report.failed.get(outcome.category, 0) + 1
                report.attention.append(case_id)
            else:
                report.anonymised += 1
                report.files_deleted += outcome
        # An upload refused whole, or never run, holds children's details: kept only so long
        # (and a file taken in keeps only its id, which goes at the same time).
        # Held on day D: dropped from day D + CME_HELD_FILE_DAYS + 1 (London days).
        first_day_kept = today - timedelta(days=settings.held_file_days)
        report.held_files_deleted = uow.held_files.remove_uploads_held_before(
            datetime.combine(first_day_kept, time.min, tzinfo=LONDON)
        )
        uow.commit()
    return report


def _anonymise(uow: UnitOfWork, case_id: int, why: str, today: date) -> int:
    entry = HistoryEntry(
        at=moment(today), who=SYSTEM, from_status=Status.CLOSED, to_status=Status.CLOSED, why=why
    )
    removed = uow.retention.anonymise(case_id, entry, today)
    files = sum(_delete(path) for path in removed.letter_paths + removed.print_batch_paths)
    return files + removed.documents_deleted
