"""What the services need from storage: a unit of work and its repositories (Protocols)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Any, Protocol, Self

import pandas as pd

from missing_education.domain import (
    Case,
    DomainError,
    HistoryEntry,
    Notification,
    Outcome,
    Status,
)
from missing_education.domain.attention import Attention
from missing_education.domain.check import DatabaseCheck, SourceInfo
from missing_education.domain.deadline import Deadline, Step
from missing_education.domain.decision import DecisionRequest
from missing_education.domain.directory import HomeVisit, Officer, School
from missing_education.domain.letter import Channel, Delivery, LetterRecord, PrintBatch
from missing_education.domain.workspace import (
    CaseloadFilter,
    CaseloadRow,
    CaseMerge,
    CaseNote,
    CaseSearch,
    RecordAccess,
    Role,
    User,
    WebSession,
)
from missing_education.rules.calendar import CalendarPeriod
from missing_education.rules.school_age import SchoolAge


class WriteConflict(Exception):
    """Another process wrote the same row first (a unique key, a lock, a moved case).

    Nothing of the transaction is kept: roll back, then do the work again, and it finds what
    the other process wrote. Messages name tables, never a child's details.
    """


class DatabaseUnavailable(DomainError):
    """The case database could not be reached or the connection was lost mid-work.

    Everything since the last commit is rolled back by the database itself; running the same
    command again when the database is back carries on from there.
    """


@dataclass(frozen=True)
class CaseSummary:
    """One line of the case list: no personal data beyond what the coordinator's list shows."""

    case_id: int
    reference: str
    status: Status
    deadline: date | None
    deadline_step: str | None
    opened_on: date


@dataclass(frozen=True)
class NotificationRecord:
    """A notification as stored against its case."""

    id: int
    case_id: int
    source: str
    row_number: int
    referral_date: date
    referrer_organisation: str
    referrer_name: str
    referrer_email: str
    disposition: str
    vulnerabilities: tuple[str, ...] = ()


@dataclass(frozen=True)
class NewCase:
    """A case to open for the child in a notification, with its first history entries."""

    notification: Notification
    status: Status
    opened_on: date
    history: Sequence[HistoryEntry] = ()
    school_age: SchoolAge | None = None
    # A case triaged as it is opened may be opened closed (not CME, handed over).
    outcome: Outcome | None = None
    closed_on: date | None = None


class CaseRepository(Protocol):
    """Cases and their history."""

    def add(
        self,
        notification: Notification,
        *,
        status: Status,
        opened_on: date,
        history: Sequence[HistoryEntry] = (),
        school_age: SchoolAge | None = None,
    ) -> Case: ...
    def get(self, case_id: int, *, lock: bool = False) -> Case: ...
    def open_past_school_age(self, on: date) -> list[int]: ...
    def save(self, case: Case) -> None: ...
    def find_open(self, notification: Notification) -> int | None: ...
    def find_open_many(
        self, notifications: Sequence[Notification]
    ) -> list[tuple[int, bool] | None]: ...
    def add_many(self, new: Sequence[NewCase]) -> list[int]: ...
    def summaries(self, status: Status | None = None) -> list[CaseSummary]: ...
    def open_case_ids(self) -> list[int]: ...


class NotificationRepository(Protocol):
    """Notifications, each kept once however often its file is ingested."""

    def cases_for(self, fingerprints: Sequence[str]) -> dict[str, int]: ...
    def add(
        self, case_id: int, notification: Notification, *, source: str, row: int, disposition: str
    ) -> None: ...
    def add_many(
        self, rows: Sequence[tuple[int, Notification, int, str]], *, source: str
    ) -> None: ...
    def for_case(self, case_id: int) -> list[NotificationRecord]: ...


class DeadlineRepository(Protocol):
    """Deadlines of every case's steps."""

    def add(self, deadline: Deadline) -> bool: ...
    def add_new(self, deadline: Deadline) -> None: ...
    def add_new_many(self, deadlines: Sequence[Deadline]) -> None: ...
    def for_case(self, case_id: int) -> list[Deadline]: ...
    def open(self) -> list[Deadline]: ...
    def update_due(self, deadline: Deadline, due: date) -> None: ...
    def claim(self, deadline: Deadline, on: date) -> bool: ...
    def meet(self, case_id: int, step: Step, on: date) -> None: ...


class CalendarRepository(Protocol):
    """The council's and schools' term and closure dates."""

    def periods(self) -> list[CalendarPeriod]: ...
    def replace(self, school_urns: Iterable[str], periods: Sequence[CalendarPeriod]) -> None: ...


@dataclass(frozen=True)
class QueuedLetter:
    """A letter recorded but not yet typeset: what the renderer needs to make its PDF."""

    id: int
    case_id: int
    letter_type: str
    context: str  # JSON, as letters.context_json writes it
    template_version: str


@dataclass(frozen=True)
class HeldFileRecord:
    """A notification file held for intake: its id, the name it came with, where it came from."""

    id: str
    name: str
    size: int
    from_inbox: bool
    reason: str | None  # why it was refused whole, if it was (for the person, not Prefect)
    released_at: datetime | None = None  # taken in and let go: bytes and name dropped


class HeldFileStore(Protocol):
    """Notification files waiting for intake, in the case database: any worker host reads them."""

    def add(self, record: HeldFileRecord, content: bytes, *, at: datetime) -> None: ...
    def get(self, file_id: str) -> HeldFileRecord | None: ...
    def content(self, file_id: str) -> bytes | None: ...
    def refuse(self, file_id: str, reason: str) -> None: ...
    def release(self, file_id: str, *, at: datetime) -> bool: ...
    def from_inbox(self) -> list[str]: ...
    def remove_uploads_held_before(self, moment: datetime) -> int: ...


@dataclass(frozen=True)
class TypesetLetter:
    """A queued letter typeset: what its evidence records (the PDF itself goes to the store)."""

    id: int
    sha256: str
    pages: int
    template_version: str


class LetterStore(Protocol):
    """Where letters' PDFs are kept: one document per letter, read back as it was written."""

    def put(self, letter_id: int, pdf: bytes) -> None: ...
    def put_all(self, documents: Sequence[tuple[int, bytes]]) -> None: ...
    def read(self, letter_id: int) -> bytes | None: ...
    def chunks(self, letter_id: int, size: int = 65536) -> Iterator[bytes]: ...
    def delete_for_case(self, case_id: int) -> int: ...


class LetterRepository(Protocol):
    """Letters kept as evidence, and the outbox."""

    def find(self, case_id: int, step_key: str) -> LetterRecord | None: ...
    def add(self, values: dict[str, Any]) -> LetterRecord: ...
    def get(self, letter_id: int) -> LetterRecord: ...
    def for_case(self, case_id: int) -> list[LetterRecord]: ...
    def outbox(
        self,
        statuses: tuple[Delivery, ...] | None = None,
        *,
        channel: Channel | None = None,
        print_batch_id: int | None = None,
        unbatched: bool = False,
    ) -> list[LetterRecord]: ...
    def claim(self, letter_id: int, from_status: Delivery, to_status: Delivery) -> bool: ...
    def set_delivery(self, letter_id: int, **values: Any) -> None: ...
    def add_print_batch(self, values: dict[str, Any], letter_ids: list[int]) -> PrintBatch: ...
    def print_batch(self, batch_id: int) -> PrintBatch: ...
    def confirm_print_batch(self, batch_id: int, at: datetime) -> int: ...
    def untypeset(
        self, *, limit: int, after_id: int = 0, letter_ids: Sequence[int] | None = None
    ) -> list[QueuedLetter]: ...
    def record_typeset(
        self, letter_id: int, *, sha256: str, pages: int, template_version: str, at: datetime
    ) -> bool: ...
    def record_typeset_all(self, typeset: Sequence[TypesetLetter], *, at: datetime) -> int: ...


class DirectoryRepository(Protocol):
    """Schools, officers and home visits."""

    def school(self, urn: str) -> School | None: ...
    def upsert_schools(self, rows: list[School]) -> None: ...
    def officers(self) -> list[Officer]: ...
    def officer(self, officer_id: int) -> Officer | None: ...
    def upsert_officers(self, rows: list[dict[str, Any]]) -> None: ...
    def caseloads(self) -> dict[int, int]: ...
    def add_visit(self, visit: HomeVisit) -> bool: ...
    def visits(
        self, case_id: int | None = None, *, unassigned: bool = False
    ) -> list[HomeVisit]: ...
    def update_visit(self, case_id: int, round: int, **values: Any) -> None: ...


@dataclass(frozen=True)
class QueuedDecision:
    """A decision waiting on an open case, with what the queue shows beside it."""

    request: DecisionRequest
    safeguarding: bool
    open_due: dict[Step, date]  # the latest due date of each of the case's open steps


class DecisionRepository(Protocol):
    """Decisions asked of coordinators and their answers."""

    def request(self, case_id: int, kind: str, requested_on: date) -> DecisionRequest: ...
    def open_for(self, case_id: int, kind: str) -> DecisionRequest | None: ...
    def waiting(self) -> list[DecisionRequest]: ...
    def queue(self) -> list[QueuedDecision]: ...
    def for_case(self, case_id: int) -> list[DecisionRequest]: ...
    def answer(
        self, request: DecisionRequest, answer: str, details: dict[str, Any], who: str, at: datetime
    ) -> bool: ...
    def attach_flow_run(self, request: DecisionRequest, flow_run_id: str) -> None: ...


class SourceRepository(Protocol):
    """Council data sources and the checks made against them."""

    def replace(self, info: SourceInfo, records: pd.DataFrame) -> None: ...
    def all(self) -> list[SourceInfo]: ...
    def records(self, name: str) -> pd.DataFrame: ...
    def add_check(self, check: DatabaseCheck) -> bool: ...
    def checks(self, case_id: int) -> list[DatabaseCheck]: ...


@dataclass(frozen=True)
class AuditEntry:
    """One thing done on a case: when, who (a user or "system"), what, and to which case."""

    at: datetime
    case_id: int
    who: str
    action: str
    detail: str


class AuditRepository(Protocol):
    """Who did what and when, across the case history, decisions and letters."""

    def entries(self, case_id: int | None = None) -> list[AuditEntry]: ...


@dataclass(frozen=True)
class Anonymised:
    """What anonymising one case removed: PDFs in the database, files to delete before commit."""

    case_id: int
    letter_paths: list[str]
    print_batch_paths: list[str]
    documents_deleted: int = 0  # letters' PDFs removed from the database in the same commit


class RetentionRepository(Protocol):
    """Closed cases past their retention period, and their anonymisation."""

    def due(self, closed_on_or_before: date) -> list[int]: ...
    def anonymise(self, case_id: int, entry: HistoryEntry, on: date) -> Anonymised: ...


class WorkspaceRepository(Protocol):
    """The case workspace's users, sessions, record access, notes, caseload and search."""

    def add_user(
        self, name: str, full_name: str, role: Role, officer_code: str, password_hash: str
    ) -> User: ...
    def user(self, name: str) -> User | None: ...
    def users(self) -> list[User]: ...
    def set_password_hash(self, user_id: int, password_hash: str) -> None: ...
    def add_session(
        self, token_sha256: str, user_id: int, csrf_token: str, at: datetime, expires: datetime
    ) -> None: ...
    def session(self, token_sha256: str, at: datetime) -> WebSession | None: ...
    def extend_session(self, session_id: int, expires: datetime) -> None: ...
    def end_session(self, token_sha256: str) -> None: ...
    def forget_expired(self, at: datetime, failures_before: datetime) -> int: ...
    def add_login_failure(self, name: str, at: datetime) -> None: ...
    def login_failures(self, name: str, since: datetime) -> int: ...
    def clear_login_failures(self, name: str) -> None: ...
    def record_access(self, case_id: int, who: str, action: str, at: datetime) -> None: ...
    def accesses(self, case_id: int | None = None) -> list[RecordAccess]: ...
    def add_note(self, note: CaseNote) -> None: ...
    def notes(self, case_id: int) -> list[CaseNote]: ...
    def caseload(
        self, wanted: CaseloadFilter, limit: int = 200
    ) -> tuple[list[CaseloadRow], int]: ...
    def search(self, wanted: CaseSearch, limit: int = 100) -> list[CaseloadRow]: ...
    def officer_ids_of(self, case_id: int) -> set[int]: ...
    def case_fields(self, case_id: int) -> dict[str, Any]: ...
    def correct(self, case_id: int, values: dict[str, Any], school_age: dict[str, Any]) -> None: ...
    def add_merge(self, merge: CaseMerge) -> None: ...
    def merges(self, case_id: int) -> list[CaseMerge]: ...
    def move_to_case(self, from_case_id: int, to_case_id: int) -> dict[str, int]: ...
    def set_deadline_school(self, deadline: Deadline, school_urn: str) -> None: ...


class AttentionRepository(Protocol):
    """Cases a step failed on, with the reason, until a step on them succeeds."""

    def flag(self, case_id: int, category: str, reason: str, on: date) -> Attention: ...
    def clear(self, case_id: int) -> None: ...
    def resolve(self, case_id: int, category: str) -> None: ...
    def get(self, case_id: int) -> Attention | None: ...
    def all(self) -> list[Attention]: ...


class CaseBatch(Protocol):
    """A batch of cases with overdue steps, locked and claimed, their records read in bulk.

    `uow` answers a step from the batch's records and stages its writes per case; `discard`
    drops what one case's step staged (its claims are released), `flush` writes the rest in
    the caller's transaction, which then commits the batch as a whole.
    """

    uow: UnitOfWork
    claimed: list[Deadline]
    last_case_id: int

    def discard(self, case_id: int) -> None: ...
    def flush(self) -> None: ...


class CaseBatches(Protocol):
    """Batches of cases: the sweep's (the next cases with a step overdue), or cases by id."""

    def claim_batch(self, today: date, *, after_case_id: int, limit: int) -> CaseBatch | None: ...
    def load(self, case_ids: Sequence[int]) -> CaseBatch: ...


class UnitOfWork(Protocol):
    """One transaction over the repositories: `with uow: ...; uow.commit()`."""

    cases: CaseRepository
    notifications: NotificationRepository
    deadlines: DeadlineRepository
    calendar: CalendarRepository
    letters: LetterRepository
    documents: LetterStore
    held_files: HeldFileStore
    directory: DirectoryRepository
    decisions: DecisionRepository
    sources: SourceRepository
    audit: AuditRepository
    retention: RetentionRepository
    workspace: WorkspaceRepository
    attention: AttentionRepository
    batches: CaseBatches

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


class DecisionRuns(Protocol):
    """The orchestration side of decisions: each waiting decision has one run to answer it in.

    The services call it after their transaction commits; without an orchestrator (embedded
    mode, tests) it does nothing and decisions are answered with `cme decide`.
    """

    def ask(self, case_ids: Sequence[int]) -> None:
        """Give every decision now waiting on these cases its run (once each, however often)."""
        ...

    def finish(self, flow_run_ids: Sequence[str]) -> None:
        """Finish these runs: their decisions were answered another way or the case closed."""
        ...
