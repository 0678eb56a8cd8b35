"""SQL repository of the case workspace: users, sessions, record access, notes, caseload, search."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from missing_education.domain import OPEN_STATUSES, case_reference
from missing_education.domain.deadline import Deadline
from missing_education.domain.workspace import (
    CORRECTABLE,
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
from missing_education.persistence.columns import aware
from missing_education.persistence.repository import identity_key
from missing_education.persistence.tables import (
    case_attention,
    cases,
    deadlines,
    home_visits,
    notifications,
    officers,
)
from missing_education.persistence.workspace_tables import (
    case_merges,
    case_notes,
    login_failures,
    record_access,
    users,
    web_sessions,
)
from missing_education.ports import WriteConflict

# An IN list, not `<> 'closed'`: the status index then finds the few open cases among many.
_OPEN = cases.c.status.in_([s.value for s in OPEN_STATUSES])


def _user(row: Any) -> User:
    return User(
        id=row.id,
        name=row.name,
        full_name=row.full_name,
        role=Role(row.role),
        officer_code=row.officer_code,
        password_hash=row.password_hash,
        active=row.active,
    )


class SqlWorkspaceRepository:
    """Everything the workspace keeps of its own, and its reads of the case records."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    # -- users, sessions, sign-in failures ------------------------------------------------

    def add_user(
        self, name: str, full_name: str, role: Role, officer_code: str, password_hash: str
    ) -> User:
        """A new user, or WriteConflict when the name is taken."""
        values = {
            "name": name,
            "full_name": full_name,
            "role": role.value,
            "officer_code": officer_code,
            "password_hash": password_hash,
            "active": True,
            "created_at": datetime.now(UTC),
        }
        try:
            with self.connection.begin_nested():
                result = self.connection.execute(insert(users).values(values))
        except (IntegrityError, WriteConflict):
            raise WriteConflict("that user name is taken") from None
        assert result.inserted_primary_key is not None
        return _user(type("Row", (), {**values, "id": result.inserted_primary_key[0]}))

    def user(self, name: str) -> User | None:
        """The user who signs in with this name."""
        row = self.connection.execute(select(users).where(users.c.name == name)).first()
        return _user(row) if row else None

    def users(self) -> list[User]:
        """Every user, by name."""
        return [_user(r) for r in self.connection.execute(select(users).order_by(users.c.name))]

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        """Replace a user's password hash (argon2 parameters were raised)."""
        self.connection.execute(
            update(users).where(users.c.id == user_id).values(password_hash=password_hash)
        )

    def add_session(
        self, token_sha256: str, user_id: int, csrf_token: str, at: datetime, expires: datetime
    ) -> None:
        """Remember a signed-in browser by the digest of its cookie."""
        self.connection.execute(
            insert(web_sessions).values(
                token_sha256=token_sha256,
                user_id=user_id,
                csrf_token=csrf_token,
                created_at=at,
                expires_at=expires,
            )
        )

    def session(self, token_sha256: str, at: datetime) -> WebSession | None:
        """The live session with this cookie digest (None when unknown or expired)."""
        row = self.connection.execute(
            select(web_sessions, users)
            .join(users, users.c.id == web_sessions.c.user_id)
            .where(web_sessions.c.token_sha256 == token_sha256)
        ).first()
        if row is None or aware(row.expires_at) <= at or not row.active:
            return None
        user = User(
            id=row.user_id,
            name=row.name,
            full_name=row.full_name,
            role=Role(row.role),
            officer_code=row.officer_code,
            password_hash=row.password_hash,
            active=row.active,
        )
        return WebSession(
            id=row[0],
            user=user,
            csrf_token=row.csrf_token,
            expires_at=aware(row.expires_at),
            started_at=aware(row.created_at),
        )

    def extend_session(self, session_id: int, expires: datetime) -> None:
        """Push a session's end on (each request it makes)."""
        self.connection.execute(
            update(web_sessions).where(web_sessions.c.id == session_id).values(expires_at=expires)
        )

    def end_session(self, token_sha256: str) -> None:
        """Sign a browser out."""
        self.connection.execute(
            delete(web_sessions).where(web_sessions.c.token_sha256 == token_sha256)
        )

    def forget_expired(self, at: datetime, failures_before: datetime) -> int:
        """Delete sessions that have ended, and wrong passwords too old to count; how many
        sessions went."""
        gone = self.connection.execute(delete(web_sessions).where(web_sessions.c.expires_at <= at))
        self.connection.execute(
            delete(login_failures).where(login_failures.c.at <= failures_before)
        )
        return int(gone.rowcount)

    def add_login_failure(self, name: str, at: datetime) -> None:
        """A wrong password (or unknown name) was given for this name."""
        self.connection.execute(insert(login_failures).values(name=name[:100], at=at))

    def login_failures(self, name: str, since: datetime) -> int:
        """How many wrong passwords were given for this name since then."""
        return int(
            self.connection.execute(
                select(func.count())
                .select_from(login_failures)
                .where(login_failures.c.name == name[:100], login_failures.c.at > since)
            ).scalar_one()
        )

    def clear_login_failures(self, name: str) -> None:
        """Forget wrong passwords after a right one."""
        self.connection.execute(delete(login_failures).where(login_failures.c.name == name[:100]))

    # -- who looked at what ---------------------------------------------------------------

    def record_access(self, case_id: int, who: str, action: str, at: datetime) -> None:
        """Keep that someone viewed a case or downloaded one of its letters."""
        self.connection.execute(
            insert(record_access).values(case_id=case_id, who=who, action=action, at=at)
        )

    def accesses(self, case_id: int | None = None) -> list[RecordAccess]:
        """Every recorded view and download (of one case, or all), oldest first."""
        query = select(record_access).order_by(record_access.c.id)
        if case_id is not None:
            query = query.where(record_access.c.case_id == case_id)
        return [
            RecordAccess(case_id=r.case_id, who=r.who, action=r.action, at=aware(r.at))
            for r in self.connection.execute(query)
        ]

    # -- notes and contacts ---------------------------------------------------------------

    def add_note(self, note: CaseNote) -> None:
        """Add a note or contact log entry to a case."""
        values = asdict(note)
        del values["id"]  # the database numbers notes
        self.connection.execute(insert(case_notes).values(values))

    def notes(self, case_id: int) -> list[CaseNote]:
        """A case's notes and contacts, newest first."""
        rows = self.connection.execute(
            select(case_notes)
            .where(case_notes.c.case_id == case_id)
            .order_by(case_notes.c.id.desc())
        )
        return [
            CaseNote(
                id=r.id,
                case_id=r.case_id,
                kind=r.kind,
                at=aware(r.at),
                who=r.who,
                text=r.text,
                contact_with=r.contact_with,
                contact_method=r.contact_method,
                contact_on=r.contact_on,
            )
            for r in rows
        ]

    # -- caseload and search --------------------------------------------------------------

    def _rows(
        self, where: list[Any], limit: int, *, open_only: bool, joined: bool, count: bool
    ) -> tuple[list[CaseloadRow], int]:
        next_due = (
            select(deadlines.c.case_id, func.min(deadlines.c.due).label("due"))
            .where(deadlines.c.met_on.is_(None), deadlines.c.acted_on.is_(None))
            .group_by(deadlines.c.case_id)
            .subquery()
        )
        visit = (
            select(home_visits.c.case_id, func.max(home_visits.c.officer_id).label("officer_id"))
            .where(home_visits.c.officer_id.is_not(None), home_visits.c.outcome.is_(None))
            .group_by(home_visits.c.case_id)
            .subquery()
        )
        conditions = and_(True, _OPEN, *where) if open_only else and_(True, *where)
        base = (
            cases.outerjoin(next_due, next_due.c.case_id == cases.c.id)
            .outerjoin(visit, visit.c.case_id == cases.c.id)
            .outerjoin(officers, officers.c.id == visit.c.officer_id)
            .outerjoin(case_attention, case_attention.c.case_id == cases.c.id)
        )
        total = 0
        if count:
            # Counting needs the joins only when a filter is on the officer or the flag.
            counted = base if joined else cases
            total = self.connection.execute(
                select(func.count()).select_from(counted).where(conditions)
            ).scalar_one()
        query = (
            select(
                cases.c.id,
                cases.c.status,
                cases.c.forename,
                cases.c.surname,
                cases.c.date_of_birth,
                cases.c.school_name,
                cases.c.safeguarding,
                next_due.c.due,
                officers.c.name.label("officer"),
                case_attention.c.case_id.label("flagged"),
            )
            .select_from(base)
            .where(conditions)
            .order_by(next_due.c.due.is_(None), next_due.c.due, cases.c.id)
            .limit(limit)
        )
        rows = self.connection.execute(query).all()
        steps = self._steps([r.id for r in rows if r.due is not None])
        return [
            CaseloadRow(
                case_id=r.id,
                reference=case_reference(r.id),
                status=r.status,
                forename=r.forename,
                surname=r.surname,
                date_of_birth=r.date_of_birth,
                school_name=r.school_name,
                safeguarding=r.safeguarding,
                deadline=r.due if r.status != "closed" else None,
                deadline_step=steps.get(r.id) if r.status != "closed" else None,
                officer=r.officer or "",
                needs_attention=r.flagged is not None,
            )
            for r in rows
        ], int(total)

    def _steps(self, case_ids: list[int]) -> dict[int, str]:
        if not case_ids:
            return {}
        rows = self.connection.execute(
            select(deadlines.c.case_id, deadlines.c.step)
            .where(
                deadlines.c.case_id.in_(case_ids),
                deadlines.c.met_on.is_(None),
                deadlines.c.acted_on.is_(None),
            )
            .order_by(deadlines.c.case_id, deadlines.c.due, deadlines.c.id)
        ).all()
        first: dict[int, str] = {}
        for row in rows:
            first.setdefault(row.case_id, row.step)
        return first

    def caseload(self, wanted: CaseloadFilter, limit: int = 200) -> tuple[list[CaseloadRow], int]:
        """Open cases, overdue and soonest due first, filtered; and how many match in all."""
        where: list[Any] = []
        if wanted.status:
            where.append(cases.c.status == wanted.status)
        if wanted.officer:
            where.append(officers.c.code == wanted.officer)
        if wanted.school:
            where.append(
                or_(cases.c.school_urn == wanted.school, cases.c.school_name == wanted.school)
            )
        if wanted.safeguarding is not None:
            where.append(cases.c.safeguarding.is_(wanted.safeguarding))
        if wanted.needs_attention is not None:
            flagged = case_attention.c.case_id
            where.append(flagged.is_not(None) if wanted.needs_attention else flagged.is_(None))
        joined = bool(wanted.officer) or wanted.needs_attention is not None
        return self._rows(where, limit, open_only=True, joined=joined, count=True)

    def search(self, wanted: CaseSearch, limit: int = 100) -> list[CaseloadRow]:
        """Cases open or closed by reference, UPN, date of birth or a name (forename or surname)."""
        where: list[Any] = []
        if wanted.case_id is not None:
            where.append(cases.c.id == wanted.case_id)
        if wanted.upn:
            where.append(cases.c.upn == wanted.upn)
        if wanted.date_of_birth is not None:
            where.append(cases.c.date_of_birth == wanted.date_of_birth)
        if wanted.name:
            # A prefix as a range on the lower-cased names: both databases use their indexes.
            for word in wanted.name.lower().split()[:4]:
                where.append(
                    or_(
                        *(
                            and_(func.lower(column) >= word, func.lower(column) < word + "\uffff")
                            for column in (cases.c.surname, cases.c.forename)
                        )
                    )
                )
        if not where:
            return []
        return self._rows(where, limit, open_only=False, joined=False, count=False)[0]

    def officer_ids_of(self, case_id: int) -> set[int]:
        """Officers whose home visits on this case are theirs (assigned, open or made)."""
        return {
            int(r)
            for r in self.connection.execute(
                select(home_visits.c.officer_id).where(
                    home_visits.c.case_id == case_id, home_visits.c.officer_id.is_not(None)
                )
            ).scalars()
        }

    # -- corrections ----------------------------------------------------------------------

    def case_fields(self, case_id: int) -> dict[str, Any]:
        """The correctable fields of a case as stored."""
        row = self.connection.execute(
            select(*(cases.c[name] for name in CORRECTABLE)).where(cases.c.id == case_id)
        ).first()
        return dict(row._mapping) if row else {}

    def correct(self, case_id: int, values: dict[str, Any], school_age: dict[str, Any]) -> None:
        """Write corrected fields, the identity key and compulsory school age dates."""
        merged = {**self.case_fields(case_id), **values}
        new = {**values, **school_age}
        if merged["forename"] and merged["surname"] and merged["date_of_birth"]:
            # Otherwise the key stays the notification's own fingerprint (repository.identity_key)
            new["identity_key"] = identity_key(
                merged["forename"], merged["surname"], merged["date_of_birth"]
            )
        try:
            with self.connection.begin_nested():
                self.connection.execute(update(cases).where(cases.c.id == case_id).values(new))
        except (IntegrityError, WriteConflict):
            raise WriteConflict("another open case has the same child") from None

    # -- merging duplicates ---------------------------------------------------------------

    def add_merge(self, merge: CaseMerge) -> None:
        """Keep that a duplicate was merged into the case kept for the child."""
        self.connection.execute(insert(case_merges).values(asdict(merge)))

    def merges(self, case_id: int) -> list[CaseMerge]:
        """Merges this case took part in, as the duplicate or as the kept case, oldest first."""
        rows = self.connection.execute(
            select(case_merges)
            .where(or_(case_merges.c.duplicate_id == case_id, case_merges.c.kept_id == case_id))
            .order_by(case_merges.c.merged_at, case_merges.c.duplicate_id)
        )
        return [
            CaseMerge(
                duplicate_id=r.duplicate_id,
                kept_id=r.kept_id,
                merged_by=r.merged_by,
                merged_at=aware(r.merged_at),
            )
            for r in rows
        ]

    def move_to_case(self, from_case_id: int, to_case_id: int) -> dict[str, int]:
        """Move a duplicate's notifications and notes to the kept case; how many of each."""
        moved = {}
        for name, table in (("notifications", notifications), ("notes", case_notes)):
            result = self.connection.execute(
                update(table).where(table.c.case_id == from_case_id).values(case_id=to_case_id)
            )
            moved[name] = int(result.rowcount)
        return moved

    def set_deadline_school(self, deadline: Deadline, school_urn: str) -> None:
        """Count a deadline on another school's calendar (its school URN was corrected)."""
        self.connection.execute(
            update(deadlines)
            .where(
                deadlines.c.case_id == deadline.case_id,
                deadlines.c.step == deadline.step.value,
                deadlines.c.round == deadline.round,
            )
            .values(school_urn=school_urn)
        )
