"""The SQL repository of cases: each child's case, its history, and finding a child's open case."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    RowMapping,
    bindparam,
    func,
    insert,
    literal_column,
    or_,
    select,
    text,
    update,
)

from missing_education.clock import now
from missing_education.domain import (
    OPEN_STATUSES,
    Case,
    CaseNotFound,
    Child,
    HistoryEntry,
    Notification,
    Outcome,
    Status,
    case_reference,
)
from missing_education.persistence.bulk import insert_rows
from missing_education.persistence.columns import aware
from missing_education.persistence.tables import (
    case_history,
    cases,
    deadlines,
)
from missing_education.ports import CaseSummary, NewCase, WriteConflict
from missing_education.rules.school_age import SchoolAge, compulsory_school_age

_OPEN = [s.value for s in OPEN_STATUSES]

# The statements intake and acknowledgement run for every row, built once: building one per
# row (and working out its cache key) cost more than running it.
_INSERT_CASE = insert(cases)
_NEXT_CASE_IDS = text(
    "SELECT nextval(pg_get_serial_sequence('cases', 'id')) FROM generate_series(1, :n)"
)
_INSERT_HISTORY = insert(case_history)
_CASE = select(cases).where(cases.c.id == bindparam("case_id"))
_CASE_LOCKED = _CASE.with_for_update()
_HISTORY = (
    select(case_history)
    .where(case_history.c.case_id == bindparam("case_id"))
    .order_by(case_history.c.id)
)
_SAVE = (
    update(cases)
    .where(cases.c.id == bindparam("case_id"))
    .values(
        status=bindparam("new_status"),
        outcome=bindparam("new_outcome"),
        closed_on=bindparam("new_closed_on"),
        vulnerabilities=bindparam("new_vulnerabilities"),
        safeguarding=bindparam("new_safeguarding"),
    )
)


def saved_values(case: Case) -> dict[str, Any]:
    """What saving a case writes to its row (`_SAVE`'s parameters)."""
    return {
        "case_id": case.id,
        "new_status": case.status.value,
        "new_outcome": case.outcome.value if case.outcome else None,
        "new_closed_on": case.closed_on,
        "new_vulnerabilities": ";".join(case.vulnerabilities),
        "new_safeguarding": case.safeguarding,
    }


_SAVE_MOVE = _SAVE.where(cases.c.status == bindparam("old_status"))
_OPEN_BY_IDENTITY = (
    select(cases.c.id, cases.c.upn)
    .where(cases.c.identity_key == bindparam("key"), cases.c.status.in_(_OPEN))
    .order_by(cases.c.id)
)
_OPEN_BY_UPN_OR_IDENTITY = (
    select(cases.c.id, cases.c.upn)
    .where(
        or_(cases.c.upn == bindparam("upn"), cases.c.identity_key == bindparam("key")),
        cases.c.status.in_(_OPEN),
    )
    .order_by(cases.c.id)
)


def identity_key(
    forename: str, surname: str, date_of_birth: date | None, fingerprint: str = ""
) -> str:
    """The folded name and birth date used to find a child's open case.

    Without both names, name and birthday identify nobody; nor does a name without a
    birthday (children share names): the notification's own fingerprint stands in, so only
    the same notification taken in again finds the case (or its UPN).
    """
    if date_of_birth is None:
        return f"no-date-of-birth|{fingerprint}"
    if not (forename.strip() and surname.strip()):
        return f"unnamed|{fingerprint}|{date_of_birth.isoformat()}"
    key = f"{_fold(forename)}|{_fold(surname)}|{date_of_birth.isoformat()}"
    if len(key) <= cases.c.identity_key.type.length:  # type: ignore[attr-defined]
        return key
    # Folding can lengthen a name ("ß" is "ss"): a digest keeps such keys within the column.
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _history_row(case_id: int, entry: HistoryEntry) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "at": entry.at,
        "who": entry.who,
        "from_status": entry.from_status.value if entry.from_status else None,
        "to_status": entry.to_status.value,
        "why": entry.why,
    }


def _case_values(
    n: Notification, status: Status, opened_on: date, school_age: SchoolAge | None
) -> dict[str, Any]:
    """A new case's row for the child in a notification."""
    if school_age is None and n.date_of_birth is not None:
        school_age = compulsory_school_age(n.date_of_birth)
    values: dict[str, Any] = {
        "status": status.value,
        "forename": n.forename,
        "surname": n.surname,
        "date_of_birth": n.date_of_birth,
        "sex": n.sex,
        "upn": n.upn,
        "address_line1": n.address_line1,
        "address_line2": n.address_line2,
        "town": n.town,
        "postcode": n.postcode,
        "parent_name": n.parent_name,
        "parent_phone": n.parent_phone,
        "parent_email": n.parent_email,
        "school_urn": n.school_urn,
        "school_name": n.school_name,
        "date_last_attended": n.date_last_attended,
        "reason": n.reason,
        "vulnerabilities": ";".join(n.vulnerabilities),
        "safeguarding": n.safeguarding,
        "referrer_name": n.referrer_name,
        "referrer_organisation": n.referrer_organisation,
        "referrer_email": n.referrer_email,
        "identity_key": identity_key(n.forename, n.surname, n.date_of_birth, n.fingerprint),
        "referral_date": n.referral_date,
        "opened_on": opened_on,
        # Not known without a date of birth (recorded later: services.corrections).
        "csa_starts": school_age.starts if school_age else None,
        "csa_ends": school_age.ends if school_age else None,
        "csa_needs_review": school_age.needs_review if school_age else False,
        "notes": n.notes,
        "created_at": now(),
    }
    return values


class SqlCaseRepository:
    """Cases and their append-only history."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(
        self,
        notification: Notification,
        *,
        status: Status,
        opened_on: date,
        history: Sequence[HistoryEntry] = (),
        school_age: SchoolAge | None = None,
    ) -> Case:
        """Open a case for the child in a notification, with its first history entries.

        `school_age` is worked out on the term calendar by the caller; without it, from the
        date of birth alone (1 September standing in for the autumn term's first day).
        """
        values = _case_values(notification, status, opened_on, school_age)
        inserted = self.connection.execute(_INSERT_CASE, values).inserted_primary_key
        assert inserted is not None
        case_id = inserted[0]
        case = self._case_from_row({**values, "id": case_id, "outcome": None, "closed_on": None})
        if history:
            self._append_history(case_id, history)
            case.history = list(history)
        return case

    def get(self, case_id: int, *, lock: bool = False) -> Case:
        """The case with its history, or CaseNotFound.

        With `lock`, the case's row stays locked until the transaction ends: another process
        working on the same case waits here, then reads what this one committed. Lock cases in
        id order so two processes never wait for each other.
        """
        query = _CASE_LOCKED if lock else _CASE
        row = self.connection.execute(query, {"case_id": case_id}).mappings().first()
        if row is None:
            raise CaseNotFound(case_id)
        case = self._case_from_row(row)
        history = self.connection.execute(_HISTORY, {"case_id": case_id}).mappings()
        case.history = [
            HistoryEntry(
                at=aware(h["at"]),
                who=h["who"],
                from_status=Status(h["from_status"]) if h["from_status"] else None,
                to_status=Status(h["to_status"]),
                why=h["why"],
            )
            for h in history
        ]
        return case

    @staticmethod
    def _case_from_row(row: RowMapping | dict[str, Any]) -> Case:
        return Case(
            id=row["id"],
            status=Status(row["status"]),
            child=Child(
                forename=row["forename"],
                surname=row["surname"],
                date_of_birth=row["date_of_birth"],
                sex=row["sex"],
                upn=row["upn"],
                address_line1=row["address_line1"],
                address_line2=row["address_line2"],
                town=row["town"],
                postcode=row["postcode"],
            ),
            opened_on=row["opened_on"],
            referral_date=row["referral_date"],
            school_urn=row["school_urn"],
            school_name=row["school_name"],
            parent_name=row["parent_name"],
            csa_ends=row["csa_ends"],
            date_last_attended=row["date_last_attended"],
            reason=row["reason"],
            vulnerabilities=tuple(v for v in row["vulnerabilities"].split(";") if v),
            safeguarding=row["safeguarding"],
            csa_needs_review=row["csa_needs_review"],
            outcome=Outcome(row["outcome"]) if row["outcome"] else None,
            closed_on=row["closed_on"],
        )

    def save(self, case: Case) -> None:
        """Write the case's status and outcome, and append its new history entries.

        A move is written only over the status it was made from: if another process moved the
        case since it was read, WriteConflict, and nothing is written (no second history entry).
        """
        values = saved_values(case)
        query = _SAVE
        if case.new_history and case.new_history[0].from_status is not None:
            query = _SAVE_MOVE
            values["old_status"] = case.new_history[0].from_status.value
        result = self.connection.execute(query, values)
        if result.rowcount != 1:
            raise WriteConflict(f"{case.reference} was moved on by another process")
        if case.new_history:
            self._append_history(case.id, case.new_history)
            case.new_history.clear()

    def _append_history(self, case_id: int, entries: Sequence[HistoryEntry]) -> None:
        self.connection.execute(_INSERT_HISTORY, [_history_row(case_id, e) for e in entries])

    def add_many(self, new: Sequence[NewCase]) -> list[int]:
        """Open many cases with one statement (ids in the order given), then their history."""
        if not new:
            return []
        rows = [_case_values(c.notification, c.status, c.opened_on, c.school_age) for c in new]
        for row, made in zip(rows, new, strict=True):
            row["outcome"] = made.outcome.value if made.outcome else None
            row["closed_on"] = made.closed_on
        if self.connection.dialect.name == "postgresql":
            # Ids from the sequence first, then one pipelined executemany: cheaper than one
            # INSERT ... RETURNING with every row's values in it.
            ids = [
                int(i) for i in self.connection.execute(_NEXT_CASE_IDS, {"n": len(rows)}).scalars()
            ]
            for row, case_id in zip(rows, ids, strict=True):
                row["id"] = case_id
            insert_rows(self.connection, cases, rows)
        else:
            ids = [
                int(i)
                for i in self.connection.execute(
                    insert(cases).returning(cases.c.id, sort_by_parameter_order=True), rows
                ).scalars()
            ]
        history = [
            _history_row(case_id, entry)
            for case_id, made in zip(ids, new, strict=True)
            for entry in made.history
        ]
        insert_rows(self.connection, case_history, history)
        return ids

    def find_open_many(
        self, notifications: Sequence[Notification]
    ) -> list[tuple[int, bool] | None]:
        """For each notification, the open case of the same child (as find_open) and whether
        the UPN matched (else name and birthday did), in one look."""
        keys = [
            identity_key(n.forename, n.surname, n.date_of_birth, n.fingerprint)
            for n in notifications
        ]
        upns = sorted({n.upn for n in notifications if n.upn})
        if not notifications:
            return []
        condition: ColumnElement[bool] = cases.c.identity_key.in_(sorted(set(keys)))
        if upns:
            condition = or_(condition, cases.c.upn.in_(upns))
        by_upn: dict[str, int] = {}
        by_key: dict[str, int] = {}
        for row in self.connection.execute(
            select(cases.c.id, cases.c.upn, cases.c.identity_key)
            .where(condition, cases.c.status.in_(_OPEN))
            .order_by(cases.c.id)
        ):
            if row.upn:
                by_upn.setdefault(row.upn, int(row.id))
            by_key.setdefault(row.identity_key, int(row.id))
        found: list[tuple[int, bool] | None] = []
        for n, key in zip(notifications, keys, strict=True):
            if n.upn and n.upn in by_upn:
                found.append((by_upn[n.upn], True))
            elif key in by_key:
                found.append((by_key[key], False))
            else:
                found.append(None)
        return found

    def find_open(self, notification: Notification) -> int | None:
        """The open case of the same child: same UPN, or same name and date of birth."""
        n = notification
        key = identity_key(n.forename, n.surname, n.date_of_birth, n.fingerprint)
        # One look for both: the partial unique indexes allow one open case per UPN and one
        # per identity key, so at most two rows come back; a UPN match wins, as it always has.
        if n.upn:
            rows = self.connection.execute(
                _OPEN_BY_UPN_OR_IDENTITY, {"upn": n.upn, "key": key}
            ).all()
        else:
            rows = self.connection.execute(_OPEN_BY_IDENTITY, {"key": key}).all()
        if n.upn:
            for row in rows:
                if row.upn == n.upn:
                    return int(row.id)
        return int(rows[0].id) if rows else None

    def summaries(self, status: Status | None = None) -> list[CaseSummary]:
        """Every case (or those in one status) with the date its current step is due."""
        next_due = (
            select(
                deadlines.c.case_id,
                func.min(deadlines.c.due).label("due"),
            )
            .where(deadlines.c.met_on.is_(None), deadlines.c.acted_on.is_(None))
            .group_by(deadlines.c.case_id)
            .subquery()
        )
        query = (
            select(cases.c.id, cases.c.status, cases.c.opened_on, next_due.c.due)
            .select_from(cases.outerjoin(next_due, next_due.c.case_id == cases.c.id))
            .order_by(cases.c.id)
        )
        if status is not None:
            query = query.where(cases.c.status == status.value)
        rows = self.connection.execute(query).all()
        steps = self._next_steps([r.id for r in rows if r.due is not None])
        return [
            CaseSummary(
                case_id=r.id,
                reference=case_reference(r.id),
                status=Status(r.status),
                deadline=r.due if r.status != Status.CLOSED else None,
                deadline_step=steps.get(r.id) if r.status != Status.CLOSED else None,
                opened_on=r.opened_on,
            )
            for r in rows
        ]

    def _next_steps(self, case_ids: list[int]) -> dict[int, str]:
        if not case_ids:
            return {}
        rows = self.connection.execute(
            select(deadlines.c.case_id, deadlines.c.step, deadlines.c.due)
            .where(deadlines.c.met_on.is_(None), deadlines.c.acted_on.is_(None))
            .order_by(deadlines.c.case_id, deadlines.c.due, deadlines.c.id)
        ).all()
        wanted, first = set(case_ids), {}
        for row in rows:
            if row.case_id in wanted and row.case_id not in first:
                first[row.case_id] = row.step
        return first

    def open_case_ids(self) -> list[int]:
        """Ids of every open case."""
        return list(
            self.connection.execute(
                select(cases.c.id).where(cases.c.status.in_(_OPEN)).order_by(cases.c.id)
            ).scalars()
        )

    def open_past_school_age(self, on: date) -> list[int]:
        """Ids of open cases whose child ceased to be of compulsory school age before `on`."""
        # Written as the partial index's own condition, and sorted here rather than by the
        # database: SQLite would otherwise walk every case in id order to save itself a sort.
        return sorted(
            self.connection.execute(
                select(cases.c.id).where(
                    cases.c.status != literal_column("'closed'"), cases.c.csa_ends < on
                )
            ).scalars()
        )
