"""What the services need from storage: a unit of work and its repositories (Protocols)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from types import TracebackType
from typing import Protocol, Self

from missing_education.domain import Case, Notification, Status
from missing_education.domain.deadline import Deadline, Step
from missing_education.rules.calendar import CalendarPeriod


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

    case_id: int
    source: str
    row_number: int
    referral_date: date
    referrer_organisation: str
    disposition: str


class CaseRepository(Protocol):
    """Cases and their history."""

    def add(self, notification: Notification, *, status: Status, opened_on: date) -> Case: ...
    def get(self, case_id: int) -> Case: ...
    def save(self, case: Case) -> None: ...
    def find_open(self, notification: Notification) -> int | None: ...
    def summaries(self, status: Status | None = None) -> list[CaseSummary]: ...
    def open_case_ids(self) -> list[int]: ...


class NotificationRepository(Protocol):
    """Notifications, each kept once however often its file is ingested."""

    def seen(self, fingerprint: str) -> bool: ...
    def add(
        self, case_id: int, notification: Notification, *, source: str, row: int, disposition: str
    ) -> None: ...
    def for_case(self, case_id: int) -> list[NotificationRecord]: ...


class DeadlineRepository(Protocol):
    """Deadlines of every case's steps."""

    def add(self, deadline: Deadline) -> bool: ...
    def for_case(self, case_id: int) -> list[Deadline]: ...
    def open(self) -> list[Deadline]: ...
    def update_due(self, deadline: Deadline, due: date) -> None: ...
    def meet(self, case_id: int, step: Step, on: date) -> None: ...


class CalendarRepository(Protocol):
    """The council's and schools' term and closure dates."""

    def periods(self) -> list[CalendarPeriod]: ...
    def replace(self, school_urns: Iterable[str], periods: Sequence[CalendarPeriod]) -> None: ...


class UnitOfWork(Protocol):
    """One transaction over the repositories: `with uow: ...; uow.commit()`."""

    cases: CaseRepository
    notifications: NotificationRepository
    deadlines: DeadlineRepository
    calendar: CalendarRepository

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
