"""The SQL unit of work: one connection, one transaction, every repository on it."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine

from missing_education.persistence.attention_repository import SqlAttentionRepository
from missing_education.persistence.audit_repository import SqlAuditRepository
from missing_education.persistence.calendar_repository import SqlCalendarRepository
from missing_education.persistence.case_batch import SqlCaseBatches
from missing_education.persistence.database import ensure_schema
from missing_education.persistence.deadline_repository import SqlDeadlineRepository
from missing_education.persistence.decision_repository import SqlDecisionRepository
from missing_education.persistence.directory_repository import SqlDirectoryRepository
from missing_education.persistence.held_file_store import SqlHeldFileStore
from missing_education.persistence.letter_repository import SqlLetterRepository
from missing_education.persistence.letter_store import SqlLetterStore
from missing_education.persistence.notification_repository import SqlNotificationRepository
from missing_education.persistence.repository import SqlCaseRepository
from missing_education.persistence.retention_repository import SqlRetentionRepository
from missing_education.persistence.source_repository import SqlSourceRepository
from missing_education.persistence.workspace_repository import SqlWorkspaceRepository
from missing_education.ports import (
    AttentionRepository,
    AuditRepository,
    CalendarRepository,
    CaseBatches,
    CaseRepository,
    DatabaseUnavailable,
    DeadlineRepository,
    DecisionRepository,
    DirectoryRepository,
    HeldFileStore,
    LetterRepository,
    LetterStore,
    NotificationRepository,
    RetentionRepository,
    SourceRepository,
    WorkspaceRepository,
    WriteConflict,
)


def _without_driver_error(error: DatabaseUnavailable | WriteConflict) -> Exception:
    return type(error)(*error.args)


class SqlUnitOfWork:
    """`with SqlUnitOfWork(url) as uow: ...; uow.commit()`; leaving without commit rolls back."""

    cases: CaseRepository
    notifications: NotificationRepository
    deadlines: DeadlineRepository
    calendar: CalendarRepository
    letters: LetterRepository
    documents: LetterStore
    directory: DirectoryRepository
    decisions: DecisionRepository
    sources: SourceRepository
    audit: AuditRepository
    retention: RetentionRepository
    workspace: WorkspaceRepository
    attention: AttentionRepository
    batches: CaseBatches
    held_files: HeldFileStore

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine | None = None
        self._connection: Connection | None = None

    def __enter__(self) -> Self:
        try:
            self._engine = ensure_schema(self.url)
            self._connection = self._engine.connect()
            self._connection.begin()
        except (DatabaseUnavailable, WriteConflict) as error:
            raise _without_driver_error(error) from None
        self.cases = SqlCaseRepository(self._connection)
        self.notifications = SqlNotificationRepository(self._connection)
        self.deadlines = SqlDeadlineRepository(self._connection)
        self.calendar = SqlCalendarRepository(self._connection)
        self.letters = SqlLetterRepository(self._connection)
        self.documents = SqlLetterStore(self._connection)
        self.held_files = SqlHeldFileStore(self._connection)
        self.directory = SqlDirectoryRepository(self._connection)
        self.decisions = SqlDecisionRepository(self._connection)
        self.sources = SqlSourceRepository(self._connection)
        self.audit = SqlAuditRepository(self._connection)
        self.retention = SqlRetentionRepository(self._connection)
        self.workspace = SqlWorkspaceRepository(self._connection)
        self.attention = SqlAttentionRepository(self._connection)
        self.batches = SqlCaseBatches(self._connection, self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._connection is not None
        connection, self._connection = self._connection, None
        try:
            connection.rollback()
            connection.close()
        except DatabaseUnavailable:
            connection.invalidate()  # the server went away: nothing is left to roll back
        if isinstance(exc, DatabaseUnavailable | WriteConflict):
            # The driver's error, chained below ours, quotes the row: children's details.
            raise _without_driver_error(exc) from None

    def commit(self) -> None:
        """Make the work permanent and start a new transaction."""
        assert self._connection is not None
        self._connection.commit()
        self._connection.begin()

    def rollback(self) -> None:
        """Throw away uncommitted work."""
        assert self._connection is not None
        self._connection.rollback()
