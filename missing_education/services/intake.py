"""Intake: a file of notifications becomes cases; each row is opened, linked or rejected."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import islice
from pathlib import Path
from typing import Any

from missing_education.clock import moment
from missing_education.domain import (
    NOTIFICATION_COLUMNS,
    REQUIRED_COLUMNS,
    SYSTEM,
    Case,
    Child,
    HistoryEntry,
    InvalidNotification,
    Notification,
    Outcome,
    Status,
    parse_notification,
)
from missing_education.domain.attention import DATE_OF_BIRTH, date_of_birth_not_known
from missing_education.domain.deadline import Step, new_deadline
from missing_education.domain.directory import postcode_district
from missing_education.domain.errors import InputFileRefused
from missing_education.domain.residence import Residence, residence
from missing_education.ports import NewCase, UnitOfWork, WriteConflict
from missing_education.rules.calendar import SchoolCalendar
from missing_education.rules.school_age import (
    compulsory_school_age,
    is_of_compulsory_school_age,
)
from missing_education.services.calendar import load_calendar
from missing_education.services.collecting import fewer_collections
from missing_education.services.safeguarding import RISK_MAPPING, merge_flags
from missing_education.services.tabular import CsvFileError, CsvStream, open_csv
from missing_education.settings import Settings

Progress = Callable[[int, int], None]
# A batch that loses a race to another intake is run again this many times at most.
CONFLICT_ATTEMPTS = 5
# Before a batch is run again it waits up to this long (times the attempt), a random share:
# two intakes that restart in step would meet in the middle of their batches once more.
CONFLICT_BACKOFF_SECONDS = 0.05
# Cases triaged per commit (locked, read and written in bulk).
TRIAGE_BATCH = 500


class IntakeFileError(InputFileRefused):
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
    out_of_area: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    opened_case_ids: list[int] = field(default_factory=list)
    out_of_area_case_ids: list[int] = field(default_factory=list)
    linked_case_ids: list[int] = field(default_factory=list)
    # Cases of rows an earlier run already took in: a run that crashed after its intake but
    # before the letters leaves these to be acknowledged (and, if never begun, investigated).
    taken_in_case_ids: list[int] = field(default_factory=list)
    resume_case_ids: list[int] = field(default_factory=list)
    # Rows taken in (opened or linked) with identifying fields blank: by field, and by how many
    # were blank ("scored with N fields missing"). Counts only.
    fields_missing: dict[str, int] = field(default_factory=dict)
    with_fields_missing: dict[int, int] = field(default_factory=dict)

    def count_missing(self, notification: Notification) -> None:
        """Count a row taken in with a name or the date of birth blank."""
        missing = notification.fields_missing
        if missing:
            for name in missing:
                self.fields_missing[name] = self.fields_missing.get(name, 0) + 1
            self.with_fields_missing[len(missing)] = (
                self.with_fields_missing.get(len(missing), 0) + 1
            )

    @property
    def without_date_of_birth(self) -> int:
        """Rows taken in without a date of birth: their cases need one recorded."""
        return self.fields_missing.get("date_of_birth", 0)

    @property
    def to_acknowledge(self) -> list[int]:
        """Cases whose referrers are acknowledged: opened, linked, and rows taken in before
        (a run that crashed after its intake but before the letters left those unanswered).
        """
        return _unique(self.opened_case_ids + self.linked_case_ids + self.taken_in_case_ids)

    @property
    def to_investigate(self) -> list[int]:
        """Cases whose investigation starts: opened now, or opened before and never begun."""
        return _unique(self.opened_case_ids + self.resume_case_ids)

    def as_dict(self) -> dict[str, Any]:
        """The report as `cme ingest --json` prints it and the receive-notifications flow uses it:
        counts, row reasons (naming fields, never values) and case ids only.
        """
        return {
            "received": self.received,
            "opened": self.opened,
            "linked": self.linked,
            "duplicates": self.duplicates,
            "not_cme": self.not_cme,
            "out_of_area": self.out_of_area,
            "rejected": self.rejected,
            "without_date_of_birth": self.without_date_of_birth,
            "fields_missing": dict(sorted(self.fields_missing.items())),
            "with_fields_missing": {str(n): c for n, c in sorted(self.with_fields_missing.items())},
            "rejections": [{"row": r.row, "reason": r.reason} for r in self.rejections],
            "warnings": self.warnings,
            "opened_case_ids": self.opened_case_ids,
            "linked_case_ids": self.linked_case_ids,
            "out_of_area_case_ids": self.out_of_area_case_ids,
            "to_acknowledge": self.to_acknowledge,
            "to_investigate": self.to_investigate,
        }

    def add(self, other: IntakeReport) -> None:
        """Count a committed batch in."""
        self.opened += other.opened
        self.linked += other.linked
        self.duplicates += other.duplicates
        self.not_cme += other.not_cme
        self.out_of_area_case_ids += other.out_of_area_case_ids
        self.opened_case_ids += other.opened_case_ids
        self.linked_case_ids += other.linked_case_ids
        self.taken_in_case_ids += [
            i for i in other.taken_in_case_ids if i not in self.taken_in_case_ids
        ]
        for name, count in other.fields_missing.items():
            self.fields_missing[name] = self.fields_missing.get(name, 0) + count
        for blanks, count in other.with_fields_missing.items():
            self.with_fields_missing[blanks] = self.with_fields_missing.get(blanks, 0) + count


@dataclass
class NotificationStream:
    """A notification file being read: checked rows one by one; rejections as they are met."""

    rows: Iterator[tuple[int, Notification]]
    rejections: list[Rejection]
    warnings: list[str]
    csv: CsvStream


def _checked(
    records: Iterator[tuple[int, dict[str, str] | str]], today: date, rejections: list[Rejection]
) -> Iterator[tuple[int, Notification]]:
    for row_number, values in records:
        if isinstance(values, str):
            rejections.append(Rejection(row_number, values))
            continue
        try:
            yield row_number, parse_notification(values, today=today)
        except InvalidNotification as error:
            rejections.append(Rejection(row_number, str(error)))


@contextmanager
def open_notification_file(path: Path, *, today: date) -> Iterator[NotificationStream]:
    """Open a notification CSV for reading row by row; IntakeFileError if refused whole."""
    try:
        with open_csv(path) as table:
            missing = [name for name in REQUIRED_COLUMNS if name not in table.header]
            if missing:
                raise IntakeFileError(
                    f"{path.name} is missing the required column {', '.join(missing)} "
                    f"({table.described}); nothing was taken in"
                )
            warnings = []
            if (table.encoding, table.delimiter) not in (("UTF-8", ","), ("Windows-1252", ",")):
                warnings.append(f"the file was {table.described}")
            extra = [name for name in table.header if name and name not in NOTIFICATION_COLUMNS]
            if extra:
                warnings.append(f"extra columns kept as notes: {', '.join(extra)}")
            rejections: list[Rejection] = []
            yield NotificationStream(
                _checked(table.rows, today, rejections), rejections, warnings, table
            )
    except CsvFileError as error:
        raise IntakeFileError(str(error)) from None


def _unique(case_ids: list[int]) -> list[int]:
    return list(dict.fromkeys(case_ids))


def _batches(
    rows: Iterable[tuple[int, Notification]], size: int
) -> Iterator[list[tuple[int, Notification]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _ingest_batch(
    uow: UnitOfWork,
    rows: Sequence[tuple[int, Notification]],
    *,
    calendar: SchoolCalendar,
    source: str,
    settings: Settings,
    today: date,
    in_area: tuple[str, ...] | None = None,
) -> IntakeReport:
    """One batch in one transaction; WriteConflict (after rolling back) if another intake won.

    Set-based: the rows taken in before and the children's open cases are looked up for the
    whole batch at once, and the new cases, their history, notifications and deadlines are
    written with one statement each. A child named twice in the batch gets one case: the
    second row links to the case the first one opens, as it would row by row. With `in_area`
    the new cases are triaged before they are written (triage_cases, in memory): each is
    opened already closed as not CME or handed over, or under investigation.
    """
    done = IntakeReport()
    taken = uow.notifications.cases_for([n.fingerprint for _, n in rows])
    fresh = [(r, n) for r, n in rows if n.fingerprint not in taken]
    in_database = dict(
        zip(
            (n.fingerprint for _, n in fresh),
            uow.cases.find_open_many([n for _, n in fresh]),
            strict=True,
        )
    )
    new_cases: list[NewCase] = []
    # Each row's case: an id, or ("new", index into new_cases) until the batch is written.
    placed: list[tuple[int, Notification, int | None, int | None, str]] = []
    by_upn: dict[str, int] = {}  # cases this batch opens, by UPN and by name and birthday
    by_identity: dict[tuple[str, str, date | None], int] = {}
    seen: dict[str, tuple[int | None, int | None]] = {}
    for row_number, notification in rows:
        fingerprint = notification.fingerprint
        if fingerprint in taken:
            done.duplicates += 1
            done.taken_in_case_ids.append(taken[fingerprint])
            continue
        if fingerprint in seen:  # the same row twice in this batch: stored once
            done.duplicates += 1
            placed.append((row_number, notification, *seen[fingerprint], "duplicate"))
            continue
        target = _open_case_of(notification, in_database[fingerprint], by_upn, by_identity)
        if target is not None:
            placed.append((row_number, notification, *target, "linked"))
            seen[fingerprint] = target
            done.linked += 1
            done.count_missing(notification)
            continue
        index = len(new_cases)
        new_cases.append(
            _new_case(notification, source, row_number, calendar, today=today, in_area=in_area)
        )
        if notification.upn:
            by_upn.setdefault(notification.upn, index)
        by_identity.setdefault(notification.identity_key, index)
        placed.append((row_number, notification, None, index, "opened"))
        seen[fingerprint] = (None, index)
        done.opened += 1
        done.count_missing(notification)
    opened_ids = uow.cases.add_many(new_cases)

    def case_of(existing: int | None, index: int | None) -> int:
        return existing if existing is not None else opened_ids[index or 0]

    uow.notifications.add_many(
        [
            (case_of(in_database_id, new_index), notification, row, disposition)
            for row, notification, in_database_id, new_index, disposition in placed
            if disposition != "duplicate"
        ],
        source=source,
    )
    # Not located within 20 school days of the notification: escalate (docs/domain.md 4.8).
    # The cases were opened just now, in this transaction: they have no deadline to look for.
    # A case closed at triage has met it already.
    uow.deadlines.add_new_many(
        [
            replace(
                new_deadline(
                    calendar,
                    case_id,
                    Step.LOCATE_CHILD,
                    made.notification.referral_date,
                    school_days=settings.timescales.not_located_escalation,
                ),
                met_on=made.closed_on,
            )
            for case_id, made in zip(opened_ids, new_cases, strict=True)
        ]
    )
    for _row, notification, in_database_id, new_index, disposition in placed:
        case_id = case_of(in_database_id, new_index)
        if disposition == "opened":
            done.opened_case_ids.append(case_id)
            assert new_index is not None  # an opened row's case is one of this batch's
            made = new_cases[new_index]
            _flag_unknown_date_of_birth(
                uow, case_id, notification.date_of_birth, made.status, today
            )
            outcome = made.outcome
            if outcome is Outcome.NOT_CME:
                done.not_cme += 1
            elif outcome is Outcome.OUT_OF_AREA:
                done.out_of_area_case_ids.append(case_id)
        elif disposition == "duplicate":
            done.taken_in_case_ids.append(case_id)
        else:
            done.linked_case_ids.append(case_id)
            if notification.vulnerabilities:
                # A linked notification may raise a new concern: the case keeps every flag.
                case = uow.cases.get(case_id)
                if merge_flags(case, notification.vulnerabilities):
                    uow.cases.save(case)
    uow.commit()
    return done


def _new_case(
    notification: Notification,
    source: str,
    row_number: int,
    calendar: SchoolCalendar,
    *,
    today: date,
    in_area: tuple[str, ...] | None,
) -> NewCase:
    """The case a notification opens: received, or (with `in_area`) triaged at once."""
    # The leaving date depends on the autumn term's first day (docs/domain.md, 2).
    school_age = (
        compulsory_school_age(notification.date_of_birth, calendar.autumn_term_start)
        if notification.date_of_birth is not None
        else None
    )
    opened = _opened_entry(source, row_number, today)
    if in_area is None:
        return NewCase(
            notification, Status.RECEIVED, today, history=[opened], school_age=school_age
        )
    n = notification
    case = Case(
        id=0,  # not written yet: triage reads the child, the dates and the postcode only
        status=Status.RECEIVED,
        child=Child(n.forename, n.surname, n.date_of_birth, postcode=n.postcode),
        opened_on=today,
        referral_date=n.referral_date,
        csa_ends=school_age.ends if school_age is not None else None,
        history=[opened],
    )
    _triaged(case, calendar, today=today, in_area=in_area)
    return NewCase(
        notification,
        case.status,
        today,
        history=case.history,
        school_age=school_age,
        outcome=case.outcome,
        closed_on=case.closed_on,
    )


def _open_case_of(
    notification: Notification,
    in_database: tuple[int, bool] | None,
    by_upn: dict[str, int],
    by_identity: dict[tuple[str, str, date | None], int],
) -> tuple[int | None, int | None] | None:
    """The child's open case, as a row-by-row look would find it with this batch's cases in.

    A UPN match wins over a name and birthday match, and an older case over a newer one; the
    cases this batch opens are newer than any in the database. (id, None) is a case in the
    database, (None, index) one this batch opens, None no open case at all.
    """
    if in_database is not None and in_database[1]:
        return (in_database[0], None)  # the same UPN, in the database
    if notification.upn and notification.upn in by_upn:
        return (None, by_upn[notification.upn])
    if in_database is not None:
        return (in_database[0], None)  # the same name and birthday, in the database
    if notification.identity_key in by_identity:
        return (None, by_identity[notification.identity_key])
    return None


def _ingest(
    uow: UnitOfWork,
    rows: Iterable[tuple[int, Notification]],
    report: IntakeReport,
    *,
    source: str,
    settings: Settings,
    today: date,
    after_batch: Callable[[int], None] | None = None,
    in_area: tuple[str, ...] | None = None,
) -> None:
    batch_size = max(1, settings.intake_batch_size)
    with uow, fewer_collections():
        calendar = load_calendar(uow)
        for batch in _batches(rows, batch_size):
            for attempt in range(1, CONFLICT_ATTEMPTS + 1):
                try:
                    done = _ingest_batch(
                        uow,
                        batch,
                        calendar=calendar,
                        source=source,
                        settings=settings,
                        today=today,
                        in_area=in_area,
                    )
                except WriteConflict:
                    # Another intake took in the same child or row first: start the batch
                    # again, and this time link to its case or count the row as taken in.
                    uow.rollback()
                    if attempt == CONFLICT_ATTEMPTS:
                        raise
                    time.sleep(random.uniform(0, CONFLICT_BACKOFF_SECONDS * attempt))
                    continue
                report.add(done)
                break
            if after_batch is not None:
                after_batch(len(batch))


def ingest_rows(
    uow: UnitOfWork,
    rows: Sequence[tuple[int, Notification]],
    *,
    source: str,
    settings: Settings,
    today: date,
    progress: Progress | None = None,
) -> IntakeReport:
    """Open or link a case for each notification, in batches, each batch one transaction.

    Two intakes at once never open two cases for one child nor store a row twice: the database
    refuses the second (a unique index on open cases), whose batch is rolled back and run again.
    """
    report = IntakeReport(received=len(rows))
    done = 0

    def after_batch(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, len(rows))

    _ingest(
        uow, rows, report, source=source, settings=settings, today=today, after_batch=after_batch
    )
    return report


def _opened_entry(source: str, row_number: int, today: date) -> HistoryEntry:
    return HistoryEntry(
        at=moment(today),
        who=SYSTEM,
        from_status=None,
        to_status=Status.RECEIVED,
        why=f"notification received ({Path(source).name}, row {row_number})",
    )


def triage_cases(
    uow: UnitOfWork,
    case_ids: Sequence[int],
    *,
    today: date,
    in_area: tuple[str, ...] = (),
    handed_over: list[int] | None = None,
) -> list[int]:
    """Triage received cases: not of compulsory school age closes as not CME; a child who lives
    outside the area (`in_area` postcode districts or areas) is closed as handed to their
    council (their ids go to `handed_over`); the rest proceed to investigation.

    Returns the ids closed as not CME. A child outside compulsory school age on the referral
    date is opened and closed, not rejected, so the notification and its answer stay on record.
    Each case is locked while it is triaged (in id order), and its move is written only over
    `received`: two intakes triaging the same leftover case write one history entry.
    """
    for attempt in range(1, CONFLICT_ATTEMPTS + 1):
        try:
            return _triage(uow, case_ids, today=today, in_area=in_area, handed_over=handed_over)
        except WriteConflict:
            if attempt == CONFLICT_ATTEMPTS:
                raise
    return []  # pragma: no cover - the loop returns or raises


def _triage(
    uow: UnitOfWork,
    case_ids: Sequence[int],
    *,
    today: date,
    in_area: tuple[str, ...],
    handed_over: list[int] | None,
) -> list[int]:
    closed: list[int] = []
    elsewhere: list[int] = []
    ordered = sorted(set(case_ids))
    with uow:
        calendar = load_calendar(uow)
        # A batch of cases per commit, locked in id order, read and written in bulk.
        for start in range(0, len(ordered), TRIAGE_BATCH):
            chunk = ordered[start : start + TRIAGE_BATCH]
            batch = uow.batches.load(chunk)
            for case_id in chunk:
                where = _triage_one(batch.uow, case_id, calendar, today=today, in_area=in_area)
                if where is Outcome.NOT_CME:
                    closed.append(case_id)
                elif where is Outcome.OUT_OF_AREA:
                    elsewhere.append(case_id)
            batch.flush()
            uow.commit()
    if handed_over is not None:
        handed_over.extend(elsewhere)
    return closed


def _triage_one(
    uow: UnitOfWork,
    case_id: int,
    calendar: SchoolCalendar,
    *,
    today: date,
    in_area: tuple[str, ...],
) -> Outcome | None:
    """Triage one received case; the outcome it was closed with (None: investigated, or done)."""
    case = uow.cases.get(case_id, lock=True)
    if case.status is not Status.RECEIVED:
        return None  # already triaged: a re-run changes nothing
    outcome = _triaged(case, calendar, today=today, in_area=in_area)
    if outcome is not None:
        uow.deadlines.meet(case_id, Step.LOCATE_CHILD, today)
    uow.cases.save(case)
    _flag_unknown_date_of_birth(uow, case.id, case.child.date_of_birth, case.status, today)
    return outcome


def _flag_unknown_date_of_birth(
    uow: UnitOfWork, case_id: int, born: date | None, status: Status, today: date
) -> None:
    """A case under investigation whose child's date of birth is not known needs a person to
    record it."""
    if born is None and status is Status.INVESTIGATING:
        uow.attention.flag(case_id, DATE_OF_BIRTH, date_of_birth_not_known(case_id), today)


def _triaged(
    case: Case, calendar: SchoolCalendar, *, today: date, in_area: tuple[str, ...]
) -> Outcome | None:
    """Close a received case as not CME or hand it over, or start its investigation (in
    memory); the outcome it was closed with.
    """
    outcome: Outcome | None = None
    born = case.child.date_of_birth
    if born is not None and not is_of_compulsory_school_age(
        born, case.referral_date, calendar.autumn_term_start
    ):
        outcome = Outcome.NOT_CME
        case.close(
            outcome,
            on=today,
            at=moment(today),
            who=SYSTEM,
            why="not of compulsory school age on the referral date",
        )
    elif residence(case.child.postcode, in_area) is Residence.OUT_OF_AREA:
        # Education Act 1996 s436A: the duty is to children in the area. The child's own
        # council takes the case; an unknown residence is investigated here.
        outcome = Outcome.OUT_OF_AREA
        case.close(
            outcome,
            on=today,
            at=moment(today),
            who=SYSTEM,
            why="lives outside the council's area (postcode "
            f"{postcode_district(case.child.postcode)}): handed to the council there",
        )
    elif born is None:
        # Finding the child is how the date of birth is found: the search goes ahead, and
        # whatever needs compulsory school age waits for it (domain.preconditions). The
        # caller flags the case once it has an id (_flag_unknown_date_of_birth).
        case.move_to(
            Status.INVESTIGATING,
            at=moment(today),
            who=SYSTEM,
            why="date of birth not known: investigation starts; compulsory school age is "
            "checked once it is recorded",
        )
    else:
        case.move_to(
            Status.INVESTIGATING,
            at=moment(today),
            who=SYSTEM,
            why="of compulsory school age and not on a roll: investigation starts",
        )
    return outcome


def never_investigated(uow: UnitOfWork, case_ids: Sequence[int]) -> list[int]:
    """Cases under investigation with nothing asked yet: a crash came before their first steps.

    Investigating these again makes nothing twice (letters are keyed by step); investigating
    a case that has started would ask its decisions again, so those are left alone.
    """
    with uow:
        return [
            case_id
            for case_id in case_ids
            if uow.cases.get(case_id).status is Status.INVESTIGATING
            # A risk flag put to a person at acknowledgement is no step of the investigation.
            and not [d for d in uow.decisions.for_case(case_id) if d.kind != RISK_MAPPING]
            and not uow.directory.visits(case_id)
        ]


def ingest_file(
    uow: UnitOfWork,
    path: Path,
    *,
    settings: Settings,
    today: date,
    progress: Progress | None = None,
    source: str | None = None,
) -> IntakeReport:
    """Read a notification file row by row, open or link its cases and triage the new ones.

    The file is streamed: a batch of rows is read, taken in and committed before the next is
    read, so a file of any size needs little memory. `progress` hears (bytes read, file size).
    """
    with open_notification_file(path, today=today) as stream:
        report = IntakeReport(warnings=stream.warnings)
        counted = 0

        def after_batch(count: int) -> None:
            nonlocal counted
            counted += count
            if progress is not None:
                progress(stream.csv.bytes_read(), stream.csv.size)

        _ingest(
            uow,
            stream.rows,
            report,
            source=source or path.name,  # a held file keeps the name it was sent with
            settings=settings,
            today=today,
            after_batch=after_batch,
            # New cases are triaged as they are written; the pass below finds only leftovers.
            in_area=settings.council.postcode_districts,
        )
        report.rejections = sorted(stream.rejections, key=lambda r: r.row)
        if progress is not None:
            progress(stream.csv.size, stream.csv.size)
    report.rejected = len(report.rejections)
    report.received = counted + report.rejected
    # Triage every case still waiting, so one opened by a run that crashed before its triage
    # is not left in "received" (its row now counts as a duplicate, never as opened).
    with uow:
        waiting = [summary.case_id for summary in uow.cases.summaries(Status.RECEIVED)]
    report.not_cme += len(
        triage_cases(
            uow,
            waiting,
            today=today,
            in_area=settings.council.postcode_districts,
            handed_over=report.out_of_area_case_ids,
        )
    )
    report.out_of_area = len(report.out_of_area_case_ids)
    report.resume_case_ids = never_investigated(uow, report.taken_in_case_ids)
    return report
