"""Intake: a file of notifications becomes cases; each row is opened, linked or rejected."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from missing_education.clock import now
from missing_education.domain import (
    NOTIFICATION_COLUMNS,
    REQUIRED_COLUMNS,
    SYSTEM,
    HistoryEntry,
    InvalidNotification,
    Notification,
    Outcome,
    Status,
    parse_notification,
)
from missing_education.domain.deadline import Step, new_deadline
from missing_education.ports import UnitOfWork
from missing_education.rules.school_age import is_of_compulsory_school_age
from missing_education.services.calendar import load_calendar
from missing_education.services.tabular import CsvFileError, read_csv
from missing_education.settings import Settings

Progress = Callable[[int, int], None]


class IntakeFileError(ValueError):
    """The whole file is refused (unreadable, or a required column is missing); nothing written."""


@dataclass(frozen=True)
class Rejection:
    """A row that was not taken in, and why, in words a coordinator understands."""

    row: int
    reason: str


@dataclass
class IntakeReport:
    """What happened to every row of a notification file."""

    received: int = 0
    opened: int = 0
    linked: int = 0
    duplicates: int = 0
    rejected: int = 0
    not_cme: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    opened_case_ids: list[int] = field(default_factory=list)
    linked_case_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """The report as the CLI prints it with --json."""
        return {
            "received": self.received,
            "opened": self.opened,
            "linked": self.linked,
            "duplicates": self.duplicates,
            "not_cme": self.not_cme,
            "rejected": self.rejected,
            "rejections": [{"row": r.row, "reason": r.reason} for r in self.rejections],
            "warnings": self.warnings,
            "case_ids": self.opened_case_ids,
        }


@dataclass(frozen=True)
class NotificationFile:
    """A notification file read and checked: good rows and rejected ones."""

    notifications: list[tuple[int, Notification]]
    rejections: list[Rejection]
    warnings: list[str]


def read_notification_file(path: Path, *, today: date) -> NotificationFile:
    """Read and check a notification CSV; raise IntakeFileError if it must be refused whole."""
    try:
        table = read_csv(path)
    except CsvFileError as error:
        raise IntakeFileError(str(error)) from None
    missing = [name for name in REQUIRED_COLUMNS if name not in table.header]
    if missing:
        raise IntakeFileError(
            f"{path.name} is missing the required column {', '.join(missing)}; nothing was taken in"
        )
    warnings = []
    extra = [name for name in table.header if name and name not in NOTIFICATION_COLUMNS]
    if extra:
        warnings.append(f"extra columns kept as notes: {', '.join(extra)}")
    good: list[tuple[int, Notification]] = []
    rejections: list[Rejection] = []
    for row_number, values in table.rows:
        if isinstance(values, str):
            rejections.append(Rejection(row_number, values))
            continue
        try:
            good.append((row_number, parse_notification(values, today=today)))
        except InvalidNotification as error:
            rejections.append(Rejection(row_number, str(error)))
    return NotificationFile(good, rejections, warnings)


def ingest_rows(
    uow: UnitOfWork,
    rows: Sequence[tuple[int, Notification]],
    *,
    source: str,
    settings: Settings,
    today: date,
    progress: Progress | None = None,
) -> IntakeReport:
    """Open or link a case for each notification, in batches, each batch one transaction."""
    report = IntakeReport(received=len(rows))
    batch = max(1, settings.intake_batch_size)
    with uow:
        calendar = load_calendar(uow)
        for start in range(0, len(rows), batch):
            for row_number, notification in rows[start : start + batch]:
                if uow.notifications.seen(notification.fingerprint):
                    report.duplicates += 1
                    continue
                case_id = uow.cases.find_open(notification)
                if case_id is not None:
                    uow.notifications.add(
                        case_id, notification, source=source, row=row_number, disposition="linked"
                    )
                    report.linked += 1
                    report.linked_case_ids.append(case_id)
                    continue
                case = uow.cases.add(notification, status=Status.RECEIVED, opened_on=today)
                case.new_history.append(_opened_entry(source, row_number))
                uow.cases.save(case)
                uow.notifications.add(
                    case.id, notification, source=source, row=row_number, disposition="opened"
                )
                # Not located within 20 school days of the notification: escalate (DOMAIN 4.8).
                uow.deadlines.add(
                    new_deadline(
                        calendar,
                        case.id,
                        Step.LOCATE_CHILD,
                        notification.referral_date,
                        school_days=settings.timescales.not_located_escalation,
                    )
                )
                report.opened += 1
                report.opened_case_ids.append(case.id)
            uow.commit()
            if progress is not None:
                progress(min(start + batch, len(rows)), len(rows))
    return report


def _opened_entry(source: str, row_number: int) -> HistoryEntry:
    return HistoryEntry(
        at=now(),
        who=SYSTEM,
        from_status=None,
        to_status=Status.RECEIVED,
        why=f"notification received ({Path(source).name}, row {row_number})",
    )


def triage_cases(uow: UnitOfWork, case_ids: Sequence[int], *, today: date) -> list[int]:
    """Triage received cases: not of compulsory school age closes as not CME; the rest proceed.

    Returns the ids closed as not CME. A child outside compulsory school age on the referral
    date is opened and closed, not rejected, so the notification and its answer stay on record.
    """
    closed = []
    with uow:
        for case_id in case_ids:
            case = uow.cases.get(case_id)
            if case.status is not Status.RECEIVED:
                continue  # already triaged: a re-run changes nothing
            if not is_of_compulsory_school_age(case.child.date_of_birth, case.referral_date):
                case.close(
                    Outcome.NOT_CME,
                    on=today,
                    at=now(),
                    who=SYSTEM,
                    why="not of compulsory school age on the referral date",
                )
                closed.append(case_id)
                uow.deadlines.meet(case_id, Step.LOCATE_CHILD, today)
            else:
                case.move_to(
                    Status.INVESTIGATING,
                    at=now(),
                    who=SYSTEM,
                    why="of compulsory school age and not on a roll: investigation starts",
                )
            uow.cases.save(case)
        uow.commit()
    return closed


def ingest_file(
    uow: UnitOfWork,
    path: Path,
    *,
    settings: Settings,
    today: date,
    progress: Progress | None = None,
) -> IntakeReport:
    """Read a notification file, open or link its cases and triage the new ones."""
    checked = read_notification_file(path, today=today)
    report = ingest_rows(
        uow,
        checked.notifications,
        source=path.name,
        settings=settings,
        today=today,
        progress=progress,
    )
    report.received += len(checked.rejections)
    report.rejected = len(checked.rejections)
    report.rejections = sorted(checked.rejections, key=lambda r: r.row)
    report.warnings = checked.warnings
    # Triage every case still waiting, so one opened by a run that crashed before its triage
    # is not left in "received" (its row now counts as a duplicate, never as opened).
    with uow:
        waiting = [summary.case_id for summary in uow.cases.summaries(Status.RECEIVED)]
    report.not_cme = len(triage_cases(uow, waiting, today=today))
    return report
